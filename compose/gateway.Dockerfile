# gateway: nginx + template-renderer + status API, supervised by one Node process. Build from the
# repository root:  docker build -f compose/gateway.Dockerfile -t docker-consul-gateway/gateway .
# The image also carries template-renderer (entrypoint `node /app/dist/template-renderer/cli.js`).
# Base images are build arguments; the defaults are the official ones. Where no registry is
# reachable, compose/build-base-images.sh makes local stand-ins (see compose/README.md).
ARG NODE_IMAGE=node:20-bookworm-slim
ARG DEBIAN_IMAGE=debian:bookworm-slim
# nginx: empty (default) = Debian's nginx with its lua module, installed on DEBIAN_IMAGE, so the
# gateway runs in lua mode (route and instance changes without a reload). An nginx image instead
# (e.g. the official nginx:stable-bookworm, whose nginx has no lua module) = reload mode:
#   docker build -f compose/gateway.Dockerfile --build-arg GATEWAY_NGINX_IMAGE=nginx:stable-bookworm .
ARG GATEWAY_NGINX_IMAGE=

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

# Stage 2: Debian + Debian's nginx, libnginx-mod-http-lua and lua-resty-core (what setup:env
# installs; the official nginx image instead when GATEWAY_NGINX_IMAGE is set), the node binary
# and the compiled program. Both bases are Debian bookworm, so glibc and libstdc++ are there for
# node. Runs as the unprivileged nginx user (101, as in the official image); it listens on 8080
# unless told otherwise (ports below 1024 need root, see README). One stage whose base is chosen
# by the nested default, which Docker 20.10's classic builder (docker-compose 1.29) expands as
# BuildKit does; two stages picked by name would make the classic builder build, and pull, both.
FROM ${GATEWAY_NGINX_IMAGE:-${DEBIAN_IMAGE}} AS gateway
# First, so that the layer cache keeps it across source changes. The base's dpkg and apt
# settings (Debian's slim images, the stand-ins) keep docs and package caches out; the lua
# check is the gateway's own (gateway/pool-lua.ts): both modules load and resty.core runs.
RUN set -eu; \
  if ! command -v nginx >/dev/null; then \
    groupadd --system --gid 101 nginx; \
    useradd --system --uid 101 --gid nginx --no-create-home --home /nonexistent \
      --shell /usr/sbin/nologin nginx; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      nginx libnginx-mod-http-lua lua-resty-core ca-certificates; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /var/log/apt/* /var/log/dpkg.log /var/www/html \
      /etc/nginx/sites-enabled/default; \
    printf '%s\n' 'load_module /usr/lib/nginx/modules/ndk_http_module.so;' \
      'load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;' 'events {}' \
      'http { lua_package_path "/usr/share/lua/5.1/?.lua;;";' \
      '  init_by_lua_block { require "resty.core" } }' >/tmp/lua-check.conf; \
    nginx -q -t -c /tmp/lua-check.conf; \
    rm /tmp/lua-check.conf; \
  fi; \
  id nginx; nginx -v
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
# nginx's compiled-in log paths go to /dev/null: the official image links them to /dev/stdout
# and /dev/stderr, but under the gateway nginx's output is a socket (Node's child stdio), which
# cannot be opened by path (ENXIO), and Debian's files are not writable by the nginx user. The
# gateway writes its own access log and relays nginx's stderr.
RUN mkdir -p /var/lib/gateway /var/log/nginx && chown nginx:nginx /var/lib/gateway \
  && ln -sf /dev/null /var/log/nginx/access.log && ln -sf /dev/null /var/log/nginx/error.log \
  && node --version
USER nginx
EXPOSE 8080 9180
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["node", "--max-semi-space-size=4", "--expose-gc", "/app/dist/gateway/cli.js"]
