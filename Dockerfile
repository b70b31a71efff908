# routetrace: one image for routetrace-collector, routetrace-proxy, routetrace (all-in-one) and
# the simulated SGLang worker of the demo profile. Commands are the ones the tests run:
# node dist/<tool>/src/main.js.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles SQLite from source here (no prebuilt binary is fetched).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY collector collector
COPY proxy proxy
COPY all-in-one all-in-one
COPY demo demo
COPY test/sim test/sim
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
RUN mkdir -p /data && chown node:node /data
# Non-root: the image's unprivileged `node` user owns only /data (the SQLite volume).
USER node
VOLUME ["/data"]
EXPOSE 30009 30010
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "dist/shared/src/cli/healthcheck.js"]
CMD ["node", "dist/all-in-one/src/main.js", "--help"]
