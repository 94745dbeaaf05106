# The softswitch service (SIP front end, ACD engine, media control). It is started exactly as the
# end-to-end tests start it: `node --import tsx src/service/main.ts`, configured from the environment.
FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends espeak-ng sox && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY types ./types
COPY src ./src
COPY config ./config
# Prompts and voicemail live where FreeSWITCH reads and writes them too (a volume shared with it).
ENV CONFIG_PATH=/app/config/platform.yaml \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    PROMPTS_DIR=/var/lib/acd/prompts \
    VOICEMAIL_DIR=/var/lib/acd/voicemail
RUN npm run prompts
EXPOSE 8080
CMD ["node", "--import", "tsx", "src/service/main.ts"]
