//! The nginx gateway: rendering `nginx/nginx.conf.template` and running nginx
//! unprivileged, with its pid, logs and temp files in a directory of our own.

use crate::health;
use crate::process::Child;
use crate::workspace;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Debian's brotli_static module; without it nginx serves the gzip files only.
pub const BROTLI_MODULE: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// Everything that differs between one gateway and another.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// Port on 127.0.0.1 the shop is served at.
    pub port: u16,
    /// The published site (see [`crate::site::Site`]).
    pub site_root: PathBuf,
    /// `host:port` of catalog-bff.
    pub catalog_bff: String,
    /// nginx's own directory: config, pid, temp files.
    pub runtime_dir: PathBuf,
    /// Where `nginx.log` (errors) and `nginx-access.log` go.
    pub log_dir: PathBuf,
}

impl Gateway {
    /// The nginx configuration for this gateway.
    pub fn render(&self) -> Result<String> {
        let template_path = workspace::root().join("nginx/nginx.conf.template");
        let template = std::fs::read_to_string(&template_path)
            .with_context(|| format!("reading {}", template_path.display()))?;
        let brotli = Path::new(BROTLI_MODULE).exists();
        let path = |p: &Path| p.display().to_string();
        let values = [
            (
                "NGINX_MODULES",
                if brotli {
                    format!("load_module {BROTLI_MODULE};")
                } else {
                    String::new()
                },
            ),
            (
                "BROTLI_STATIC",
                if brotli {
                    "brotli_static on;".into()
                } else {
                    String::new()
                },
            ),
            ("NGINX_PREFIX", path(&self.runtime_dir)),
            ("NGINX_ERROR_LOG", path(&self.log_dir.join("nginx.log"))),
            (
                "NGINX_ACCESS_LOG",
                path(&self.log_dir.join("nginx-access.log")),
            ),
            ("STOREFRONT_LISTEN", format!("127.0.0.1:{}", self.port)),
            ("STOREFRONT_ROOT", path(&self.site_root)),
            ("CATALOG_BFF", self.catalog_bff.clone()),
        ];
        let mut config = template;
        for (name, value) in values {
            config = config.replace(&format!("${{{name}}}"), &value);
        }
        if let Some(start) = config.find("${") {
            let rest = &config[start..];
            bail!(
                "nginx template has an unknown placeholder: {}",
                &rest[..rest.find('}').map_or(rest.len(), |end| end + 1)]
            );
        }
        Ok(config)
    }

    /// Writes the configuration, checks it with `nginx -t`, starts nginx and waits until
    /// it serves the shell.
    pub fn start(&self, nginx: &Path) -> Result<Child> {
        for dir in [&self.runtime_dir, &self.log_dir] {
            std::fs::create_dir_all(dir)?;
        }
        let config_path = self.runtime_dir.join("nginx.conf");
        std::fs::write(&config_path, self.render()?)?;
        let command = |extra: &[&str]| {
            let mut command = Command::new(nginx);
            command
                .arg("-p")
                .arg(&self.runtime_dir)
                .arg("-c")
                .arg(&config_path)
                .arg("-e")
                .arg(self.log_dir.join("nginx.log"))
                .args(extra);
            command
        };
        let check = command(&["-t", "-q"]).output()?;
        if !check.status.success() {
            bail!(
                "nginx rejected {}:\n{}",
                config_path.display(),
                String::from_utf8_lossy(&check.stderr)
            );
        }
        let mut child = Child::spawn("nginx", command(&[]), &self.log_dir.join("nginx.log"))?;
        health::wait_until_ready(
            &mut child,
            self.port,
            "/shell/loader.js",
            Duration::from_secs(10),
        )?;
        Ok(child)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_renders_with_every_placeholder_filled() {
        let gateway = Gateway {
            port: 8080,
            site_root: "/srv/site".into(),
            catalog_bff: "127.0.0.1:8201".into(),
            runtime_dir: "/tmp/nginx".into(),
            log_dir: "/tmp/log".into(),
        };
        let config = gateway.render().unwrap();
        assert!(config.contains("listen 127.0.0.1:8080;"));
        assert!(config.contains("server 127.0.0.1:8201;"));
        assert!(config.contains("root /srv/site;"));
        assert!(!config.contains("${"));
    }
}
