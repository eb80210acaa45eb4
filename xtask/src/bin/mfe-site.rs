//! `mfe-site`: publishes the micro-frontend build baked into an MFE image into the shop's
//! site volume, or rolls it back — the container form of `cargo xtask deploy` and
//! `cargo xtask rollback`, with the same [`xtask::site::Site`] code: a new
//! content-addressed version folder (old ones stay for open tabs), then one atomic swap of
//! the MFE's manifest entry. Nothing restarts; the gateway serves the new version from the
//! next page load.
//!
//! ```text
//! mfe-site publish             make this image's build live
//! mfe-site publish --initial   only if no version of this MFE is live yet (what
//!                              `docker compose up` runs: it never undoes a deploy or rollback)
//! mfe-site rollback            make the previously live version live again
//! mfe-site status              print the live and the previous version
//! ```
//!
//! Configuration (set by the image): `MFE_NAME` (catalog, cart, account), `MFE_BUILD` (the
//! trunk build, with the MFE's `mfe.json` beside it), `MFE_SITE` (the site root; the
//! versions and the manifest go under `mfe/`).

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;
use xtask::site::{Descriptor, Site};

const USAGE: &str = "usage: mfe-site publish [--initial] | rollback | status
  (MFE_NAME, MFE_BUILD and MFE_SITE come from the environment)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&args) {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mfe-site: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[&str]) -> Result<String> {
    let name = env("MFE_NAME")?;
    let site = Site::new(PathBuf::from(env("MFE_SITE")?));
    match args {
        ["publish"] => publish(&site, &name),
        ["publish", "--initial"] => match site.manifest()?.mfes.get(&name) {
            Some(live) => Ok(format!(
                "{name} {} is live already; nothing published (--initial)",
                live.version
            )),
            None => publish(&site, &name),
        },
        ["rollback"] => {
            let version = site.rollback(&name)?;
            Ok(format!("{name} {version} is live again"))
        }
        ["status"] => {
            let manifest = site.manifest()?;
            let live = manifest
                .mfes
                .get(&name)
                .with_context(|| format!("{name} is not published"))?;
            Ok(format!(
                "{name} live {} previous {}",
                live.version,
                live.previous.as_deref().unwrap_or("-")
            ))
        }
        _ => bail!("{USAGE}"),
    }
}

fn publish(site: &Site, name: &str) -> Result<String> {
    let build = PathBuf::from(env("MFE_BUILD")?);
    let descriptor = Descriptor::read_file(&build.join("mfe.json"))?;
    let version = site.publish(name, &build, descriptor)?;
    Ok(format!("{name} {version} is live"))
}

fn env(name: &str) -> Result<String> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .with_context(|| format!("{name} is not set\n{USAGE}"))
}
