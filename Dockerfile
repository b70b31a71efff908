# routetrace: one image for routetrace-collector, routetrace-proxy, routetrace (all-in-one) and
# routetrace-sim (the simulated SGLang worker of the demo profile). Commands are the ones the
# tests run: node dist/<tool>/main.js.
#
# Node 24 LTS, minor pinned. better-sqlite3 13 ships its N-API binaries in the npm package, so
# neither stage needs a compiler.
FROM node:24.21-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY shared shared
COPY collector collector
COPY proxy proxy
COPY all-in-one all-in-one
COPY sim sim
COPY demo demo
COPY dashboard dashboard
RUN npm ci && npm prune --omit=dev

FROM node:24.21-bookworm-slim
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
  CMD ["node", "dist/shared/cli/healthcheck.js"]
CMD ["node", "dist/all-in-one/main.js", "--help"]
