# syntax=docker/dockerfile:1
# Multi-stage build: a full Rust toolchain to compile, a slim non-root runtime.
# The build needs no database: sqlx's offline query data (.sqlx/) is part of the source.
FROM rust:1.95-bookworm AS build
WORKDIR /src
ENV SQLX_OFFLINE=true
COPY Cargo.toml Cargo.lock ./
COPY .sqlx ./.sqlx
COPY config ./config
COPY migrations ./migrations
COPY src ./src
RUN cargo build --release --locked --bin hongxun-gateway

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin hxgw \
 && mkdir -p /app/data && chown hxgw /app/data
WORKDIR /app
COPY --from=build /src/target/release/hongxun-gateway /usr/local/bin/hongxun-gateway
COPY config ./config
USER 10001
# Migrations and defaults are compiled in; DATABASE_URL and HXGW_MASTER_KEY come from the environment.
ENV HXGW__SERVER__BIND=0.0.0.0:8080 \
    HXGW__SERVER__DATA_DIR=/app/data \
    HXGW__LOG__FORMAT=json
EXPOSE 8080
ENTRYPOINT ["hongxun-gateway"]
CMD ["serve"]
