//! Building one micro-frontend with its own trunk build — and not rebuilding it when
//! nothing it is made of has changed.

use crate::process::{cargo, output, run};
use crate::tools::{step, Tools};
use crate::workspace;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every MFE: one per built slice (see [`crate::slices`]).
pub fn names() -> Result<Vec<String>> {
    Ok(crate::slices::built()
        .map(|slice| slice.name.to_owned())
        .collect())
}

/// The source directory of MFE `name`.
pub fn source_dir(name: &str) -> PathBuf {
    workspace::root().join("frontends").join(name)
}

/// Where MFE `name`'s latest build is.
pub fn build_dir(name: &str) -> PathBuf {
    workspace::target_dir().join("mfe-build").join(name)
}

/// Builds MFE `name` (release, size-optimized) into [`build_dir`], unless the last build
/// was made from exactly the same inputs. Returns the build directory.
pub fn build(name: &str, tools: &Tools) -> Result<PathBuf> {
    let source = source_dir(name);
    if !source.join("mfe.json").is_file() {
        bail!("there is no micro-frontend called {name:?} (no frontends/{name}/mfe.json)");
    }
    let dist = build_dir(name);
    let stamp = dist.with_extension("inputs");
    let fingerprint = inputs_fingerprint(&source)?;
    let unchanged = std::fs::read_to_string(&stamp).ok().as_deref() == Some(fingerprint.as_str());
    if unchanged && dist.join("index.html").is_file() {
        step(&format!("{name} MFE is up to date"));
        return Ok(dist);
    }
    step(&format!("building the {name} MFE (trunk, release)"));
    trunk_build(name, tools, &dist, None)?;
    std::fs::write(&stamp, fingerprint)?;
    Ok(dist)
}

/// `trunk build --release --offline` of MFE `name` into `dist` (with its own cargo
/// `target_dir` if given). Trunk finds wasm-opt on PATH, and `--offline` needs every crate
/// fetched first.
pub fn trunk_build(
    name: &str,
    tools: &Tools,
    dist: &Path,
    target_dir: Option<&Path>,
) -> Result<()> {
    run(cargo().args(["fetch", "--quiet"]))?;
    let path = std::env::join_paths(std::iter::once(tools.wasm_opt_dir.clone()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))?;
    let mut trunk = Command::new("trunk");
    trunk
        .current_dir(source_dir(name))
        .env("PATH", path)
        .args(["build", "--release", "--offline", "--dist"])
        .arg(dist);
    if let Some(target_dir) = target_dir {
        trunk.env("CARGO_TARGET_DIR", target_dir);
    }
    // Named from the sources trunk is about to compile (they do not change meanwhile).
    let build_id = mfe_build_id::of_mfe(&source_dir(name));
    run(&mut trunk)?;
    std::fs::write(
        dist.join(crate::site::BUILD_ID_FILE),
        format!("{build_id}\n"),
    )?;
    Ok(())
}

/// A hash of everything the MFE is made of: its crate, every workspace crate it depends
/// on, the lock file and the workspace settings.
fn inputs_fingerprint(source: &Path) -> Result<String> {
    let root = workspace::root();
    let mut files = BTreeSet::new();
    for dir in path_dependency_dirs(source)? {
        collect_files(&dir, &mut files)?;
    }
    for file in ["Cargo.toml", "Cargo.lock", ".cargo/config.toml"] {
        files.insert(root.join(file));
    }
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(
            file.strip_prefix(&root)
                .unwrap_or(&file)
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update(std::fs::read(&file).unwrap_or_default());
    }
    Ok(format!("{:x}", hasher.finalize()))
}

#[derive(Deserialize)]
struct Metadata {
    packages: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    manifest_path: PathBuf,
    dependencies: Vec<Dependency>,
}

#[derive(Deserialize)]
struct Dependency {
    path: Option<PathBuf>,
}

/// The crate at `source` and, transitively, the workspace crates it depends on by path.
fn path_dependency_dirs(source: &Path) -> Result<BTreeSet<PathBuf>> {
    let json = output(cargo().args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--offline",
    ]))
    .context("cargo metadata failed")?;
    let metadata: Metadata = serde_json::from_str(&json)?;
    let mut dirs = BTreeSet::new();
    let mut pending = vec![source.to_path_buf()];
    while let Some(dir) = pending.pop() {
        if !dirs.insert(dir.clone()) {
            continue;
        }
        let package = metadata
            .packages
            .iter()
            .find(|p| p.manifest_path.parent() == Some(dir.as_path()));
        if let Some(package) = package {
            pending.extend(package.dependencies.iter().filter_map(|d| d.path.clone()));
        }
    }
    Ok(dirs)
}

fn collect_files(dir: &Path, files: &mut BTreeSet<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" || name == "dist" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            // A nested crate (like bff/catalog/api inside bff/catalog) is its own input.
            if !path.join("Cargo.toml").exists() {
                collect_files(&path, files)?;
            }
        } else {
            files.insert(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An MFE's build is named from its sources, which its mfe.json lists (`sources`):
    /// a path dependency missing there would let a change to it go unnoticed, and the shell
    /// would hydrate markup the other build drew.
    #[test]
    fn every_server_rendered_mfe_names_its_build_from_all_its_path_dependencies() -> Result<()> {
        let root = workspace::root();
        for name in names()? {
            let source = source_dir(&name);
            if !source.join("build.rs").is_file() {
                continue;
            }
            let mut expected: Vec<String> = path_dependency_dirs(&source)?
                .into_iter()
                .filter(|dir| *dir != source)
                .map(|dir| {
                    dir.strip_prefix(&root)
                        .unwrap_or(&dir)
                        .to_string_lossy()
                        .into_owned()
                })
                .collect();
            expected.sort();
            let mut listed = mfe_build_id::listed_sources(&source);
            listed.sort();
            assert_eq!(listed, expected, "frontends/{name}/mfe.json's sources");
        }
        Ok(())
    }
}
