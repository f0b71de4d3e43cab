# syntax=docker/dockerfile:1
# The sipas server, built in two stages:
#   docker compose up --build          (see docker-compose.yml: app + PostgreSQL + mail catcher)
#   docker build -t sipas .            (needs BuildKit, the default builder since Docker 23)

# ---- build -------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
# Debian package versions are not pinned (DL3008): bookworm's archive keeps only the latest
# security release of each, so a pin would break the build at the next update.
# libssl-dev + pkg-config: the bundled libpq (pq-sys "bundled") links the system OpenSSL.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# The crate registry and the target directory are BuildKit cache mounts, so a rebuild after a
# source change recompiles only sipas itself, not its hundreds of dependencies. The binary is copied
# out of the cache in the same step.
RUN --mount=type=cache,id=sipas-cargo-registry,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,id=sipas-cargo-git,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,id=sipas-target,target=/src/target,sharing=locked \
    cargo build --release --locked --bin sipas \
 && install -D -m 0755 target/release/sipas /out/sipas

# ---- run ---------------------------------------------------------------------------------------
FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 sipas \
 && useradd --system --uid 10001 --gid sipas --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin sipas
WORKDIR /app
# Program and data files belong to root (read-only for the service); only data/ is writable
# (the embedded SQLite file, used when DATABASE_URL is not set).
COPY --from=builder /out/sipas /app/sipas
COPY survey-definitions/ /app/survey-definitions/
COPY reference-data/ /app/reference-data/
RUN install -d -o sipas -g sipas -m 0750 /app/data
ENV PATH="/app:${PATH}" \
    SIPAS_BIND="0.0.0.0:8080"
USER 10001:10001
EXPOSE 8080
CMD ["sipas", "serve"]
