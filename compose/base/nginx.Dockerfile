# Stand-in for the official nginx (Debian) image: Debian's nginx, user nginx (101), logs to the
# container's output, conf.d/*.conf included, SIGQUIT for a graceful stop.
ARG BASE
FROM ${BASE}
RUN groupadd --system --gid 101 nginx \
  && useradd --system --uid 101 --gid nginx --no-create-home --home /nonexistent --shell /bin/false nginx \
  && apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx \
  && apt-get clean && rm -rf /var/lib/apt/lists/* \
  && rm -f /etc/nginx/sites-enabled/default \
  && sed -i 's/^user www-data;/user nginx;/' /etc/nginx/nginx.conf \
  && ln -sf /dev/stdout /var/log/nginx/access.log \
  && ln -sf /dev/stderr /var/log/nginx/error.log \
  && nginx -t
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
