# syntax=docker/dockerfile:1
#
# One image for both roles of the fraud-check engine:
#   API (default):  node --import tsx api/main.ts
#   worker:         node --import tsx worker/main.ts
# TypeScript runs through tsx, which is a runtime dependency, so there is no
# compile step: production dependencies plus the sources are the whole image.
# No secrets are baked in; every setting comes from the environment at run time.

ARG NODE_IMAGE=node:20-bookworm-slim

##### dependencies (production only) #####
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force

##### runtime #####
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production \
    DATA_DIR=/app/data \
    PORT=3000

WORKDIR /app

# package.json says "node": ">=20.19" (require(esm) and `--import tsx`).
RUN node -e "const [a,b]=process.versions.node.split('.').map(Number); if (a<20||(a===20&&b<19)) { console.error('Node >= 20.19 required, got '+process.version); process.exit(1) }"

COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY api ./api
COPY activities ./activities
COPY domain ./domain
COPY models ./models
COPY scoring ./scoring
COPY workflows ./workflows
COPY worker ./worker
COPY web ./web
COPY config ./config
COPY lib ./lib
COPY documents ./documents
# The launcher's TypeScript only; stack/ferretdb (Go) is excluded by .dockerignore.
COPY stack ./stack

# Sources stay root-owned (read-only for the app). DATA_DIR is the one writable
# place (mail outbox when SMTP_URL is unset); mount a volume there if it matters.
RUN mkdir -p /app/data && chown node:node /app/data

USER node

# 3000: API (PORT). 9464: worker health (WORKER_HEALTH_PORT).
EXPOSE 3000 9464

CMD ["node", "--import", "tsx", "api/main.ts"]
