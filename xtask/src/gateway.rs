//! The nginx gateway: rendering `nginx/nginx.conf.template` from the slice table and
//! running nginx unprivileged, with its pid, logs and temp files in a directory of our own.

use crate::health;
use crate::process::{children_of, free_port, Child};
use crate::slices::{self, Slice};
use crate::workspace;
use anyhow::{bail, Context, Result};
use nix::sys::signal::Signal;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
    /// `host:port` of every replica of each built slice's BFF, by slice name. A slice with
    /// none (yet) gets its JSON 503 from nginx.
    pub bffs: BTreeMap<String, Vec<String>>,
    /// Local stand-ins for the Kubernetes Services in front of each slice's service, by
    /// slice name: BFFs and services call the balancer's loopback port, and nginx spreads
    /// the calls over the service's replicas. Empty when every BFF calls its one service
    /// replica directly. Only ever rendered for `cargo xtask up`, never into the containers.
    pub services: BTreeMap<String, ServiceBalancer>,
    /// nginx's own directory: config, pid, temp files.
    pub runtime_dir: PathBuf,
    /// Where `nginx.log` (errors) and `nginx-access.log` go.
    pub log_dir: PathBuf,
}

/// One service's replicas behind one loopback address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceBalancer {
    /// The port on 127.0.0.1 its callers use.
    pub port: u16,
    /// `host:port` of each replica (none yet: callers get a 502).
    pub replicas: Vec<String>,
}

