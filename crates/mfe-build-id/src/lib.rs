//! The name of an MFE build, from its sources (for its `build.rs`).
//!
//! A BFF renders its MFE's first view with the MFE's own components, compiled natively; the
//! browser hydrates that markup with the MFE's wasm. Both must come from the same sources:
//! each compilation of the MFE crate gets `MFE_BUILD`, a hash of every source that shapes
//! its markup, so the server-rendered markup can say which build drew it and the shell
//! hydrates it only with that build (`shell/loader.js`).
//!
//! The sources are the MFE crate's own and those its `mfe.json` lists as `sources` (its
//! path dependencies, relative to the workspace root: xtask's tests check the list against
//! `cargo metadata`). The publisher names the same build the same way ([`of_mfe`]), so the
//! live manifest says which build is live, and a BFF can tell whether it renders that one.
//!
//! ```ignore
//! // frontends/catalog/build.rs
//! fn main() {
//!     mfe_build_id::emit();
//! }
//! ```

use std::path::{Path, PathBuf};

/// For an MFE crate's `build.rs`: sets `MFE_BUILD` ([`of_mfe`] of the crate being built)
/// for the crate (`env!("MFE_BUILD")`); Cargo runs it again when any source changes.
pub fn emit() {
    let crate_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let inputs = inputs(&crate_dir);
    for input in &inputs {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        crate_dir.join("mfe.json").display()
    );
    println!(
        "cargo:rustc-env=MFE_BUILD={}",
        build_id(&workspace_root(&crate_dir), &inputs)
    );
}

/// The name of the build of the MFE in `mfe_dir` (`frontends/<name>`) from the sources
/// there now: its `src/` and `Cargo.toml`, the workspace's `Cargo.lock` and `Cargo.toml`
/// (the versions of Yew and everything else), and its `mfe.json`'s `sources`.
pub fn of_mfe(mfe_dir: &Path) -> String {
    build_id(&workspace_root(mfe_dir), &inputs(mfe_dir))
}

/// The MFE's path dependencies as its `mfe.json` lists them (`"sources"`), relative to the
/// workspace root.
pub fn listed_sources(mfe_dir: &Path) -> Vec<String> {
    std::fs::read_to_string(mfe_dir.join("mfe.json"))
        .ok()
        .and_then(|json| serde_json::from_str::<serde_json::Value>(&json).ok())
        .and_then(|descriptor| descriptor.get("sources").cloned())
        .and_then(|sources| serde_json::from_value(sources).ok())
        .unwrap_or_default()
}

fn inputs(mfe_dir: &Path) -> Vec<PathBuf> {
    let root = workspace_root(mfe_dir);
    let mut inputs = vec![
        mfe_dir.join("src"),
        mfe_dir.join("Cargo.toml"),
        root.join("Cargo.lock"),
        root.join("Cargo.toml"),
    ];
    inputs.extend(
        listed_sources(mfe_dir)
            .iter()
            .map(|source| root.join(source)),
    );
    inputs
}

/// The directory above `dir` that holds `Cargo.lock`.
fn workspace_root(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|ancestor| ancestor.join("Cargo.lock").is_file())
        .unwrap_or(dir)
        .to_path_buf()
}

/// FNV-1a over each file's path (relative to `root`, `/`-separated) and contents, in path
/// order: the same on every machine for the same sources.
pub fn build_id(root: &Path, inputs: &[PathBuf]) -> String {
    let mut files = Vec::new();
    for input in inputs {
        collect(input, &mut files);
    }
    files.sort();
    files.dedup();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for file in files {
        let name = file.strip_prefix(root).unwrap_or(&file);
        let name: Vec<String> = name
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        feed(name.join("/").as_bytes());
        feed(&[0]);
        feed(&std::fs::read(&file).unwrap_or_default());
        feed(&[0]);
    }
    format!("{hash:016x}")
}

/// Every file under `path` (or `path` itself), skipping build output.
fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_file() {
        files.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path
            .file_name()
            .is_some_and(|name| name == "target" || name == "dist")
        {
            continue;
        }
        collect(&path, files);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_sources_have_the_same_name_and_any_change_another() {
        let dir = std::env::temp_dir().join(format!("mfe-build-id-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("src/lib.rs"), "fn a() {}").unwrap();
        std::fs::write(dir.join("Cargo.toml"), "[package]").unwrap();
        let inputs = [dir.join("src"), dir.join("Cargo.toml")];
        let first = build_id(&dir, &inputs);
        assert_eq!(first, build_id(&dir, &inputs));
        std::fs::write(dir.join("src/lib.rs"), "fn b() {}").unwrap();
        let changed = build_id(&dir, &inputs);
        assert_ne!(first, changed);
        std::fs::rename(dir.join("src/lib.rs"), dir.join("src/main.rs")).unwrap();
        assert_ne!(changed, build_id(&dir, &inputs));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
