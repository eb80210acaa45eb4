//! The nginx gateway: rendering `nginx/nginx.conf.template` from the slice table and
//! running nginx unprivileged, with its pid, logs and temp files in a directory of our own.

use crate::health;
use crate::process::{free_port, Child};
use crate::slices::{self, Slice};
use crate::workspace;
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Debian's brotli_static module; without it nginx serves the gzip files only.
pub const BROTLI_MODULE: &str = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so";

/// The snippet with the security headers, included in every location.
const SECURITY_HEADERS: &str = "security-headers.conf";

/// Everything that differs between one gateway and another.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// Port on 127.0.0.1 the shop is served at.
    pub port: u16,
    /// The published site (see [`crate::site::Site`]).
    pub site_root: PathBuf,
    /// `host:port` of each built slice's BFF, by slice name.
    pub bffs: BTreeMap<String, String>,
    /// nginx's own directory: config, pid, temp files.
    pub runtime_dir: PathBuf,
    /// Where `nginx.log` (errors) and `nginx-access.log` go.
    pub log_dir: PathBuf,
}

impl Gateway {
    /// The nginx configuration for this gateway.
    pub fn render(&self) -> Result<String> {
        let path = |p: &Path| p.display().to_string();
        render(&Values {
            workers: "auto",
            brotli: Path::new(BROTLI_MODULE).exists(),
            prefix: path(&self.runtime_dir),
            error_log: path(&self.log_dir.join("nginx.log")),
            access_log: path(&self.log_dir.join("nginx-access.log")),
            listen: format!("127.0.0.1:{}", self.port),
            root: path(&self.site_root),
            bffs: self.bffs.clone(),
            trusted_proxies: &[],
        })
    }

    /// Writes the configuration, checks it with `nginx -t`, starts nginx and waits until
    /// it serves the shell.
    pub fn start(&self, nginx: &Path) -> Result<Child> {
        for dir in [&self.runtime_dir, &self.log_dir] {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(
            workspace::root().join("nginx").join(SECURITY_HEADERS),
            self.runtime_dir.join(SECURITY_HEADERS),
        )
        .context("copying the security headers snippet")?;
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

    /// Starts a gateway on a free port. nginx cannot be told to pick a port and report it,
    /// so when the port chosen was taken meanwhile, it tries again with another.
    pub fn start_on_a_free_port(mut self, nginx: &Path) -> Result<(Child, u16)> {
        let mut last_error = None;
        for _ in 0..3 {
            self.port = free_port()?;
            match self.start(nginx) {
                Ok(child) => return Ok((child, self.port)),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("nginx did not start")))
    }
}

/// Where a container rendering of the template runs. Both are the same gateway image;
/// they differ only in who connects to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// The edge itself (docker compose, or any host that publishes its port): the peer
    /// address is the shopper's.
    Edge,
    /// Behind a Kubernetes Ingress controller: the peer is the controller, so the
    /// shopper's address is taken from the X-Forwarded-For it sends — trusted only from
    /// private addresses (the NetworkPolicy lets only the controller in). Rate limits and
    /// account-service's per-client sign-in throttling then count shoppers, not the
    /// controller.
    BehindIngress,
}

/// The port every server and the gateway listen on inside their containers.
pub const CONTAINER_PORT: u16 = 8080;

/// Where the gateway image keeps the site (the shell; MFE versions on a volume under
/// `mfe/`).
pub const CONTAINER_SITE_ROOT: &str = "/srv/site";

impl Container {
    /// The file in `deploy/gateway/` (and in `/etc/storefront/` in the image).
    pub fn file_name(self) -> &'static str {
        match self {
            Container::Edge => "nginx.conf",
            Container::BehindIngress => "nginx-behind-ingress.conf",
        }
    }

    /// The nginx configuration of the gateway image: the same template as
    /// `cargo xtask up`, with each BFF at its service name (`catalog-bff:8080`, as in
    /// docker-compose.yml and the Kubernetes Services), pid and temp files under the
    /// `/tmp` tmpfs (the root filesystem is read-only), logs to the container's output.
    pub fn render(self) -> Result<String> {
        render(&Values {
            // nginx 1.22's `auto` counts the node's CPUs, not the container's quota (1 CPU
            // in compose, less on Kubernetes): on a big node, dozens of workers would share
            // one CPU and 128 MiB. Two keep one busy while another waits on a BFF.
            workers: "2",
            brotli: true,
            prefix: "/tmp".into(),
            error_log: "stderr".into(),
            access_log: "/dev/stdout".into(),
            listen: CONTAINER_PORT.to_string(),
            root: CONTAINER_SITE_ROOT.into(),
            bffs: slices::built()
                .map(|slice| {
                    (
                        slice.name.to_owned(),
                        format!("{}:{CONTAINER_PORT}", slice.package(slices::Tier::Bff)),
                    )
                })
                .collect(),
            trusted_proxies: match self {
                Container::Edge => &[],
                Container::BehindIngress => &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
            },
        })
    }
}

