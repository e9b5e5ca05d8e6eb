# gateway: nginx + template-renderer + status API, supervised by one Node process. Build from the
# repository root:  docker build -f compose/gateway.Dockerfile -t docker-consul-gateway/gateway .
# The image also carries template-renderer (entrypoint `node /app/dist/template-renderer/cli.js`).
# Base images are build arguments; the defaults are the official ones. Where no registry is
# reachable, compose/build-base-images.sh makes local stand-ins (see compose/README.md).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG NGINX_IMAGE=nginx:stable-bookworm

# Stage 1: identical to registrator.Dockerfile's, so the layer cache builds it once for both.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/post-build.mjs scripts/
COPY common common
COPY registrator registrator
COPY template-renderer template-renderer
COPY gateway gateway
RUN npm run build \
  && find dist -name '*.map' -delete -o -name '*.d.ts' -delete \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
  && rm -rf node_modules/.cache

FROM ${NODE_IMAGE} AS node

# Stage 2: the official nginx image (Debian, so glibc and libstdc++ are there for node) plus the
# node binary and the compiled program. Runs as the unprivileged nginx user; it listens on 8080
# unless told otherwise (ports below 1024 need root, see README).
FROM ${NGINX_IMAGE} AS gateway
LABEL org.opencontainers.image.title=docker-consul-gateway-gateway \
      org.opencontainers.image.licenses=MIT
COPY --from=node /usr/local/bin/node /usr/local/bin/node
# The gateway reads its settings from these variables (flags win); compose files override them.
ENV NODE_ENV=production \
    GATEWAY_LISTEN=0.0.0.0:8080 \
    GATEWAY_STATUS_ADDR=0.0.0.0:9180 \
    GATEWAY_WORK_DIR=/var/lib/gateway \
    CONSUL_HTTP_ADDR=consul:8500
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY templates templates
COPY compose/healthcheck.mjs ./
# The nginx image links its default logs to /dev/stdout and /dev/stderr; under the gateway,
# nginx's output is a socket (Node's child stdio), which cannot be opened by path (ENXIO). The
# gateway writes its own access log and relays nginx's stderr, so the defaults go to /dev/null.
RUN mkdir -p /var/lib/gateway && chown nginx:nginx /var/lib/gateway \
  && ln -sf /dev/null /var/log/nginx/access.log && ln -sf /dev/null /var/log/nginx/error.log \
  && node --version
USER nginx
EXPOSE 8080 9180
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/dist/gateway/cli.js"]
