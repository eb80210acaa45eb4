# One image per server, all from this file:
#   docker build -f deploy/docker/server.Dockerfile --build-arg SERVER=catalog-service \
#     -t storefront/catalog-service:dev .
# SERVER is the crate and binary name: catalog-service, cart-service, account-service,
# catalog-bff, cart-bff or account-bff. The context is the repository root.
#
# Base images are pinned by tag, not digest: digests cannot be looked up from the machines
# this repository is developed on (no registry access). Pin digests where images are built.

# The toolchain the repository is built and tested with (rustc 1.95; a test compares).
FROM rust:1.95-slim-bookworm AS chef
ARG CARGO_CHEF_VERSION=0.1.78
RUN cargo install "cargo-chef@${CARGO_CHEF_VERSION}" --locked
WORKDIR /src

# The dependency recipe: the manifests and Cargo.lock, with every source file left out, so
# editing code does not invalidate the cooked dependencies below. The whole workspace is
# copied because cargo needs every member's manifest, the wasm-only frontends included.
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# Every server is built here, once: the six images share this stage (the same
# instructions and context, so BuildKit builds it once and each image takes its binary),
# and their dependencies are compiled once, not six times. SERVERS lists them (a test
# compares it with the slice table).
FROM chef AS builder
ARG SERVERS="catalog-service catalog-bff cart-service cart-bff account-service account-bff"
COPY --from=planner /src/recipe.json recipe.json
# The dependency layer: rebuilt only when Cargo.lock or a manifest changes. `-p` keeps the
# frontends, e2e and the tools out of it.
RUN set --; for server in $SERVERS; do set -- "$@" -p "$server"; done \
    && cargo chef cook --release --locked --recipe-path recipe.json "$@"
COPY . .
RUN set --; for server in $SERVERS; do set -- "$@" -p "$server"; done \
    && cargo build --release --locked "$@" \
    && mkdir -p /out/bin \
    && for server in $SERVERS; do cp "target/release/$server" /out/bin/; done

# This image's server: the one stage per image, and a clear error without SERVER.
FROM builder AS server
ARG SERVER
RUN : "${SERVER:?build with --build-arg SERVER=<server crate>, e.g. catalog-service}" \
    && cp "/out/bin/$SERVER" /server

# glibc and libgcc only (all the servers link): distroless cc, no shell, no package manager.
FROM gcr.io/distroless/cc-debian12:nonroot
ARG SERVER
ARG STOREFRONT_VERSION=dev
LABEL org.opencontainers.image.title="storefront ${SERVER}" \
      org.opencontainers.image.description="The storefront's ${SERVER}: configured from the environment, listens on 8080 in containers" \
      org.opencontainers.image.version="${STOREFRONT_VERSION}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
# The one binary this image runs, as /usr/local/bin/server (an exec-form ENTRYPOINT cannot
# expand SERVER).
COPY --from=server /server /usr/local/bin/server
# No ENV: every setting is named after the server (CATALOG_SERVICE__PORT, ...) and set by
# compose or Kubernetes; RUST_LOG unset keeps the server's default (info, SQL quiet).
EXPOSE 8080
USER 65532:65532
# The server asks itself for its ready path (no shell or curl here). The start period
# covers the first start of a service: migrations and the seed.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/server", "--health-check"]
ENTRYPOINT ["/usr/local/bin/server"]