/// The files `cargo xtask render-deploy` writes into `deploy/gateway/` (the gateway
/// image's nginx configurations and the shell's header slots), by file name.
pub fn container_files() -> Result<Vec<(&'static str, String)>> {
    let generated = |container: Container| -> Result<String> {
        Ok(format!(
            "# Generated by `cargo xtask render-deploy` from nginx/nginx.conf.template: edit that.\n{}",
            container.render()?
        ))
    };
    Ok(vec![
        (Container::Edge.file_name(), generated(Container::Edge)?),
        (
            Container::BehindIngress.file_name(),
            generated(Container::BehindIngress)?,
        ),
        ("header-slots.html", slices::header_slots_html()),
    ])
}

/// `deploy/gateway/`.
pub fn container_dir() -> PathBuf {
    workspace::root().join("deploy").join("gateway")
}

/// The script that gives each service its database and (non-superuser) role, as compose
/// mounts it into PostgreSQL.
pub const POSTGRES_INIT: &str = "deploy/compose/postgres-init.sh";

/// Its copy for the Kubernetes databases (the ConfigMap `postgres-init`): kustomize reads
/// no file outside the kustomization's directory. Not the gateway's, but `cargo xtask
/// render-deploy` writes it too.
pub const POSTGRES_INIT_COPY: &str = "deploy/k8s/base/postgres-init.sh";

/// What `cargo xtask render-deploy` writes to [`POSTGRES_INIT_COPY`]: the script, a note
/// on its second line (the first stays the shebang).
pub fn postgres_init_copy() -> Result<String> {
    let path = workspace::root().join(POSTGRES_INIT);
    let script =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let Some((shebang, rest)) = script.split_once('\n') else {
        bail!("{POSTGRES_INIT}: no shebang line");
    };
    if !shebang.starts_with("#!") {
        bail!("{POSTGRES_INIT}: the first line is no shebang");
    }
    Ok(format!(
        "{shebang}\n# Generated by `cargo xtask render-deploy` from {POSTGRES_INIT}: edit that.\n{rest}"
    ))
}

/// Everything that differs between one rendering of the template and another.
struct Values<'a> {
    /// `worker_processes`.
    workers: &'a str,
    brotli: bool,
    prefix: String,
    error_log: String,
    access_log: String,
    listen: String,
    root: String,
    /// `host:port` of each built slice's BFF, by slice name.
    bffs: BTreeMap<String, String>,
    /// Peers whose X-Forwarded-For names the client (none: the gateway is the edge).
    trusted_proxies: &'a [&'a str],
}

