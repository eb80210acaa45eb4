//! Which build of its own MFE is live, for a BFF that renders that MFE's first view.
//!
//! A BFF renders with the MFE components it was compiled with (one build); the browser
//! hydrates with the bundle the live manifest names (`/mfe/manifest.json`, whose entries
//! say which `build` each version is). While a deploy or rollback has made another build
//! live, the BFF's markup would not be what that bundle draws: so it renders only while
//! the live build is its own, and otherwise leaves the page to the browser (which draws it
//! with the live bundle). Deploying an MFE thus changes what is rendered and what hydrates
//! in the same step — the manifest's — whatever the BFF replicas are running.
//!
//! Every replica reads the same published manifest (a file on the site volume, which the
//! gateway serves), at most once a second.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a reading of the manifest is trusted.
const FRESH_FOR: Duration = Duration::from_secs(1);

pub struct LiveBuild {
    mfe: String,
    own: String,
    /// The published manifest; `None`: not configured, every build is taken as live (a
    /// BFF on its own, in tests; the shell still hydrates only with the same build).
    manifest: Option<PathBuf>,
    last: Mutex<Option<(Instant, bool)>>,
}

impl LiveBuild {
    /// For MFE `mfe` whose build this BFF renders is `own`, reading `manifest`.
    pub fn new(mfe: &str, own: &str, manifest: Option<PathBuf>) -> Self {
        Self {
            mfe: mfe.to_owned(),
            own: own.to_owned(),
            manifest,
            last: Mutex::new(None),
        }
    }

    /// Whether the live build of the MFE is the one this BFF renders. A manifest that
    /// cannot be read, or that does not say, counts as another build.
    pub fn is_own(&self) -> bool {
        let Some(manifest) = &self.manifest else {
            return true;
        };
        let Ok(mut last) = self.last.lock() else {
            return false;
        };
        if let Some((read_at, own)) = *last {
            if read_at.elapsed() < FRESH_FOR {
                return own;
            }
        }
        let live = std::fs::read_to_string(manifest)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
            .and_then(|manifest| {
                manifest["mfes"][&self.mfe]["build"]
                    .as_str()
                    .map(str::to_owned)
            });
        let own = live.as_deref() == Some(self.own.as_str());
        if !own && last.is_none_or(|(_, was_own)| was_own) {
            tracing::info!(
                mfe = %self.mfe,
                own = %self.own,
                live = live.as_deref().unwrap_or("unknown"),
                "the live build is another: the browser draws its pages"
            );
        }
        *last = Some((Instant::now(), own));
        own
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(dir: &std::path::Path, build: &str) -> PathBuf {
        let path = dir.join("manifest.json");
        std::fs::write(
            &path,
            format!(r#"{{"mfes":{{"catalog":{{"version":"v","build":"{build}"}}}}}}"#),
        )
        .unwrap_or_default();
        path
    }

    #[test]
    fn only_its_own_build_being_live_counts() {
        let dir = std::env::temp_dir().join(format!("live-build-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let path = manifest(&dir, "aaaa");
        assert!(LiveBuild::new("catalog", "aaaa", Some(path.clone())).is_own());
        assert!(!LiveBuild::new("catalog", "bbbb", Some(path.clone())).is_own());
        assert!(!LiveBuild::new("cart", "aaaa", Some(path)).is_own());
        assert!(!LiveBuild::new("catalog", "aaaa", Some(dir.join("missing.json"))).is_own());
        assert!(LiveBuild::new("catalog", "anything", None).is_own());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
