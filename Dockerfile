# syntax=docker/dockerfile:1
# Switchyard's production image: one image, started as an API server (`api`, the default) or a worker (`worker`)
# by its command (scripts/docker-entrypoint.sh). Built in stages so the runtime holds production dependencies only,
# the built editor and the prebuilt workflow bundle. scripts/build-image.sh runs these same steps without Docker;
# test/deploy/compose.test.ts checks that every script named here exists.
ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Every dependency (the editor's build tools are dev dependencies). The Temporal CLI is for `npm start`'s dev
#    server only: an image connects to a cluster (TEMPORAL_ADDRESS), so its install step is skipped.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
ENV SWITCHYARD_SKIP_TEMPORAL_CLI=1
# better-sqlite3 downloads a prebuilt binary for Node 20 on glibc; the toolchain is the fallback when it cannot.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts/setup-temporal.mjs scripts/setup-temporal.mjs
RUN npm ci --no-audit --no-fund

# 2. The built editor (editor/dist) and the prebuilt workflow bundles (dist/workflow-bundle{,-tracing}.js + manifests).
FROM deps AS build
COPY . .
RUN npm run build:editor && npm run build:workflows

# 3. Production dependencies only, installed from the same lockfile.
FROM deps AS prod-deps
RUN npm ci --omit=dev --no-audit --no-fund

# 4. The runtime: sources (run through tsx, a production dependency), built output, non-root.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    SWITCHYARD_SKIP_TEMPORAL_CLI=1
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY core ./core
COPY catalog ./catalog
COPY store ./store
COPY server ./server
COPY worker ./worker
COPY scripts ./scripts
COPY --from=build /app/editor/dist ./editor/dist
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["scripts/docker-entrypoint.sh"]
CMD ["api"]