fn render(values: &Values) -> Result<String> {
    let template_path = workspace::root().join("nginx/nginx.conf.template");
    let template = std::fs::read_to_string(&template_path)
        .with_context(|| format!("reading {}", template_path.display()))?;
    let mut bffs = vec![];
    for slice in slices::built() {
        let address = values
            .bffs
            .get(slice.name)
            .with_context(|| format!("no address for the {} BFF", slice.name))?;
        bffs.push((slice, address.as_str()));
    }
    let placeholders = [
        (
            "NGINX_MODULES",
            if values.brotli {
                format!("load_module {BROTLI_MODULE};")
            } else {
                String::new()
            },
        ),
        (
            "BROTLI_STATIC",
            if values.brotli {
                "brotli_static on;".into()
            } else {
                String::new()
            },
        ),
        ("NGINX_WORKERS", values.workers.to_owned()),
        ("NGINX_PREFIX", values.prefix.clone()),
        ("NGINX_ERROR_LOG", values.error_log.clone()),
        ("NGINX_ACCESS_LOG", values.access_log.clone()),
        ("STOREFRONT_LISTEN", values.listen.clone()),
        ("STOREFRONT_ROOT", values.root.clone()),
        ("TRUSTED_PROXIES", trusted_proxies(values.trusted_proxies)),
        ("RATE_LIMIT_ZONES", rate_limit_zones(&bffs)),
        ("UPSTREAMS", upstreams(&bffs)),
        ("PAGE_LOCATIONS", page_locations(slices::SLICES)),
        ("API_LOCATIONS", api_locations(&bffs)),
    ];
    let mut config = template;
    for (name, value) in placeholders {
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

fn trusted_proxies(proxies: &[&str]) -> String {
    if proxies.is_empty() {
        return "    # The gateway is the edge: the peer is the shopper, the scheme its own.\n    map $scheme $shopper_scheme {\n        default $scheme;\n    }\n".into();
    }
    let mut out = String::from(
        "    # Behind a proxy that terminates TLS: the shopper's address is the last one in\n    # X-Forwarded-For (the one the proxy added), and the scheme the one it forwards.\n",
    );
    for proxy in proxies {
        out.push_str(&format!("    set_real_ip_from {proxy};\n"));
    }
    // Not recursive: the shopper is exactly the address the proxy itself saw and appended.
    // Recursion would skip every private address leftwards, so a shopper behind a private
    // hop could name themselves with a forged first entry and dodge the rate limits.
    out.push_str("    real_ip_header X-Forwarded-For;\n    real_ip_recursive off;\n    map $http_x_forwarded_proto $shopper_scheme {\n        default $scheme;\n        https https;\n        http http;\n    }\n");
    out
}

fn rate_limit_zones(bffs: &[(&Slice, &str)]) -> String {
    bffs.iter()
        .map(|(slice, _)| {
            format!(
                "    limit_req_zone $binary_remote_addr zone={}_strict:1m rate=10r/m;\n",
                slice.name
            )
        })
        .collect()
}

fn upstreams(bffs: &[(&Slice, &str)]) -> String {
    bffs.iter()
        .map(|(slice, address)| {
            format!(
                "    upstream {} {{\n        server {address};\n        keepalive 64;\n    }}\n",
                slice.upstream()
            )
        })
        .collect()
}

fn page_locations(slices: &[Slice]) -> String {
    let mut out = String::new();
    for slice in slices {
        for page in slice.pages {
            out.push_str(&format!(
                "        location {page} {{\n            set $main_mfe {};\n            set $main_label \"{}\";\n            ssi on;\n            ssi_silent_errors on;\n            expires -1;\n            include {SECURITY_HEADERS};\n            try_files /index.html =404;\n        }}\n",
                slice.name, slice.label
            ));
        }
    }
    out
}

fn api_locations(bffs: &[(&Slice, &str)]) -> String {
    let mut out = String::new();
    for (slice, _) in bffs {
        let (name, upstream) = (slice.name, slice.upstream());
        let proxy = format!(
            "            proxy_pass http://{upstream};\n            include {SECURITY_HEADERS};\n            error_page 502 503 504 = @{name}_unavailable;\n"
        );
        for path in slice.strict_paths {
            out.push_str(&format!(
                "        location = /api/{name}/{} {{\n            limit_req zone={name}_strict burst=5 nodelay;\n            error_page 429 = @too_many_requests;\n{proxy}        }}\n",
                path.trim_start_matches('/')
            ));
        }
        let body = format!(
            "{{\"error\":{{\"code\":\"{}\",\"message\":\"{}\"}}}}",
            slice.unavailable_code(),
            slice.unavailable_message()
        );
        // `/api/cart` itself is a resource too (the cart); without its own location nginx
        // would redirect it to `/api/cart/`.
        out.push_str(&format!(
            "        location = /api/{name} {{\n{proxy}        }}\n        location /api/{name}/ {{\n{proxy}        }}\n        location @{name}_unavailable {{\n            default_type application/json;\n            include {SECURITY_HEADERS};\n            add_header Retry-After 2 always;\n            return 503 '{body}';\n        }}\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway() -> Gateway {
        Gateway {
            port: 8080,
            site_root: "/srv/site".into(),
            bffs: slices::built()
                .enumerate()
                .map(|(i, slice)| (slice.name.to_owned(), format!("127.0.0.1:{}", 8201 + i)))
                .collect(),
            runtime_dir: "/tmp/nginx".into(),
            log_dir: "/tmp/log".into(),
        }
    }

    #[test]
    fn the_template_renders_with_every_placeholder_filled() {
        let config = gateway().render().unwrap();
        assert!(config.contains("listen 127.0.0.1:8080;"));
        assert!(config.contains("root /srv/site;"));
        // Publishers' lock, staging and temp files under /mfe/ are not served.
        assert!(config.contains("location ~ /\\. {"));
        assert!(!config.contains("${"));
    }

    #[test]
    fn each_built_slice_gets_its_pool_api_fallback_and_zone() {
        let config = gateway().render().unwrap();
        for slice in slices::built() {
            let name = slice.name;
            assert!(
                config.contains(&format!("upstream {name}_bff {{")),
                "{config}"
            );
            assert!(config.contains(&format!("location /api/{name}/ {{")));
            assert!(config.contains(&format!("location = /api/{name} {{")));
            assert!(config.contains(&format!("proxy_pass http://{name}_bff;")));
            assert!(config.contains(&format!("location @{name}_unavailable {{")));
            assert!(config.contains(&format!("\"code\":\"{name}_unavailable\"")));
            assert!(config.contains(&format!("zone={name}_strict:1m")));
        }
        assert!(config.contains("keepalive 64;"));
    }

    #[test]
    fn every_slice_names_the_main_mfe_of_its_pages() {
        let config = gateway().render().unwrap();
        for slice in slices::SLICES {
            for page in slice.pages {
                let block = config
                    .split(&format!("location {page} {{"))
                    .nth(1)
                    .unwrap_or_else(|| panic!("no location {page}"));
                let block = &block[..block.find('}').unwrap()];
                assert!(block.contains(&format!("set $main_mfe {};", slice.name)));
                assert!(block.contains("ssi on;"));
            }
        }
    }

    #[test]
    fn every_location_includes_the_security_headers_and_only_pages_use_ssi() {
        let config = gateway().render().unwrap();
        let server = &config[config.find("server {").unwrap()..];
        for block in server.split("location ").skip(1) {
            let body = &block[..block.find("\n        }").unwrap_or(block.len())];
            assert!(
                body.contains("include security-headers.conf;"),
                "location {body}"
            );
            if body.contains("ssi on;") {
                assert!(
                    body.contains("try_files /index.html") || body.starts_with("= /index.html"),
                    "SSI outside the shell: location {body}"
                );
            }
        }
        assert_eq!(config.matches("ssi on;").count(), 1 + page_count());
    }

    fn page_count() -> usize {
        slices::SLICES.iter().map(|s| s.pages.len()).sum()
    }

    #[test]
    fn the_container_renderings_name_each_bff_by_its_service_and_log_to_the_container() {
        for container in [Container::Edge, Container::BehindIngress] {
            let config = container.render().unwrap();
            assert!(config.contains("listen 8080;"), "{config}");
            assert!(config.contains("root /srv/site;"));
            assert!(config.contains("pid /tmp/nginx.pid;"));
            assert!(config.contains("error_log stderr warn;"));
            assert!(config.contains("access_log /dev/stdout combined"));
            assert!(config.contains("brotli_static on;"));
            assert!(config.contains("worker_processes 2;"));
            for slice in slices::built() {
                assert!(config.contains(&format!("server {}-bff:8080;", slice.name)));
            }
            assert!(!config.contains("${"));
        }
    }

    #[test]
    fn only_the_gateway_behind_an_ingress_trusts_forwarded_addresses_and_scheme() {
        let local = gateway().render().unwrap();
        let edge = Container::Edge.render().unwrap();
        let behind = Container::BehindIngress.render().unwrap();
        for config in [&local, &edge] {
            assert!(!config.contains("real_ip_header"), "{config}");
            assert!(config.contains("map $scheme $shopper_scheme {"));
        }
        assert!(behind.contains("set_real_ip_from 10.0.0.0/8;"));
        assert!(behind.contains("real_ip_header X-Forwarded-For;"));
        assert!(behind.contains("real_ip_recursive off;"));
        assert!(behind.contains("map $http_x_forwarded_proto $shopper_scheme {"));
        for config in [&local, &edge, &behind] {
            assert!(config.contains("proxy_set_header X-Forwarded-Proto $shopper_scheme;"));
        }
    }

    #[test]
    fn the_committed_container_files_are_what_the_template_renders() {
        for (name, rendered) in container_files().unwrap() {
            let path = container_dir().join(name);
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == rendered,
                "{} is stale: run `cargo xtask render-deploy` (the gateway image copies it)",
                path.display()
            );
        }
    }

    #[test]
    fn the_committed_postgres_init_copy_is_the_compose_script() {
        let copy = postgres_init_copy().unwrap();
        let original = std::fs::read_to_string(workspace::root().join(POSTGRES_INIT)).unwrap();
        let mut lines = copy.lines();
        assert_eq!(lines.next(), original.lines().next(), "the shebang first");
        assert!(lines.next().unwrap().starts_with("# Generated by"));
        assert!(
            lines.eq(original.lines().skip(1)),
            "then the script, unchanged"
        );
        let committed =
            std::fs::read_to_string(workspace::root().join(POSTGRES_INIT_COPY)).unwrap_or_default();
        assert!(
            committed == copy,
            "{POSTGRES_INIT_COPY} is stale: run `cargo xtask render-deploy` (the Kubernetes \
             databases run it)"
        );
    }

    #[test]
    fn strict_paths_are_rate_limited_with_a_json_429() {
        let strict = Slice {
            strict_paths: &["sessions"],
            ..*slices::get("catalog").unwrap()
        };
        let locations = api_locations(&[(&strict, "127.0.0.1:1")]);
        assert!(locations.contains("location = /api/catalog/sessions {"));
        assert!(locations.contains("limit_req zone=catalog_strict burst=5 nodelay;"));
        assert!(locations.contains("error_page 429 = @too_many_requests;"));
    }
}
