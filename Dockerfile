# Build stage: compile the release binary.
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY actors actors
COPY src src
COPY migrations migrations
COPY assets assets
RUN cargo build --release --locked && strip target/release/diana

# Runtime stage: the binary, its CA roots, and curl for the health check.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /app diana
WORKDIR /app
COPY --from=build /src/target/release/diana /usr/local/bin/diana
USER diana
ENV DIANA_HTTP_ADDR=0.0.0.0:8080 DIANA_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["diana"]
CMD ["serve"]
