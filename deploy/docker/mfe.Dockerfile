# One image per micro-frontend: its release build and the `mfe-site` publisher that puts
# that build live in the shared site volume.
#   docker build -f deploy/docker/mfe.Dockerfile --build-arg MFE=catalog \
#     -t storefront/catalog-mfe:dev .
# MFE is a folder under frontends/ with an mfe.json: catalog, cart or account. The context
# is the repository root.
#
# Base images are pinned by tag, not digest: digests cannot be looked up from the machines
# this repository is developed on (no registry access). Pin digests where images are built.

# Exactly the tools `cargo xtask build-mfe` uses (xtask/src/tools.rs; a test compares):
# wasm-bindgen must equal the version in Cargo.lock, and binaryen is the npm release
# BINARYEN_VERSION.0.0 (Debian's and crates.io's wasm-opt cannot read rustc 1.95's wasm).
ARG TRUNK_VERSION=0.21.14
ARG WASM_BINDGEN_VERSION=0.2.130
ARG BINARYEN_VERSION=132

# wasm-opt: npm's binaryen, a node program.
# Node 22 (20 is past its end of life); binaryen's wasm-opt is plain JS and wasm.
FROM node:22-bookworm-slim AS binaryen
ARG BINARYEN_VERSION
RUN npm install --no-audit --no-fund --prefix /opt/binaryen "binaryen@${BINARYEN_VERSION}.0.0"

FROM rust:1.95-slim-bookworm AS rust
WORKDIR /src

# The publisher does not depend on MFE: one build serves the three images.
FROM rust AS publisher
COPY . .
RUN cargo build --release --locked -p xtask --bin mfe-site \
    && mkdir -p /out/site/mfe

FROM rust AS mfe
ARG TRUNK_VERSION
ARG WASM_BINDGEN_VERSION
# wasm-bindgen-cli without --locked, as in xtask: a dependency pinned in its lock file is
# gone from crates.io.
RUN rustup target add wasm32-unknown-unknown \
    && cargo install "trunk@${TRUNK_VERSION}" --locked \
    && cargo install "wasm-bindgen-cli@${WASM_BINDGEN_VERSION}"
# Both bookworm: the node binary runs on this stage's glibc and libstdc++.
COPY --from=binaryen /usr/local/bin/node /usr/local/bin/node
COPY --from=binaryen /opt/binaryen/node_modules /opt/binaryen/node_modules
# First on PATH: trunk takes the wasm-opt it finds there when its version matches
# Trunk.toml's (trunk runs --offline and never downloads one).
ENV PATH=/opt/binaryen/node_modules/binaryen/bin:$PATH
COPY . .
ARG MFE
# `trunk build --offline` needs every crate fetched first (as xtask does).
RUN test -f "frontends/${MFE}/mfe.json" \
        || { echo "build with --build-arg MFE=<a folder of frontends/ with an mfe.json>, e.g. catalog" >&2; exit 1; } \
    && cargo fetch --locked
WORKDIR /src/frontends/${MFE}
RUN trunk build --release --offline --dist /mfe/build \
    && cp mfe.json /mfe/build/mfe.json \
    && cargo run --quiet --release --offline -p mfe-build-id -- . > /mfe/build/build-id

# The publisher links glibc and libgcc only: distroless cc, no shell, no package manager.
# A one-shot job (it publishes and exits), so no HEALTHCHECK.
FROM gcr.io/distroless/cc-debian12:nonroot
ARG MFE
ARG STOREFRONT_VERSION=dev
LABEL org.opencontainers.image.title="storefront ${MFE} micro-frontend" \
      org.opencontainers.image.description="The ${MFE} micro-frontend's release build and mfe-site, which publishes it into the site volume at /srv/site/mfe" \
      org.opencontainers.image.version="${STOREFRONT_VERSION}" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=publisher /src/target/release/mfe-site /usr/local/bin/mfe-site
COPY --from=mfe /mfe/build/ /mfe/build/
# The volume's mount point, empty and the publisher's: Docker initialises a new named volume
# from it, owner included, so the publisher can write there. (No shell here to mkdir.)
COPY --from=publisher --chown=65532:65532 /out/site/ /srv/site/
ENV MFE_NAME=$MFE MFE_BUILD=/mfe/build MFE_SITE=/srv/site
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/mfe-site"]
CMD ["publish", "--initial"]
