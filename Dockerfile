# The agent worker (and CLI) as an image: `docker compose up` builds it.
FROM node:20.20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY scripts ./scripts
CMD ["npm", "run", "-s", "client", "--", "worker"]
