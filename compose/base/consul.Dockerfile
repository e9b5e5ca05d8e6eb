# Stand-in for hashicorp/consul: the binary in /bin, data in /consul/data, config in
# /consul/config, and an entrypoint that behaves like the official one.
ARG BASE
FROM ${BASE}
COPY consul /bin/consul
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN groupadd --system consul \
  && useradd --system --gid consul --no-create-home --home /consul --shell /bin/false consul \
  && mkdir -p /consul/data /consul/config \
  && chown -R consul:consul /consul \
  && chmod 755 /usr/local/bin/docker-entrypoint.sh \
  && consul version
VOLUME /consul/data
EXPOSE 8300 8301 8301/udp 8302 8302/udp 8500 8600 8600/udp
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["agent", "-dev", "-client", "0.0.0.0"]
