//! The published site nginx serves: the shell at the root, and each MFE's builds under
//! `/mfe/<name>/<version>/` with `/mfe/manifest.json` saying which version is live.
//!
//! Publishing an MFE copies its build into a new content-addressed version folder
//! (immutable: an existing version is never touched) and then swaps its manifest entry
//! with an atomic rename. A page that loaded the old manifest keeps loading the old,
//! still-present version; the next page load gets the new one. Nothing restarts.
//!
//! Publishers take turns: each publish or rollback holds an exclusive lock on
//! `mfe/.lock`, so two MFEs published at once — three containers on one volume, or a
//! `cargo xtask deploy` beside another — never lose each other's manifest entry.

use crate::workspace;
use anyhow::{anyhow, Context, Result};
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// `/mfe/manifest.json`: the live version of each MFE and how to load it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub mfes: BTreeMap<String, ManifestEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// The folder under `/mfe/<name>/` (a hash of the build's content).
    pub version: String,
    /// The previously live version, for `cargo xtask rollback <name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// The name of the build from its sources (`mfe-build-id`, the version's `build-id`
    /// file): a BFF renders its MFE's first view only while the live build is its own, and
    /// the shell hydrates server-rendered markup only with the build that drew it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    #[serde(flatten)]
    pub descriptor: Descriptor,
}

impl ManifestEntry {
    /// `<link>`s that start downloading this version's JS and wasm, and its stylesheets;
    /// they match the shell loader's `import()`, `fetch()` and stylesheet, so nothing is
    /// fetched twice. The stylesheets are applied at once: the main slot's markup may have
    /// been rendered on the server, and must not be shown unstyled. The JS and wasm come at
    /// low priority: the page the server rendered needs only its HTML, CSS and images to be
    /// seen, and a page drawn in the browser needs its CSS before anything anyway.
    pub fn preload_hints(&self, name: &str) -> String {
        let base = format!("/mfe/{name}/{}/", self.version);
        let mut html = format!(
            "<link rel=\"modulepreload\" href=\"{base}{}\" fetchpriority=\"low\">\n\
             <link rel=\"preload\" href=\"{base}{}\" as=\"fetch\" type=\"application/wasm\" crossorigin fetchpriority=\"low\">\n",
            self.descriptor.js, self.descriptor.wasm
        );
        html.push_str(&self.stylesheets(name));
        html
    }

    /// `<link>`s that apply this version's stylesheets: what a fragment of it rendered on
    /// the server (a header's) needs before it is shown.
    pub fn stylesheets(&self, name: &str) -> String {
        let base = format!("/mfe/{name}/{}/", self.version);
        self.descriptor
            .css
            .iter()
            .map(|css| format!("<link rel=\"stylesheet\" href=\"{base}{css}\">\n"))
            .collect()
    }
}

/// `frontends/<name>/mfe.json`: what an MFE says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    /// The ES module the shell imports (it exports `default` = wasm init, `mount`, `unmount`).
    pub js: String,
    pub wasm: String,
    #[serde(default)]
    pub css: Vec<String>,
    /// `[page pattern, API URL]` pairs: when the page matches, the shell requests the URL
    /// while the wasm is still downloading (`:param` and `{search}` are filled in).
    #[serde(default)]
    pub prefetch: Vec<(String, String)>,
}

impl Descriptor {
    /// MFE `name`'s `frontends/<name>/mfe.json`.
    pub fn read(name: &str) -> Result<Self> {
        Self::read_file(&crate::mfe::source_dir(name).join("mfe.json"))
    }

    /// An `mfe.json` anywhere (an MFE image keeps it beside its build).
    pub fn read_file(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
    }
}

/// Files worth pre-compressing: nginx then serves `.br`/`.gz` without spending CPU.
const COMPRESSIBLE: [&str; 5] = ["js", "wasm", "css", "svg", "json"];

pub struct Site {
    root: PathBuf,
}

impl Site {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Copies the shell (`shell/`) into place: `index.html` at the root, the rest under
    /// `/shell/`, plus its header slots and their stylesheets written from the slice table
    /// (`/shell/header-slots.html`, `/shell/header-styles.html`). Each file is replaced
    /// atomically.
    pub fn install_shell(&self) -> Result<()> {
        let shell = workspace::root().join("shell");
        std::fs::create_dir_all(self.root.join("shell"))?;
        for entry in std::fs::read_dir(&shell)? {
            let path = entry?.path();
            let Some(name) = path.file_name() else {
                continue;
            };
            let target = if name == "index.html" {
                self.root.join(name)
            } else {
                self.root.join("shell").join(name)
            };
            write_atomically(&target, &std::fs::read(&path)?)?;
        }
        for (file, html) in crate::slices::shell_includes() {
            write_atomically(&self.root.join("shell").join(file), html.as_bytes())?;
        }
        Ok(())
    }

