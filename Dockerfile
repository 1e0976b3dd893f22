# syntax=docker/dockerfile:1
#
# One image for every role of the fraud-check engine (compiled JavaScript, Node 24 LTS):
#   API (default):       node dist/api/main.js
#   worker:              node dist/worker/main.js   (WORKER_TASK_QUEUES=checks | documents)
#   reviewer token:      node dist/scripts/token.js <id> <role>
# Three stages: `build` compiles with the dev dependencies and bundles the workflows once;
# `deps` installs the production dependencies and removes the bundler and compiler they
# drag in (deploy/image/prune-runtime.cjs); `runtime` gets node_modules and dist/ only,
# runs as the unprivileged `node` user, and holds no tsx, webpack, swc or esbuild.
# No secrets are baked in: every setting comes from the environment at run time.

ARG NODE_IMAGE=node:24-bookworm-slim

##### build: compile to dist/ and bundle the workflows #####
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# .dockerignore keeps tests, benchmarks, the dev stack and local files out of the context.
COPY . .
RUN npm run build

##### deps: production dependencies, without build tools #####
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY deploy/image /tmp/image
RUN npm ci --omit=dev --no-audit --no-fund \
 && node /tmp/image/prune-runtime.cjs /app \
 && npm cache clean --force

##### runtime #####
FROM ${NODE_IMAGE} AS runtime

ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    DATA_DIR=/app/data \
    PORT=3000

WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist

# Fail the build, not the first start, if a runtime dependency went missing in the prune.
RUN node -e "require('@temporalio/worker'); require('sharp'); require('mongoose'); require('./dist/config')"

# Code stays root-owned (read-only for the app). DATA_DIR is the one writable place.
RUN mkdir -p /app/data && chown node:node /app/data

USER node

# 3000: API (PORT). 9464: worker health (WORKER_HEALTH_PORT).
EXPOSE 3000 9464

CMD ["node", "dist/api/main.js"]
