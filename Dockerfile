# syntax=docker/dockerfile:1
# One image for the broker, the workers and the load test; the command picks the service:
#   node dist/services/broker/main.js | node dist/services/worker/main.js | node dist/services/loadtest/main.js
# Validated here by tests (docker-compose config, file checks) but never built: no Docker engine
# runs on the project's machines (docs/deploy.md).

ARG NODE_IMAGE=node:20-bookworm-slim

# Stage 1: full install (dev deps bring tsc) and compile TypeScript to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY proto ./proto
COPY shared ./shared
COPY services ./services
RUN npm run build

# Stage 2: production dependencies only and the compiled code. `npm run build` copied proto/ into
# dist/proto, where shared/grpc/proto.ts finds it from the compiled dist/shared/grpc/proto.js
# (../../proto): the services load the .proto files at run time. test/image.test.ts runs this
# layout.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MSHARE_GRPC_ADDR=0.0.0.0:50051 \
    MSHARE_HTTP_ADDR=0.0.0.0:9464 \
    MSHARE_INSECURE=true \
    MSHARE_WORKER_HTTP_ADDR=0.0.0.0:9465 \
    HEALTHCHECK_URL=http://127.0.0.1:9464/readyz
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist

# MSHARE_STATE_DIR's usual place, owned by the user below: a new named volume mounted there
# takes this owner, so the broker can write its state.
RUN mkdir -p /var/lib/mshare && chown 1000:1000 /var/lib/mshare

# The base image's unprivileged "node" user, by number so Kubernetes'
# runAsNonRoot can verify it without reading /etc/passwd.
USER 1000:1000

EXPOSE 50051 9464 9465

# Node 20 has fetch built in: no curl or wget in the image. Readiness, not the scrape: the broker's
# /readyz (9464) by default; a worker sets HEALTHCHECK_URL to its own /readyz on 9465, which
# answers once the worker has started (a donor: once its region exists). docker-compose.yml
# states each service's healthcheck itself.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTHCHECK_URL).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

CMD ["node", "dist/services/broker/main.js"]
