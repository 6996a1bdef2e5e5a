# syntax=docker/dockerfile:1
# tidemark image: one image, every CLI command (source, sink, verify, lag, gate, schema, demo, config).
#   docker build -t tidemark .
#   docker run --rm tidemark config
# Node 20 matches package.json engines (>=20.19.0); the floating 20 tag is on 20.19+.

# ---- build: install everything (TypeScript is a devDependency), compile, then drop dev deps
FROM node:20-bookworm-slim AS build
WORKDIR /app
# The whole (filtered, see .dockerignore) tree goes in before `npm ci`, because
# `npm ci` runs the `prepare` script (tsc -p tsconfig.build.json), which needs
# src/ and the tsconfigs. NODE_ENV must not be "production" here, or npm ci would
# skip the devDependencies that tsc comes from. The cache mount keeps re-installs
# fast even though a source change invalidates this layer.
# connectors/ and schemas/ may be empty (git does not keep empty folders): mkdir -p
# makes sure they exist so the runtime COPYs never fail on a fresh clone.
COPY . .
RUN --mount=type=cache,target=/root/.npm \
    npm ci --no-audit --no-fund \
 && test -f dist/cli/main.js \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p connectors schemas

# ---- runtime: compiled JS + production deps only, run as the unprivileged `node` user
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by `node`: the process cannot modify its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/connectors ./connectors
COPY --from=build /app/schemas ./schemas
USER node
# No HEALTHCHECK: the HTTP health server is off by default (TIDEMARK_HTTP_PORT=0),
# and one-shot commands (schema, verify, config) have nothing to probe.
ENTRYPOINT ["node", "bin/tidemark.js"]