    /// Publishes the build in `build` as MFE `name` and makes it live. Returns its version.
    pub fn publish(&self, name: &str, build: &Path, descriptor: Descriptor) -> Result<String> {
        let _turn = self.lock()?;
        let files = build_files(build)?;
        let version = content_version(build, &files)?;
        let folder = self.root.join("mfe").join(name).join(&version);
        if !folder.exists() {
            let staging = self
                .root
                .join("mfe")
                .join(name)
                .join(format!(".{version}.staging"));
            let _ = std::fs::remove_dir_all(&staging);
            std::fs::create_dir_all(&staging)?;
            for file in &files {
                let bytes = std::fs::read(build.join(file))?;
                std::fs::write(staging.join(file), &bytes)?;
                if is_compressible(file) {
                    std::fs::write(staging.join(format!("{file}.gz")), gzip(&bytes)?)?;
                    std::fs::write(staging.join(format!("{file}.br")), brotli(&bytes)?)?;
                }
            }
            std::fs::rename(&staging, &folder)?;
        }
        let mut manifest = self.manifest()?;
        let previous = match manifest.mfes.get(name) {
            Some(live) if live.version != version => Some(live.version.clone()),
            Some(live) => live.previous.clone(),
            None => None,
        };
        manifest.mfes.insert(
            name.to_owned(),
            ManifestEntry {
                version: version.clone(),
                previous,
                build: build_of(&folder),
                descriptor,
            },
        );
        self.write_manifest(&manifest)?;
        Ok(version)
    }

    /// Makes the previously live version of `name` live again. Returns it.
    pub fn rollback(&self, name: &str) -> Result<String> {
        let _turn = self.lock()?;
        let mut manifest = self.manifest()?;
        let entry = manifest
            .mfes
            .get_mut(name)
            .with_context(|| format!("{name} is not published"))?;
        let previous = entry
            .previous
            .clone()
            .with_context(|| format!("{name} has no previous version to roll back to"))?;
        anyhow::ensure!(
            self.root.join("mfe").join(name).join(&previous).is_dir(),
            "version {previous} of {name} is no longer on disk"
        );
        entry.build = build_of(&self.root.join("mfe").join(name).join(&previous));
        entry.previous = Some(std::mem::replace(&mut entry.version, previous.clone()));
        self.write_manifest(&manifest)?;
        Ok(previous)
    }

    /// The manifest as published (empty if nothing is yet).
    pub fn manifest(&self) -> Result<Manifest> {
        match std::fs::read_to_string(self.manifest_path()) {
            Ok(text) => Ok(serde_json::from_str(&text)?),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Manifest::default()),
            Err(error) => Err(error.into()),
        }
    }

    /// Replaces the manifest in one atomic step, after each MFE's preload hints
    /// (`/mfe/<name>/hints.html`, which the shell includes for the main slot's MFE so the
    /// browser starts downloading its JS and wasm while still parsing the page) and
    /// stylesheets (`/mfe/<name>/styles.html`, included before its header fragments).
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<()> {
        for (name, entry) in &manifest.mfes {
            let folder = self.root.join("mfe").join(name);
            write_atomically(
                &folder.join("hints.html"),
                entry.preload_hints(name).as_bytes(),
            )?;
            write_atomically(
                &folder.join("styles.html"),
                entry.stylesheets(name).as_bytes(),
            )?;
        }
        // Compact: every page carries it (the shell inlines it).
        write_atomically(&self.manifest_path(), &serde_json::to_vec(manifest)?)
    }

    /// Waits for this publisher's turn to change the site; the turn ends when the
    /// returned lock is dropped (or the process ends).
    fn lock(&self) -> Result<Flock<std::fs::File>> {
        let dir = self.root.join("mfe");
        std::fs::create_dir_all(&dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(".lock"))
            .with_context(|| format!("opening {}", dir.join(".lock").display()))?;
        Flock::lock(file, FlockArg::LockExclusive)
            .map_err(|(_, errno)| anyhow!("locking {}: {errno}", dir.join(".lock").display()))
    }

    fn manifest_path(&self) -> PathBuf {
        self.root.join("mfe").join("manifest.json")
    }
}

/// The file a build's folder names its build in (written beside the bundle when it is built).
pub const BUILD_ID_FILE: &str = "build-id";

/// The build a published (or built) folder holds, if it says.
fn build_of(folder: &Path) -> Option<String> {
    let id = std::fs::read_to_string(folder.join(BUILD_ID_FILE)).ok()?;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

/// The files of a trunk build the shell needs: not trunk's own index.html, nor the
/// `mfe.json` an MFE image keeps beside them (so an image publishes the same version, the
/// same content hash, as `cargo xtask deploy` of the same source).
fn build_files(build: &Path) -> Result<Vec<String>> {
    let mut files = vec![];
    for entry in std::fs::read_dir(build).with_context(|| format!("reading {}", build.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_file() && name != "index.html" && name != "mfe.json" {
            files.push(name);
        }
    }
    files.sort();
    Ok(files)
}

/// The first 12 hex digits of a SHA-256 over the build's files: same content, same version.
fn content_version(build: &Path, files: &[String]) -> Result<String> {
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.as_bytes());
        hasher.update(std::fs::read(build.join(file))?);
    }
    Ok(format!("{:x}", hasher.finalize())[..12].to_owned())
}