/// The host names the shop answers to locally (with any port); any other Host is refused.
pub const LOCAL_HOSTS: [&str; 2] = ["127.0.0.1", "localhost"];

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
            server_names: format!("        server_name {};\n", LOCAL_HOSTS.join(" ")),
            root: path(&self.site_root),
            bffs: self.bffs.clone(),
            services: self.services.clone(),
            trusted_proxies: &[],
        })
    }

    fn config_path(&self) -> PathBuf {
        self.runtime_dir.join("nginx.conf")
    }

    fn nginx(&self, nginx: &Path, extra: &[&str]) -> Command {
        let mut command = Command::new(nginx);
        command
            .arg("-p")
            .arg(&self.runtime_dir)
            .arg("-c")
            .arg(self.config_path())
            .arg("-e")
            .arg(self.log_dir.join("nginx.log"))
            .args(extra);
        command
    }

    /// Writes the configuration and checks it with `nginx -t`.
    fn write_config(&self, nginx: &Path) -> Result<()> {
        for dir in [&self.runtime_dir, &self.log_dir] {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(
            workspace::root().join("nginx").join(SECURITY_HEADERS),
            self.runtime_dir.join(SECURITY_HEADERS),
        )
        .context("copying the security headers snippet")?;
        let config_path = self.config_path();
        std::fs::write(&config_path, self.render()?)?;
        let check = self.nginx(nginx, &["-t", "-q"]).output()?;
        if !check.status.success() {
            bail!(
                "nginx rejected {}:\n{}",
                config_path.display(),
                String::from_utf8_lossy(&check.stderr)
            );
        }
        Ok(())
    }

    /// Writes this configuration and makes the running nginx `child` take it (SIGHUP to
    /// its PID). Returns once new workers run with it; fails — and nginx keeps serving with
    /// the old one — when nginx rejects it.
    pub fn reload(&self, nginx: &Path, child: &Child) -> Result<()> {
        self.write_config(nginx)?;
        let master = child.pid() as i32;
        let before = children_of(master);
        child.signal(Signal::SIGHUP)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        // nginx starts new workers only once the new configuration is in effect.
        while !children_of(master).iter().any(|pid| !before.contains(pid)) {
            if Instant::now() > deadline {
                bail!(child.report("did not take the new configuration within 10 s"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Writes the configuration, checks it with `nginx -t`, starts nginx and waits until
    /// it serves the shell.
    pub fn start(&self, nginx: &Path) -> Result<Child> {
        self.write_config(nginx)?;
        let mut child = Child::spawn(
            "nginx",
            self.nginx(nginx, &[]),
            &self.log_dir.join("nginx.log"),
        )?;
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

/// The host names a container gateway always answers to: its health probes ask from
/// inside the container (compose, the image's HEALTHCHECK) or the pod (Kubernetes) with
/// `Host: localhost`. The shop's public names come from `STOREFRONT_HOSTS`.
pub const CONTAINER_PROBE_HOSTS: [&str; 2] = ["localhost", "127.0.0.1"];

/// The file a container gateway's configuration includes for its public host names:
/// `server_name <STOREFRONT_HOSTS>;`, written by [`CONTAINER_ENTRYPOINT`] into the tmpfs.
pub const CONTAINER_SERVER_NAMES: &str = "/tmp/server-names.conf";

/// The gateway image's command (`nginx/gateway-entrypoint.sh`): it writes
/// [`CONTAINER_SERVER_NAMES`] from `STOREFRONT_HOSTS`, then runs nginx with the
/// configuration it is given.
pub const CONTAINER_ENTRYPOINT: &str = "/usr/local/bin/storefront-gateway";

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
            // The probes' own name always (they ask from inside the container or pod, with
            // `Host: localhost`); the shop's public names from STOREFRONT_HOSTS, which the
            // image's entrypoint writes into the included file before nginx starts.
            server_names: format!(
                "        server_name {};\n        # server_name <STOREFRONT_HOSTS>, written by {CONTAINER_ENTRYPOINT}:\n        include {CONTAINER_SERVER_NAMES};\n",
                CONTAINER_PROBE_HOSTS.join(" ")
            ),
            root: CONTAINER_SITE_ROOT.into(),
            bffs: slices::built()
                .map(|slice| {
                    (
                        slice.name.to_owned(),
                        vec![format!(
                            "{}:{CONTAINER_PORT}",
                            slice.package(slices::Tier::Bff)
                        )],
                    )
                })
                .collect(),
            services: BTreeMap::new(),
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
    let mut files = vec![
        (Container::Edge.file_name(), generated(Container::Edge)?),
        (
            Container::BehindIngress.file_name(),
            generated(Container::BehindIngress)?,
        ),
    ];
    files.extend(slices::shell_includes());
    Ok(files)
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
    /// The main server's `server_name` (and `include`) lines.
    server_names: String,
    root: String,
    /// `host:port` of each replica of each built slice's BFF, by slice name.
    bffs: BTreeMap<String, Vec<String>>,
    /// The local service balancers, by slice name.
    services: BTreeMap<String, ServiceBalancer>,
    /// Peers whose X-Forwarded-For names the client (none: the gateway is the edge).
    trusted_proxies: &'a [&'a str],
}

fn render(values: &Values) -> Result<String> {
    let template_path = workspace::root().join("nginx/nginx.conf.template");
    let template = std::fs::read_to_string(&template_path)
        .with_context(|| format!("reading {}", template_path.display()))?;
    let mut bffs = vec![];
    for slice in slices::built() {
        let addresses = values
            .bffs
            .get(slice.name)
            .with_context(|| format!("no addresses for the {} BFF", slice.name))?;
        bffs.push((slice, addresses.as_slice()));
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
        ("SERVER_NAMES", values.server_names.clone()),
        ("STOREFRONT_ROOT", values.root.clone()),
        ("TRUSTED_PROXIES", trusted_proxies(values.trusted_proxies)),
        ("RATE_LIMIT_ZONES", rate_limit_zones(&bffs)),
        ("UPSTREAMS", upstreams(&bffs)),
        ("PAGE_LOCATIONS", page_locations(slices::SLICES)),
        ("API_LOCATIONS", api_locations(&bffs)),
        ("FRAGMENT_LOCATIONS", fragment_locations(&bffs)),
        ("SERVICE_BALANCERS", service_balancers(&values.services)?),
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

fn rate_limit_zones(bffs: &[(&Slice, &[String])]) -> String {
    bffs.iter()
        .map(|(slice, _)| {
            format!(
                "    limit_req_zone $binary_remote_addr zone={}_strict:1m rate=10r/m;\n",
                slice.name
            )
        })
        .collect()
}

/// An `upstream` block over `replicas`. With none (yet), one `down` placeholder: nginx
/// answers 502 at once, which a BFF's location turns into the slice's JSON 503. With more
/// than one, a replica that fails is left out for 2 s (per worker) before it is tried
/// again, so a restarted one is back in rotation soon.
fn upstream(name: &str, replicas: &[String], keepalive: u32) -> String {
    let mut out = format!("    upstream {name} {{\n");
    match replicas {
        [] => out.push_str("        server 127.0.0.1:1 down;  # no replica is ready yet\n"),
        [one] => out.push_str(&format!("        server {one};\n")),
        many => {
            for replica in many {
                out.push_str(&format!(
                    "        server {replica} max_fails=1 fail_timeout=2s;\n"
                ));
            }
        }
    }
    out.push_str(&format!("        keepalive {keepalive};\n    }}\n"));
    out
}

fn upstreams(bffs: &[(&Slice, &[String])]) -> String {
    bffs.iter()
        .map(|(slice, replicas)| upstream(&slice.upstream(), replicas, 64))
        .collect()
}

/// The two named locations that hand a request to `upstream` under the other retry rules
/// (see the template's `$retry_rule`): `@<prefix>_keyed` may repeat a write (it carries an
/// Idempotency-Key), `@<prefix>_unrepeated` never moves a request on.
fn retry_locations(prefix: &str, upstream: &str, common: &str) -> String {
    format!(
        "        location @{prefix}_keyed {{\n            proxy_pass http://{upstream};\n            proxy_next_upstream error timeout non_idempotent;\n{common}        }}\n        location @{prefix}_unrepeated {{\n            proxy_pass http://{upstream};\n            proxy_next_upstream off;\n{common}        }}\n"
    )
}

/// The lines that send a request to its retry rule's named location (`return` only, inside
/// `if`: the one safe use of it in a location).
fn retry_jumps(prefix: &str) -> String {
    format!(
        "            error_page 418 = @{prefix}_keyed;\n            error_page 419 = @{prefix}_unrepeated;\n            if ($retry_rule = keyed) {{\n                return 418;\n            }}\n            if ($retry_rule = unrepeated) {{\n                return 419;\n            }}\n"
    )
}

/// For `cargo xtask up` with more than one replica: each service's replicas behind one
/// loopback address, as a Kubernetes Service gives — an upstream and a server proxying to
/// it, with the same retry rules as the BFFs' locations. The service sees its caller's
/// request as sent (Host, X-Request-Id, Client-Address and all), like through a Service.
fn service_balancers(services: &BTreeMap<String, ServiceBalancer>) -> Result<String> {
    let mut out = String::new();
    for (name, balancer) in services {
        let slice = slices::get(name).with_context(|| format!("no slice {name}"))?;
        let service = slice.package(slices::Tier::Service);
        let upstream_name = format!("{name}_service");
        out.push_str(&format!(
            "\n    # {service}'s replicas behind one address, as a Kubernetes Service gives.\n"
        ));
        out.push_str(&upstream(&upstream_name, &balancer.replicas, 32));
        // Only these headers are set here (none of the gateway's X-Forwarded-* or request id).
        let common = "            proxy_set_header Connection \"\";\n            proxy_set_header Host $http_host;\n";
        out.push_str(&format!(
            "    server {{\n        listen 127.0.0.1:{port};\n        # The service enforces its own body limit; no compression between servers.\n        client_max_body_size 1m;\n        gzip off;\n        location / {{\n{jumps}            proxy_pass http://{upstream_name};\n{common}        }}\n{named}    }}\n",
            port = balancer.port,
            jumps = retry_jumps(&upstream_name),
            named = retry_locations(&upstream_name, &upstream_name, common),
        ));
    }
    Ok(out)
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

/// Each server-rendering slice's fragments, for the shell's includes: never longer than
/// [`FRAGMENT_DEADLINE`], and empty (so the shell's slot is drawn in the browser, as
/// before) when its BFF is down, slow or has nothing to render.
fn fragment_locations(bffs: &[(&Slice, &[String])]) -> String {
    let mut out = String::new();
    for (slice, _) in bffs.iter().filter(|(slice, _)| slice.server_rendered) {
        let (name, upstream) = (slice.name, slice.upstream());
        let cache = if slice.shared_fragments {
            "            # The same for every shopper: one render a second answers a crowd. Never a\n            # stale one (after a deploy the BFF renders nothing, which is not kept), and no\n            # cache lock: a subrequest waiting on one stalls its page.\n            proxy_cache fragments;\n            proxy_cache_key $uri$is_args$args;\n            proxy_cache_valid 200 1s;\n            proxy_ignore_headers Cache-Control Expires;\n"
        } else {
            "            # A shopper's own (their cookies went along): never kept or shared. A page\n            # request with no cookie at all is nobody's (no cart, no identity): the same\n            # for everyone on that page, so kept a second like the catalog's.\n            proxy_cache fragments;\n            proxy_cache_key $uri|$request_uri;\n            proxy_cache_valid 200 1s;\n            proxy_ignore_headers Cache-Control Expires;\n            proxy_no_cache $http_cookie;\n            proxy_cache_bypass $http_cookie;\n"
        };
        out.push_str(&format!(
            "        location /_fragments/{name}/ {{\n            internal;\n            include {SECURITY_HEADERS};\n            proxy_pass http://{upstream}/api/{name}/fragments/;\n            # Included in the page as it is: never compressed.\n            proxy_set_header Accept-Encoding \"\";\n            # The page it is included in (a subrequest's $request_uri is its page's).\n            proxy_set_header X-Page-Uri $request_uri;\n            proxy_connect_timeout {FRAGMENT_DEADLINE};\n            proxy_send_timeout {FRAGMENT_DEADLINE};\n            proxy_read_timeout {FRAGMENT_DEADLINE};\n            proxy_next_upstream error;\n            proxy_next_upstream_timeout {FRAGMENT_DEADLINE};\n            proxy_intercept_errors on;\n            error_page 400 403 404 500 502 503 504 = @no_fragment;\n{cache}        }}\n"
        ));
    }
    out
}

/// How long the shell waits for a server-rendered fragment (all are asked at once).
const FRAGMENT_DEADLINE: &str = "300ms";

fn api_locations(bffs: &[(&Slice, &[String])]) -> String {
    let mut out = String::new();
    for (slice, _) in bffs {
        let (name, upstream) = (slice.name, slice.upstream());
        let common = format!(
            "            include {SECURITY_HEADERS};\n            error_page 502 503 504 = @{name}_unavailable;\n"
        );
        let proxy = format!("            proxy_pass http://{upstream};\n{common}");
        // A rate-limited path (sign-in) never moves a request on: a jump to a named
        // location would skip its limit_req, and what it guards must not run twice.
        for path in slice.strict_paths {
            out.push_str(&format!(
                "        location = /api/{name}/{} {{\n            limit_req zone={name}_strict burst=5 nodelay;\n            error_page 429 = @too_many_requests;\n            proxy_next_upstream off;\n{proxy}        }}\n",
                path.trim_start_matches('/')
            ));
        }
        // The named locations' own error_page (the JSON 503) applies after the jump.
        let jumps = format!(
            "{}            recursive_error_pages on;\n",
            retry_jumps(name)
        );
        let body = format!(
            "{{\"error\":{{\"code\":\"{}\",\"message\":\"{}\"}}}}",
            slice.unavailable_code(),
            slice.unavailable_message()
        );
        // `/api/cart` itself is a resource too (the cart); without its own location nginx
        // would redirect it to `/api/cart/`.
        out.push_str(&format!(
            "        location = /api/{name} {{\n{jumps}{proxy}        }}\n        location /api/{name}/ {{\n{jumps}{proxy}        }}\n{}        location @{name}_unavailable {{\n            default_type application/json;\n            include {SECURITY_HEADERS};\n            add_header Retry-After 2 always;\n            return 503 '{body}';\n        }}\n",
            retry_locations(name, &upstream, &common)
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
                .map(|(i, slice)| {
                    (
                        slice.name.to_owned(),
                        vec![format!("127.0.0.1:{}", 8201 + i)],
                    )
                })
                .collect(),
            services: BTreeMap::new(),
            runtime_dir: "/tmp/nginx".into(),
            log_dir: "/tmp/log".into(),
        }
    }

    /// Two replicas of every server, each service behind a balancer on 91xx.
    fn replicated() -> Gateway {
        let mut gateway = gateway();
        for (i, slice) in slices::built().enumerate() {
            gateway.bffs.insert(
                slice.name.to_owned(),
                vec![
                    format!("127.0.0.1:{}", 8201 + i),
                    format!("127.0.0.1:{}", 8301 + i),
                ],
            );
            gateway.services.insert(
                slice.name.to_owned(),
                ServiceBalancer {
                    port: 9101 + i as u16,
                    replicas: vec![
                        format!("127.0.0.1:{}", 8101 + i),
                        format!("127.0.0.1:{}", 8401 + i),
                    ],
                },
            );
        }
        gateway
    }

    /// The block that starts with `start` (up to its closing brace at `indent`).
    fn block<'a>(config: &'a str, start: &str, indent: &str) -> &'a str {
        let from = config
            .find(start)
            .unwrap_or_else(|| panic!("no {start} in\n{config}"));
        let rest = &config[from..];
        &rest[..rest.find(&format!("\n{indent}}}")).unwrap()]
    }

    fn every_rendering() -> Vec<String> {
        vec![
            gateway().render().unwrap(),
            replicated().render().unwrap(),
            Container::Edge.render().unwrap(),
            Container::BehindIngress.render().unwrap(),
        ]
    }

    #[test]
    fn each_bff_upstream_lists_every_replica_and_leaves_a_failed_one_out_briefly() {
        let config = replicated().render().unwrap();
        let pool = block(&config, "upstream catalog_bff {", "    ");
        assert!(pool.contains("server 127.0.0.1:8201 max_fails=1 fail_timeout=2s;"));
        assert!(pool.contains("server 127.0.0.1:8301 max_fails=1 fail_timeout=2s;"));
        assert!(pool.contains("keepalive 64;"), "the pool stays: {pool}");
        // One replica (or a container's Service): a plain server, never left out.
        let single = gateway().render().unwrap();
        let pool = block(&single, "upstream catalog_bff {", "    ");
        assert!(pool.contains("server 127.0.0.1:8201;"), "{pool}");
    }

    #[test]
    fn a_slice_with_no_ready_replica_yet_gets_a_placeholder_nginx_accepts() {
        let mut gateway = gateway();
        gateway.bffs.insert("cart".into(), vec![]);
        let config = gateway.render().unwrap();
        let pool = block(&config, "upstream cart_bff {", "    ");
        assert!(pool.contains("server 127.0.0.1:1 down;"), "{pool}");
    }

    #[test]
    fn reads_and_keyed_writes_move_on_to_another_replica_and_unkeyed_writes_never_repeat() {
        for config in every_rendering() {
            // The rule: no key and a read, POST or PATCH → nginx's own rules; no key and any
            // other method → never moved on; a key → moved on, also once sent.
            let map = block(
                &config,
                "map \"$http_idempotency_key:$request_method\" $retry_rule {",
                "    ",
            );
            let rules: Vec<&str> = map.lines().skip(1).map(str::trim).collect();
            assert_eq!(
                rules,
                [
                    "\"~^:(GET|HEAD|OPTIONS|POST|PATCH)$\" \"\";",
                    "\"~^:\" unrepeated;",
                    "default keyed;"
                ]
            );
            assert!(config.contains("    proxy_next_upstream error timeout;\n"));
            assert!(config.contains("    proxy_next_upstream_tries 2;\n"));
            for slice in slices::built() {
                let name = slice.name;
                let location = block(&config, &format!("location /api/{name}/ {{"), "        ");
                assert!(location.contains(&format!("error_page 418 = @{name}_keyed;")));
                assert!(location.contains(&format!("error_page 419 = @{name}_unrepeated;")));
                assert!(
                    location.contains("if ($retry_rule = keyed) {\n                return 418;")
                );
                assert!(location
                    .contains("if ($retry_rule = unrepeated) {\n                return 419;"));
                assert!(location.contains("recursive_error_pages on;"));
                let keyed = block(&config, &format!("location @{name}_keyed {{"), "        ");
                assert!(keyed.contains("proxy_next_upstream error timeout non_idempotent;"));
                assert!(keyed.contains(&format!("error_page 502 503 504 = @{name}_unavailable;")));
                let unrepeated = block(
                    &config,
                    &format!("location @{name}_unrepeated {{"),
                    "        ",
                );
                assert!(unrepeated.contains("proxy_next_upstream off;"));
                assert!(unrepeated.contains(&format!("proxy_pass http://{name}_bff;")));
            }
            // Nothing else lets a written request be repeated.
            assert_eq!(
                config.matches("non_idempotent").count(),
                slices::built().count() + config.matches("_service_keyed {").count(),
                "{config}"
            );
        }
    }

    #[test]
    fn a_rate_limited_path_never_jumps_past_its_limit_nor_moves_a_request_on() {
        let config = gateway().render().unwrap();
        let sign_in = block(&config, "location = /api/account/sign-in {", "        ");
        assert!(sign_in.contains("limit_req zone=account_strict"));
        assert!(sign_in.contains("proxy_next_upstream off;"));
        assert!(
            !sign_in.contains("return 418"),
            "a key would skip the limit: {sign_in}"
        );
        assert!(!sign_in.contains("return 419"));
    }

    #[test]
    fn only_the_shops_own_host_names_are_served_and_any_other_gets_421() {
        let local = gateway().render().unwrap();
        let edge = Container::Edge.render().unwrap();
        let behind = Container::BehindIngress.render().unwrap();
        for (config, listen) in [
            (&local, "127.0.0.1:8080"),
            (&edge, "8080"),
            (&behind, "8080"),
        ] {
            let default = block(config, &format!("listen {listen} default_server;"), "    ");
            assert!(default.contains("server_name _;"));
            assert!(default.contains("return 421 '{\"error\":{\"code\":\"unknown_host\""));
            assert!(default.contains("return 421 \"This shop does not answer"));
            assert!(
                !default.contains("proxy_pass"),
                "nothing reaches a BFF: {default}"
            );
            assert!(!default.contains("root "), "nor the site: {default}");
            assert_eq!(config.matches("default_server").count(), 1);
            assert_eq!(config.matches("server_name _;").count(), 1);
        }
        assert!(local.contains("        server_name 127.0.0.1 localhost;\n"));
        for config in [&edge, &behind] {
            assert!(config.contains("        server_name localhost 127.0.0.1;\n"));
            assert!(config.contains(&format!("        include {CONTAINER_SERVER_NAMES};\n")));
        }
    }

    #[test]
    fn a_clients_forwarded_header_is_never_passed_on() {
        for config in every_rendering() {
            assert!(
                config.contains("    proxy_set_header Forwarded \"\";\n"),
                "{config}"
            );
        }
    }

    #[test]
    fn each_service_gets_a_loopback_balancer_only_when_rendered_for_replicas() {
        let config = replicated().render().unwrap();
        for (i, slice) in slices::built().enumerate() {
            let name = slice.name;
            let pool = block(&config, &format!("upstream {name}_service {{"), "    ");
            assert!(pool.contains(&format!("server 127.0.0.1:{} max_fails=1", 8101 + i)));
            assert!(pool.contains(&format!("server 127.0.0.1:{} max_fails=1", 8401 + i)));
            let server = block(
                &config,
                &format!("server {{\n        listen 127.0.0.1:{};", 9101 + i),
                "    ",
            );
            assert!(server.contains(&format!("proxy_pass http://{name}_service;")));
            assert!(server.contains(&format!("location @{name}_service_keyed {{")));
            assert!(server.contains("if ($retry_rule = keyed)"));
            // The caller's request as sent: its request id, no X-Forwarded-*.
            assert!(server.contains("proxy_set_header Host $http_host;"));
            assert!(!server.contains("X-Request-Id"), "{server}");
            assert!(!server.contains("X-Forwarded"), "{server}");
            assert!(
                !server.contains("security-headers"),
                "not a browser's answer"
            );
        }
        for config in [
            gateway().render().unwrap(),
            Container::Edge.render().unwrap(),
            Container::BehindIngress.render().unwrap(),
        ] {
            assert!(!config.contains("_service {"), "{config}");
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
                    body.contains("try_files /index.html")
                        || body.starts_with("= /index.html")
                        || body.starts_with(
                            "~ ^/shell/header-(?:slots|styles)\\.html$ {\n            internal;"
                        ),
                    "SSI outside the shell: location {body}"
                );
            }
        }
        assert_eq!(config.matches("ssi on;").count(), 2 + page_count());
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
        let replicas = ["127.0.0.1:1".to_owned()];
        let locations = api_locations(&[(&strict, &replicas[..])]);
        assert!(locations.contains("location = /api/catalog/sessions {"));
        assert!(locations.contains("limit_req zone=catalog_strict burst=5 nodelay;"));
        assert!(locations.contains("error_page 429 = @too_many_requests;"));
    }
}
