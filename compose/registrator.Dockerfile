# registrator: Docker events -> Consul. Build from the repository root:
#   docker build -f compose/registrator.Dockerfile -t docker-consul-gateway/registrator .
# Base images are build arguments; the defaults are the official ones. Where no registry is
# reachable, compose/build-base-images.sh makes local stand-ins (see compose/README.md).
ARG NODE_IMAGE=node:20-bookworm-slim

# Stage 1 (shared with gateway.Dockerfile, so the layer cache builds it once): compile the
# TypeScript and keep only production dependencies.
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

# Stage 2: node + the compiled program. It runs as root because it needs the Docker socket,
# which only root (or the socket's group, whose id differs per host) may use; see README.
FROM ${NODE_IMAGE} AS registrator
LABEL org.opencontainers.image.title=docker-consul-gateway-registrator \
      org.opencontainers.image.licenses=MIT
ENV NODE_ENV=production \
    DOCKER_HOST=unix:///tmp/docker.sock \
    HEALTHCHECK_DOCKER_SOCKET=/tmp/docker.sock
WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY compose/healthcheck.mjs ./
USER root
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/dist/registrator/cli.js"]
CMD ["--help"]
