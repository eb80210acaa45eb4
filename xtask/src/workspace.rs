//! Where things are in the repository.

use std::path::PathBuf;

/// The repository root (the workspace `Cargo.toml`'s directory).
pub fn root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}

/// Git-ignored runtime state: databases, logs, the published site, downloaded tools.
pub fn var_dir() -> PathBuf {
    root().join("var")
}

/// The shared cargo target directory.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Where `cargo build` puts binaries of `profile` (`debug`/`release`).
pub fn binary(profile: &str, name: &str) -> PathBuf {
    target_dir().join(profile).join(name)
}
