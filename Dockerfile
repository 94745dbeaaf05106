# The softswitch service (SIP front end, ACD engine, media control). It is started exactly as the
# end-to-end tests start it: `node --import tsx src/service/main.ts`, configured from the environment.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY types ./types
COPY src ./src
COPY config ./config
ENV CONFIG_PATH=/app/config/platform.yaml \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
EXPOSE 8080
CMD ["node", "--import", "tsx", "src/service/main.ts"]
