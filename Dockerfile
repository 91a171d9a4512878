# Build stage: install the workspace (better-sqlite3 compiles here) and deploy the CLI with only
# its production dependencies into /app.
FROM node:20-bookworm AS build
RUN npm install -g pnpm@10
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile \
 && pnpm build \
 && pnpm --filter @foreman/cli deploy --prod --legacy /app

# Runtime stage: bin/foreman.mjs runs the built dist/foreman.mjs (`foreman serve`); the database lives on a volume.
FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /app /app
ENV FOREMAN_ADDR=:8080 \
    FOREMAN_DB_PATH=/data/foreman.db
VOLUME /data
EXPOSE 8080
# The port comes from FOREMAN_ADDR (`:8080`, `0.0.0.0:9000`, `[::]:8080`), so changing it keeps the container healthy.
HEALTHCHECK CMD node -e "const a=process.env.FOREMAN_ADDR||':8080';fetch('http://127.0.0.1:'+a.slice(a.lastIndexOf(':')+1)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/foreman.mjs"]
CMD ["serve"]