fn is_compressible(file: &str) -> bool {
    file.rsplit_once('.')
        .is_some_and(|(_, ext)| COMPRESSIBLE.contains(&ext))
}

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Writes a sibling temp file and renames it over `path`: readers see the old or the new
/// file, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().context("path has no parent")?;
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .context("path has no file name")?
        .to_string_lossy();
    // Unique across processes and threads — and containers, where every publisher is PID 1.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = format!(
        "{}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let temp = dir.join(format!(".{name}.{unique}.tmp"));
    std::fs::write(&temp, bytes)?;
    std::fs::rename(&temp, path)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build_with(dir: &Path, wasm: &[u8]) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("app.js"), b"export default function init() {}").unwrap();
        std::fs::write(dir.join("app_bg.wasm"), wasm).unwrap();
        std::fs::write(dir.join("index.html"), b"<html></html>").unwrap();
    }

    fn descriptor() -> Descriptor {
        Descriptor {
            js: "app.js".into(),
            wasm: "app_bg.wasm".into(),
            css: vec![],
            prefetch: vec![],
        }
    }

    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-site-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn publishing_swaps_the_live_version_and_rollback_restores_it() {
        let dir = scratch("swap");
        let site = Site::new(dir.join("site"));
        build_with(&dir.join("b1"), b"one");
        build_with(&dir.join("b2"), b"two");
        let v1 = site.publish("shop", &dir.join("b1"), descriptor()).unwrap();
        let v2 = site.publish("shop", &dir.join("b2"), descriptor()).unwrap();
        assert_ne!(v1, v2);
        let live = &site.manifest().unwrap().mfes["shop"];
        assert_eq!(
            (live.version.as_str(), live.previous.as_deref()),
            (v2.as_str(), Some(v1.as_str()))
        );
        // Both versions stay servable: pages that loaded the old manifest keep working.
        assert!(dir
            .join("site/mfe/shop")
            .join(&v1)
            .join("app_bg.wasm")
            .is_file());
        assert!(dir
            .join("site/mfe/shop")
            .join(&v2)
            .join("app.js.br")
            .is_file());
        assert_eq!(site.rollback("shop").unwrap(), v1);
        assert_eq!(site.manifest().unwrap().mfes["shop"].version, v1);
        // The shell's preload hints follow the live version.
        let hints = std::fs::read_to_string(dir.join("site/mfe/shop/hints.html")).unwrap();
        assert!(
            hints.contains(&format!("/mfe/shop/{v1}/app_bg.wasm")),
            "{hints}"
        );
        assert!(!hints.contains(&v2));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn publishers_at_the_same_time_keep_every_entry() {
        let dir = scratch("turns");
        let site = std::sync::Arc::new(Site::new(dir.join("site")));
        let names = ["a", "b", "c", "d", "e", "f"];
        for name in names {
            build_with(&dir.join(name), name.as_bytes());
        }
        let publishers: Vec<_> = names
            .iter()
            .map(|&name| {
                let (site, build) = (site.clone(), dir.join(name));
                std::thread::spawn(move || {
                    // Separate handles, as separate containers would have.
                    let site = Site::new(site.root());
                    for _ in 0..5 {
                        site.publish(name, &build, descriptor()).unwrap();
                    }
                })
            })
            .collect();
        for publisher in publishers {
            publisher.join().unwrap();
        }
        let manifest = site.manifest().unwrap();
        assert_eq!(
            manifest.mfes.keys().map(String::as_str).collect::<Vec<_>>(),
            names
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_descriptor_beside_the_build_changes_nothing_published() {
        let dir = scratch("descriptor");
        build_with(&dir.join("plain"), b"same");
        build_with(&dir.join("image"), b"same");
        std::fs::write(dir.join("image/mfe.json"), b"{}").unwrap();
        let plain = Site::new(dir.join("a"));
        let image = Site::new(dir.join("b"));
        let version = plain
            .publish("shop", &dir.join("plain"), descriptor())
            .unwrap();
        assert_eq!(
            image
                .publish("shop", &dir.join("image"), descriptor())
                .unwrap(),
            version
        );
        assert!(!dir
            .join("b/mfe/shop")
            .join(&version)
            .join("mfe.json")
            .exists());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn the_same_build_published_twice_is_one_version() {
        let dir = scratch("same");
        let site = Site::new(dir.join("site"));
        build_with(&dir.join("b"), b"same");
        let first = site.publish("shop", &dir.join("b"), descriptor()).unwrap();
        let again = site.publish("shop", &dir.join("b"), descriptor()).unwrap();
        assert_eq!(first, again);
        assert_eq!(site.manifest().unwrap().mfes["shop"].previous, None);
        let _ = std::fs::remove_dir_all(dir);
    }
}
