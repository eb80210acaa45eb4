//! `docker-compose.yml`, read by the real Compose, and what it runs, run for real where no
//! container engine is needed:
//! - Compose accepts the file; every upstream of the gateway's nginx and every slice is a
//!   compose service;
//! - the networks keep the trust boundaries (gateway → BFFs → services → database), every
//!   long-running container is hardened and health-checked, start order waits for health;
//! - no secret is in the environment; `make-secrets.sh` makes every secret compose mounts;
//! - `postgres-init.sh` gives each service a database only its role can open, on a real
//!   PostgreSQL with password authentication — all of them, or the one a Kubernetes
//!   database names (`STOREFRONT_DATABASES`);
//! - parity: each of the six servers starts natively with exactly the environment compose
//!   gives its container (hosts mapped to loopback, secrets to the files compose would
//!   mount), as the container's user when we can, and its own `--health-check` — the
//!   container's health probe — says it is ready.

// Helpers of a test file panic like its tests do: with what went wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use deploy_checks::{output, root, stdout_of, tools};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use xtask::postgres::TempPostgres;
use xtask::process::{free_port, Child};
use xtask::slices::{built, Slice, Tier};

const COMPOSE_FILE: &str = "docker-compose.yml";
const INIT_SCRIPT: &str = "deploy/compose/postgres-init.sh";
const MAKE_SECRETS: &str = "deploy/compose/make-secrets.sh";
const NGINX_CONF: &str = "deploy/gateway/nginx.conf";
/// Where compose mounts a service's secrets.
const SECRETS_MOUNT: &str = "/run/secrets/";
/// The uid:gid every image of the shop runs as.
const CONTAINER_USER: u32 = 65532;
/// How long a server may take to say it is ready (the first start migrates and seeds).
const READY_DEADLINE: Duration = Duration::from_secs(60);

/// The resolved compose file (`docker compose config --format json`), read once.
fn config() -> &'static Value {
    static CONFIG: OnceLock<Value> = OnceLock::new();
    CONFIG.get_or_init(deploy_checks::compose_config)
}

fn services() -> &'static Map<String, Value> {
    config()["services"]
        .as_object()
        .unwrap_or_else(|| panic!("{COMPOSE_FILE} has no services"))
}

fn service(name: &str) -> &'static Value {
    services()
        .get(name)
        .unwrap_or_else(|| panic!("{COMPOSE_FILE} has no service {name}"))
}

/// The six servers: `(slice, tier, compose service and binary name)`.
fn servers() -> Vec<(&'static Slice, Tier, String)> {
    built()
        .flat_map(|slice| [Tier::Service, Tier::Bff].map(|tier| (slice, tier, slice.package(tier))))
        .collect()
}

fn publishers() -> BTreeSet<String> {
    built().map(|slice| format!("{}-mfe", slice.name)).collect()
}

fn is_server(name: &str) -> bool {
    servers().iter().any(|(_, _, server)| server == name)
}

/// Everything but the one-shot MFE publishers runs until stopped.
fn long_running() -> Vec<&'static str> {
    let publishers = publishers();
    services()
        .keys()
        .map(String::as_str)
        .filter(|name| !publishers.contains(*name))
        .collect()
}

fn networks_of(name: &str) -> BTreeSet<String> {
    service(name)["networks"]
        .as_object()
        .map(|networks| networks.keys().cloned().collect())
        .unwrap_or_default()
}

fn shared_networks(a: &str, b: &str) -> BTreeSet<String> {
    networks_of(a)
        .intersection(&networks_of(b))
        .cloned()
        .collect()
}

fn environment(name: &str) -> BTreeMap<String, String> {
    service(name)["environment"]
        .as_object()
        .map(|environment| {
            environment
                .iter()
                .map(|(key, value)| {
                    let value = value.as_str().unwrap_or_else(|| {
                        panic!("{COMPOSE_FILE}: {name}'s {key} has no value ({value})")
                    });
                    (key.clone(), value.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A service's mounted secrets: target path → the compose secret's name.
fn mounted_secrets(name: &str) -> BTreeMap<String, String> {
    service(name)["secrets"]
        .as_array()
        .map(|secrets| {
            secrets
                .iter()
                .map(|secret| {
                    let source = secret["source"].as_str().expect("a secret's source");
                    let target = secret["target"]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("{SECRETS_MOUNT}{source}"));
                    (target, source.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The file name (in the secrets directory) of the compose secret `name`.
fn secret_file_name(name: &str) -> String {
    let file = config()["secrets"][name]["file"]
        .as_str()
        .unwrap_or_else(|| panic!("{COMPOSE_FILE}: secret {name} has no file"));
    Path::new(file)
        .file_name()
        .expect("a secret file has a name")
        .to_string_lossy()
        .into_owned()
}

/// A directory under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("storefront-compose-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating a scratch directory");
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `deploy/compose/make-secrets.sh DIR` and returns what it printed.
fn make_secrets(dir: &Path) -> String {
    stdout_of(Command::new("sh").arg(root().join(MAKE_SECRETS)).arg(dir))
}

fn read_secret(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|error| panic!("{MAKE_SECRETS} made no {file}: {error}"))
        .trim_end()
        .to_owned()
}

#[test]
fn compose_accepts_the_file() {
    let tools = tools();
    let out = output(Command::new(&tools.compose).current_dir(root()).args([
        "-f",
        COMPOSE_FILE,
        "config",
        "-q",
    ]));
    assert!(
        out.status.success(),
        "docker compose config -q rejects {COMPOSE_FILE} ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_slice_has_its_services_images_and_publisher() {
    for (_, tier, server) in servers() {
        let definition = service(&server);
        assert_eq!(
            definition["image"].as_str(),
            Some(format!("storefront/{server}:dev").as_str()),
            "{COMPOSE_FILE}: {server}'s image"
        );
        assert_eq!(
            definition["build"]["dockerfile"].as_str(),
            Some("deploy/docker/server.Dockerfile"),
            "{COMPOSE_FILE}: {server} ({tier:?}) is built from the one server Dockerfile"
        );
        assert_eq!(
            definition["build"]["args"]["SERVER"].as_str(),
            Some(server.as_str()),
            "{COMPOSE_FILE}: {server}'s build arg SERVER"
        );
        assert_eq!(
            definition["build"]["context"].as_str().map(PathBuf::from),
            Some(root()),
            "{COMPOSE_FILE}: {server} builds from the repository root"
        );
    }
    for slice in built() {
        let publisher = format!("{}-mfe", slice.name);
        let definition = service(&publisher);
        assert_eq!(
            definition["image"].as_str(),
            Some(format!("storefront/{publisher}:dev").as_str()),
            "{COMPOSE_FILE}: {publisher}'s image"
        );
        assert_eq!(
            definition["build"]["dockerfile"].as_str(),
            Some("deploy/docker/mfe.Dockerfile"),
            "{COMPOSE_FILE}: {publisher}'s Dockerfile"
        );
        assert_eq!(
            definition["build"]["args"]["MFE"].as_str(),
            Some(slice.name),
            "{COMPOSE_FILE}: {publisher}'s build arg MFE"
        );
    }
    assert_eq!(
        service("gateway")["build"]["dockerfile"].as_str(),
        Some("deploy/docker/gateway.Dockerfile"),
        "{COMPOSE_FILE}: the gateway's Dockerfile"
    );
    assert!(
        service("postgres")["image"]
            .as_str()
            .is_some_and(|image| image.starts_with("postgres:15.")),
        "{COMPOSE_FILE}: postgres runs PostgreSQL 15 (the version the checks use)"
    );
}

/// `upstream <name> { server <host>:<port>; ... }` blocks of an nginx configuration.
fn nginx_upstreams(conf: &str) -> BTreeMap<String, Vec<String>> {
    let mut upstreams = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in conf.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("upstream ") {
            let name = rest.trim_end_matches('{').trim().to_owned();
            upstreams.insert(name.clone(), vec![]);
            current = Some(name);
        } else if line.starts_with('}') {
            current = None;
        } else if let (Some(name), Some(rest)) = (&current, line.strip_prefix("server ")) {
            let address = rest
                .trim_end_matches(';')
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            upstreams.get_mut(name).expect("opened above").push(address);
        }
    }
    upstreams
}

#[test]
fn every_gateway_upstream_is_a_compose_service_the_gateway_reaches() {
    let path = root().join(NGINX_CONF);
    let conf = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!("{NGINX_CONF} (generated by `cargo xtask render-deploy`): {error}")
    });
    let upstreams = nginx_upstreams(&conf);
    for slice in built() {
        assert!(
            upstreams.contains_key(&slice.upstream()),
            "{NGINX_CONF} has no upstream {} for {}",
            slice.upstream(),
            slice.package(Tier::Bff)
        );
    }
    for (upstream, addresses) in &upstreams {
        assert!(
            !addresses.is_empty(),
            "{NGINX_CONF}: upstream {upstream} has no server"
        );
        for address in addresses {
            let (host, port) = address.rsplit_once(':').unwrap_or_else(|| {
                panic!("{NGINX_CONF}: upstream {upstream}: {address} has no port")
            });
            assert!(
                services().contains_key(host),
                "{NGINX_CONF}: upstream {upstream}'s server {host} is no service of {COMPOSE_FILE}"
            );
            assert!(
                !shared_networks("gateway", host).is_empty(),
                "{COMPOSE_FILE}: the gateway shares no network with {host} (upstream {upstream} in {NGINX_CONF})"
            );
            assert_eq!(
                port, "8080",
                "{NGINX_CONF}: upstream {upstream}: every server listens on 8080 in its container"
            );
        }
    }
}

#[test]
fn networks_keep_the_trust_boundaries() {
    let networks = &config()["networks"];
    // Only the network carrying the published port has a route out, and only the gateway
    // is on it: no BFF, service or database can reach the internet.
    let mut outside = vec![];
    for (name, network) in networks.as_object().unwrap() {
        if network["internal"].as_bool() != Some(true) {
            outside.push(name.clone());
        }
    }
    assert_eq!(
        outside,
        ["public"],
        "{COMPOSE_FILE}: every network but `public` (the gateway's published port) must be internal"
    );
    for (name, _) in services() {
        if name != "gateway" && !publishers().contains(name) {
            assert!(
                !networks_of(name).contains("public"),
                "{COMPOSE_FILE}: {name} is on network public, which has a route out"
            );
        }
    }
    assert_eq!(
        networks_of("postgres"),
        BTreeSet::from(["data".to_owned()]),
        "{COMPOSE_FILE}: postgres is on network data only"
    );
    for (slice, tier, server) in servers() {
        assert!(
            shared_networks(&server, "postgres").is_empty() == (tier == Tier::Bff),
            "{COMPOSE_FILE}: {server} {} reach postgres (shared networks: {:?})",
            if tier == Tier::Bff {
                "must not"
            } else {
                "must"
            },
            shared_networks(&server, "postgres")
        );
        match tier {
            Tier::Service => {
                assert!(
                    shared_networks("gateway", &server).is_empty(),
                    "{COMPOSE_FILE}: the gateway must not reach {server} (shared networks: {:?})",
                    shared_networks("gateway", &server)
                );
                for called in slice.called() {
                    let other = called.package(Tier::Service);
                    assert!(
                        !shared_networks(&server, &other).is_empty(),
                        "{COMPOSE_FILE}: {server} calls {other} but shares no network with it"
                    );
                }
            }
            Tier::Bff => {
                let own = slice.package(Tier::Service);
                assert!(
                    !shared_networks(&server, &own).is_empty(),
                    "{COMPOSE_FILE}: {server} shares no network with {own}"
                );
                assert!(
                    !shared_networks("gateway", &server).is_empty(),
                    "{COMPOSE_FILE}: the gateway shares no network with {server}"
                );
            }
        }
    }
    assert!(
        shared_networks("gateway", "postgres").is_empty(),
        "{COMPOSE_FILE}: the gateway must not reach postgres"
    );
    for (name, definition) in services() {
        match name.as_str() {
            "gateway" => {
                let ports = definition["ports"].as_array().cloned().unwrap_or_default();
                assert_eq!(
                    ports.len(),
                    1,
                    "{COMPOSE_FILE}: the gateway publishes one port"
                );
                assert_eq!(
                    ports[0]["target"].as_u64(),
                    Some(8080),
                    "{COMPOSE_FILE}: gateway port"
                );
                assert_eq!(
                    ports[0]["published"].as_str(),
                    Some("80"),
                    "{COMPOSE_FILE}: the gateway's port is ${{STOREFRONT_PORT:-80}}"
                );
            }
            _ => assert!(
                definition.get("ports").is_none() && definition.get("expose").is_none(),
                "{COMPOSE_FILE}: only the gateway publishes a port, {name} too"
            ),
        }
        if publishers().contains(name) {
            assert_eq!(
                definition["network_mode"].as_str(),
                Some("none"),
                "{COMPOSE_FILE}: publisher {name} needs no network"
            );
        }
    }
}

#[test]
fn long_running_containers_are_hardened_and_health_checked() {
    let has = |list: &Value, item: &str| {
        list.as_array()
            .is_some_and(|items| items.iter().any(|value| value.as_str() == Some(item)))
    };
    for name in long_running() {
        let definition = service(name);
        let test = &definition["healthcheck"]["test"];
        assert!(
            test.as_array()
                .is_some_and(|test| !test.is_empty() && test[0] != "NONE")
                && definition["healthcheck"]["disable"].as_bool() != Some(true),
            "{COMPOSE_FILE}: {name} has no healthcheck"
        );
        assert!(
            matches!(
                definition["restart"].as_str(),
                Some("unless-stopped" | "always" | "on-failure")
            ),
            "{COMPOSE_FILE}: {name} has no restart policy ({})",
            definition["restart"]
        );
        assert_eq!(
            definition["read_only"].as_bool(),
            Some(true),
            "{COMPOSE_FILE}: {name}'s root filesystem must be read-only"
        );
        assert!(
            has(&definition["tmpfs"], "/tmp"),
            "{COMPOSE_FILE}: {name} has no /tmp tmpfs"
        );
        assert!(
            has(&definition["cap_drop"], "ALL"),
            "{COMPOSE_FILE}: {name} must drop ALL capabilities"
        );
        assert!(
            has(&definition["security_opt"], "no-new-privileges:true"),
            "{COMPOSE_FILE}: {name} lacks no-new-privileges"
        );
        let user = definition["user"].as_str().unwrap_or_default();
        assert!(
            !user.is_empty() && !user.starts_with("0:") && user != "0" && !user.starts_with("root"),
            "{COMPOSE_FILE}: {name} must run as a non-root user ({user:?})"
        );
        let limits = &definition["deploy"]["resources"]["limits"];
        assert!(
            !limits["memory"].is_null() && !limits["cpus"].is_null(),
            "{COMPOSE_FILE}: {name} has no memory and CPU limits"
        );
    }
    for (_, _, server) in servers() {
        let definition = service(&server);
        assert_eq!(
            definition["healthcheck"]["test"],
            serde_json::json!(["CMD", "/usr/local/bin/server", "--health-check"]),
            "{COMPOSE_FILE}: {server}'s healthcheck is the binary's own probe"
        );
        assert_eq!(
            definition["user"].as_str(),
            Some(format!("{CONTAINER_USER}:{CONTAINER_USER}").as_str()),
            "{COMPOSE_FILE}: {server} runs as the image's user"
        );
    }
    let gateway = &service("gateway")["healthcheck"]["test"];
    let probe = gateway.to_string();
    assert!(
        probe.contains("/dev/tcp/127.0.0.1/8080")
            && probe.contains("/shell/loader.js")
            && has(gateway, "bash"),
        "{COMPOSE_FILE}: the gateway's healthcheck asks for /shell/loader.js on 8080 with bash ({probe})"
    );
    for publisher in publishers() {
        let definition = service(&publisher);
        assert_eq!(
            definition["restart"].as_str(),
            Some("no"),
            "{COMPOSE_FILE}: {publisher} runs once"
        );
        assert_eq!(
            definition["read_only"].as_bool(),
            Some(true),
            "{COMPOSE_FILE}: {publisher} read-only"
        );
        assert!(
            has(&definition["cap_drop"], "ALL"),
            "{COMPOSE_FILE}: {publisher} drops ALL capabilities"
        );
        assert!(
            has(&definition["security_opt"], "no-new-privileges:true"),
            "{COMPOSE_FILE}: {publisher} lacks no-new-privileges"
        );
        assert!(
            mounts(&publisher).contains(&(
                "mfe-site".to_owned(),
                "/srv/site/mfe".to_owned(),
                false
            )),
            "{COMPOSE_FILE}: {publisher} writes the mfe-site volume at /srv/site/mfe ({:?})",
            mounts(&publisher)
        );
    }
    assert!(
        mounts("gateway").contains(&("mfe-site".to_owned(), "/srv/site/mfe".to_owned(), true)),
        "{COMPOSE_FILE}: the gateway mounts the mfe-site volume read-only at /srv/site/mfe ({:?})",
        mounts("gateway")
    );
}

/// Runs the gateway's healthcheck command (as the container would, minus the port: 8080
/// may be taken here) against a one-request server answering `status_line`; returns
/// whether it passed and the request it sent.
fn gateway_probe(status_line: &str) -> (bool, String) {
    use std::io::{BufRead, BufReader, Write};
    let test: Vec<String> = service("gateway")["healthcheck"]["test"]
        .as_array()
        .expect("the gateway has a healthcheck")
        .iter()
        .map(|part| part.as_str().expect("a string").to_owned())
        .collect();
    assert_eq!(
        test[0], "CMD",
        "{COMPOSE_FILE}: the gateway's healthcheck is exec form"
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("its address").port();
    let response = format!("{status_line}\r\nContent-Length: 0\r\n\r\n");
    // Answers once, within a few seconds whatever the probe sends, so a broken probe
    // fails instead of hanging.
    let server = std::thread::spawn(move || {
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let deadline = Instant::now() + Duration::from_secs(5);
        let stream = loop {
            match listener.accept() {
                Ok((stream, _)) => break Some(stream),
                Err(_) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Err(_) => break None,
            }
        };
        let Some(stream) = stream else {
            return "(the probe never connected)".to_owned();
        };
        stream.set_nonblocking(false).expect("a blocking stream");
        stream
            .set_read_timeout(Some(Duration::from_secs(2)))
            .expect("a read timeout");
        let mut reader = BufReader::new(stream.try_clone().expect("a second handle"));
        let mut request = String::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                break;
            }
            request.push_str(&line);
        }
        let _ = (&stream).write_all(response.as_bytes());
        request
    });
    let mut command = Command::new(&test[1]);
    for argument in &test[2..] {
        command.arg(argument.replace(
            "/dev/tcp/127.0.0.1/8080",
            &format!("/dev/tcp/127.0.0.1/{port}"),
        ));
    }
    let status = output(&mut command).status;
    let request = server.join().expect("the one-request server");
    (status.success(), request)
}

#[test]
fn the_gateway_healthcheck_asks_for_the_loader_and_wants_200() {
    let (healthy, request) = gateway_probe("HTTP/1.1 200 OK");
    // As Host localhost: the gateway answers any name it was not told with 421.
    assert_eq!(
        request, "GET /shell/loader.js HTTP/1.0\r\nHost: localhost\r\n",
        "{COMPOSE_FILE}: the gateway's healthcheck sent another request"
    );
    assert!(
        healthy,
        "{COMPOSE_FILE}: the gateway's healthcheck fails on 200 OK"
    );
    let (healthy, _) = gateway_probe("HTTP/1.1 404 Not Found");
    assert!(
        !healthy,
        "{COMPOSE_FILE}: the gateway's healthcheck passes on a 404"
    );
}

/// A service's volumes: `(source, target, read_only)`.
fn mounts(name: &str) -> Vec<(String, String, bool)> {
    service(name)["volumes"]
        .as_array()
        .map(|volumes| {
            volumes
                .iter()
                .map(|volume| {
                    (
                        volume["source"].as_str().unwrap_or_default().to_owned(),
                        volume["target"].as_str().unwrap_or_default().to_owned(),
                        volume["read_only"].as_bool().unwrap_or(false),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn depends_on(name: &str) -> BTreeMap<String, String> {
    service(name)["depends_on"]
        .as_object()
        .map(|dependencies| {
            dependencies
                .iter()
                .map(|(other, how)| {
                    (
                        other.clone(),
                        how["condition"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn everything_starts_once_what_it_needs_is_healthy() {
    let publishers = publishers();
    for (name, _) in services() {
        for (other, condition) in depends_on(name) {
            let wanted = if publishers.contains(&other) {
                "service_completed_successfully"
            } else {
                "service_healthy"
            };
            assert_eq!(
                condition, wanted,
                "{COMPOSE_FILE}: {name} depends on {other} with condition {condition}"
            );
        }
    }
    let needs = |name: &str, other: &str| {
        assert!(
            depends_on(name).contains_key(other),
            "{COMPOSE_FILE}: {name} must depend on {other}"
        );
    };
    for slice in built() {
        let own = slice.package(Tier::Service);
        needs(&slice.package(Tier::Bff), &own);
        needs(&own, "postgres");
        for called in slice.called() {
            needs(&own, &called.package(Tier::Service));
        }
        needs("gateway", &slice.package(Tier::Bff));
        needs("gateway", &format!("{}-mfe", slice.name));
    }
}

/// Whether a value looks like a secret rather than a setting: a PEM block, a URL with a
/// password, or a long token of letters and digits (no path, URL or address).
fn looks_secret(value: &str) -> bool {
    let url_password = value.split_once("://").is_some_and(|(_, rest)| {
        rest.split(['/', '?', '#'])
            .next()
            .and_then(|authority| authority.rsplit_once('@'))
            .is_some_and(|(userinfo, _)| userinfo.contains(':'))
    });
    let token = value.len() >= 16
        && value.chars().any(|c| c.is_ascii_digit())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=_-".contains(c));
    value.contains("-----BEGIN") || value.contains("PRIVATE KEY") || url_password || token
}

#[test]
fn no_secret_is_in_the_environment() {
    assert!(looks_secret(
        "postgres://catalog:hunter2@postgres:5432/catalog"
    ));
    assert!(looks_secret(
        "19967bf24915fd300d655928278b97c44edf7332dc5b209b"
    ));
    assert!(!looks_secret("postgres://catalog@postgres:5432/catalog"));
    assert!(!looks_secret("/run/secrets/catalog-db-password"));
    for (name, _) in services() {
        let secrets = mounted_secrets(name);
        for (key, value) in environment(name) {
            let upper = key.to_uppercase();
            for word in ["PASSWORD", "KEY", "SECRET", "TOKEN"] {
                assert!(
                    !upper.ends_with(word),
                    "{COMPOSE_FILE}: {name} sets {key}: give a secret as a file (*_FILE = {SECRETS_MOUNT}<secret>)"
                );
            }
            assert!(
                !looks_secret(&value),
                "{COMPOSE_FILE}: {name}'s {key} looks like a secret: mount it as a compose secret"
            );
            if upper.ends_with("_FILE") {
                assert!(
                    value.starts_with(SECRETS_MOUNT),
                    "{COMPOSE_FILE}: {name}'s {key}={value} is not under {SECRETS_MOUNT}"
                );
                assert!(
                    secrets.contains_key(&value),
                    "{COMPOSE_FILE}: {name}'s {key}={value}, but {name} mounts no secret there (it mounts {:?})",
                    secrets.keys()
                );
            }
        }
    }
    // The secret files stay out of git.
    let secrets = config()["secrets"].as_object().expect("top-level secrets");
    assert!(!secrets.is_empty(), "{COMPOSE_FILE} has no secrets");
    let secrets_dir = root().join("deploy/compose/secrets");
    for (name, secret) in secrets {
        let file = PathBuf::from(
            secret["file"]
                .as_str()
                .unwrap_or_else(|| panic!("{COMPOSE_FILE}: secret {name} is not a file")),
        );
        assert_eq!(
            file.parent(),
            Some(secrets_dir.as_path()),
            "{COMPOSE_FILE}: secret {name}'s file is not in deploy/compose/secrets/"
        );
        let relative = file.strip_prefix(root()).expect("under the repository");
        let ignored = output(
            Command::new("git")
                .current_dir(root())
                .args(["check-ignore", "--no-index", "-q"])
                .arg(relative),
        );
        assert!(
            ignored.status.success(),
            "{} (secret {name}) is not git-ignored: .gitignore needs /deploy/compose/secrets/",
            relative.display()
        );
    }
}

#[test]
fn make_secrets_makes_every_mounted_secret_once_readable_in_the_container() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new("make-secrets");
    let dir = scratch.0.join("secrets");
    let printed = make_secrets(&dir);
    let names: Vec<&String> = config()["secrets"]
        .as_object()
        .expect("secrets")
        .keys()
        .collect();
    let mut contents = BTreeMap::new();
    for name in &names {
        let file = secret_file_name(name);
        assert!(
            printed.contains(&file),
            "{MAKE_SECRETS} did not say it made {file}:\n{printed}"
        );
        let content = read_secret(&dir, &file);
        assert!(!content.is_empty(), "{MAKE_SECRETS} made an empty {file}");
        // Compose bind-mounts the file with this mode; the container's user is not its
        // owner, so it must be readable by others (the directory guards it here).
        let mode = std::fs::metadata(dir.join(&file))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o644, "{MAKE_SECRETS}: {file} has mode {mode:o}");
        contents.insert(file, content);
    }
    let dir_mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        dir_mode, 0o700,
        "{MAKE_SECRETS}: the secrets directory has mode {dir_mode:o}"
    );
    assert!(
        contents["identity-signing-key.pem"].starts_with("-----BEGIN PRIVATE KEY-----"),
        "{MAKE_SECRETS}: the signing key is PKCS#8 PEM"
    );
    assert!(
        contents["identity-public-key.pem"].starts_with("-----BEGIN PUBLIC KEY-----"),
        "{MAKE_SECRETS}: the public key is SPKI PEM"
    );
    let derived = stdout_of(
        Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(dir.join("identity-signing-key.pem")),
    );
    assert_eq!(
        derived.trim_end(),
        contents["identity-public-key.pem"],
        "{MAKE_SECRETS}: the public key is not the signing key's"
    );
    // The superuser's and one per service, each its own.
    let password_secrets: Vec<&&String> = names
        .iter()
        .filter(|name| name.ends_with("password"))
        .collect();
    assert_eq!(
        password_secrets.len(),
        built().count() + 1,
        "{COMPOSE_FILE}: a password secret for postgres and for each service"
    );
    let passwords: BTreeSet<&String> = password_secrets
        .iter()
        .map(|name| &contents[&secret_file_name(name)])
        .collect();
    assert_eq!(
        passwords.len(),
        password_secrets.len(),
        "{MAKE_SECRETS}: the passwords are not all different"
    );
    // Run again: everything is kept (the database already has these passwords).
    let again = make_secrets(&dir);
    assert!(
        !again.contains("made"),
        "{MAKE_SECRETS} made secrets again:\n{again}"
    );
    for (file, content) in &contents {
        assert_eq!(
            &read_secret(&dir, file),
            content,
            "{MAKE_SECRETS} changed {file}"
        );
    }
}

/// `psql -c sql` as `user` with `password` into `database`: its stdout, or its stderr as
/// the error.
fn psql_as(
    postgres: &TempPostgres,
    user: &str,
    password: &str,
    database: &str,
    sql: &str,
) -> Result<String, String> {
    let out = output(
        Command::new(tools().postgres_bin.join("psql"))
            .env("PGPASSWORD", password)
            .env_remove("PGUSER")
            .env_remove("PGDATABASE")
            .args([
                "-X",
                "-A",
                "-t",
                "-w",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
            ])
            .arg(postgres.port().to_string())
            .args(["-U", user, "-d", database, "-c", sql]),
    );
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `postgres-init.sh` set up as the image runs it (bash, `POSTGRES_USER` set), against
/// `postgres`, reading the passwords from `secrets_dir`; for every service, as compose
/// runs it, unless `STOREFRONT_DATABASES` is set on it.
fn init_script(postgres: &TempPostgres, secrets_dir: &Path) -> Command {
    let bin = tools().postgres_bin;
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin];
    paths.extend(std::env::split_paths(&path));
    let mut command = postgres.client("bash");
    command
        .arg(root().join(INIT_SCRIPT))
        .env("POSTGRES_USER", "postgres")
        .env("STOREFRONT_SECRETS_DIR", secrets_dir)
        .env_remove("STOREFRONT_DATABASES")
        .env("PATH", std::env::join_paths(paths).expect("PATH"));
    command
}

fn run_init_script(postgres: &TempPostgres, secrets_dir: &Path) {
    stdout_of(&mut init_script(postgres, secrets_dir));
}

#[test]
fn postgres_init_gives_each_service_a_database_only_it_can_open() {
    use std::os::unix::fs::PermissionsExt;
    // Mounted where the image runs it, as a file it can execute.
    assert!(
        mounts("postgres").iter().any(|(source, target, read_only)| {
            Path::new(source) == root().join(INIT_SCRIPT)
                && target.starts_with("/docker-entrypoint-initdb.d/")
                && target.ends_with(".sh")
                && *read_only
        }),
        "{COMPOSE_FILE}: postgres mounts {INIT_SCRIPT} read-only into /docker-entrypoint-initdb.d/ ({:?})",
        mounts("postgres")
    );
    let mode = std::fs::metadata(root().join(INIT_SCRIPT))
        .unwrap()
        .permissions()
        .mode();
    assert!(
        mode & 0o005 == 0o005,
        "{INIT_SCRIPT} must be readable and executable by others ({mode:o})"
    );

    let scratch = Scratch::new("init");
    let secrets = scratch.0.join("secrets");
    make_secrets(&secrets);
    let postgres = TempPostgres::start_with_password(
        &tools().postgres_bin,
        &read_secret(&secrets, "postgres-password"),
    )
    .expect("starting PostgreSQL with password authentication");
    // The superuser's own ways in, with the password the server now asks for.
    let bin = tools().postgres_bin;
    postgres
        .execute(&bin, "postgres", "SELECT 1")
        .expect("TempPostgres::execute with password authentication");
    let scratch_url = postgres
        .create_database(&bin, "scratch")
        .expect("TempPostgres::create_database with password authentication");
    stdout_of(
        Command::new(bin.join("psql"))
            .env_remove("PGPASSWORD")
            .args(["-X", "-w", "-c", "SELECT 1"])
            .arg(&scratch_url),
    );
    run_init_script(&postgres, &secrets);
    // The image runs it once; running it again must not fail nor change anything.
    run_init_script(&postgres, &secrets);

    let slices: Vec<&str> = built().map(|slice| slice.name).collect();
    for name in &slices {
        let password = read_secret(&secrets, &format!("{name}-db-password"));
        let who = psql_as(
            &postgres,
            name,
            &password,
            name,
            "SELECT current_user || ' ' || current_database()",
        )
        .unwrap_or_else(|error| {
            panic!("{INIT_SCRIPT}: role {name} cannot open database {name}: {error}")
        });
        assert_eq!(who, format!("{name} {name}"));
        // Its migrations create tables in the public schema.
        psql_as(
            &postgres,
            name,
            &password,
            name,
            "CREATE TABLE migrations_work (id int); DROP TABLE migrations_work",
        )
        .unwrap_or_else(|error| {
            panic!("{INIT_SCRIPT}: role {name} cannot create tables in {name}: {error}")
        });
        let error = psql_as(&postgres, name, "not-the-password", name, "SELECT 1")
            .err()
            .unwrap_or_else(|| panic!("{INIT_SCRIPT}: role {name} got in with a wrong password"));
        assert!(
            error.contains("password authentication failed"),
            "{INIT_SCRIPT}: role {name} with a wrong password: {error}"
        );
        for other in slices.iter().filter(|other| *other != name) {
            let error = psql_as(&postgres, name, &password, other, "SELECT 1")
                .err()
                .unwrap_or_else(|| {
                    panic!("{INIT_SCRIPT}: role {name} can open {other}'s database")
                });
            assert!(
                error.contains("permission denied"),
                "{INIT_SCRIPT}: role {name} opening database {other}: {error}"
            );
        }
        let error = psql_as(&postgres, name, &password, "postgres", "SELECT 1")
            .err()
            .unwrap_or_else(|| panic!("{INIT_SCRIPT}: role {name} can open the postgres database"));
        assert!(
            error.contains("permission denied"),
            "{INIT_SCRIPT}: {name} opening postgres: {error}"
        );
    }
}

/// Each Kubernetes database (deploy/k8s/base/<slice>-db.yaml) runs the same script for its
/// own service only, with that service's password beside the superuser's and no other.
#[test]
fn postgres_init_makes_only_the_databases_it_is_told() {
    let scratch = Scratch::new("init-one");
    let secrets = scratch.0.join("secrets");
    make_secrets(&secrets);
    let superuser = read_secret(&secrets, "postgres-password");
    let postgres = TempPostgres::start_with_password(&tools().postgres_bin, &superuser)
        .expect("starting PostgreSQL with password authentication");
    // What the cart-db pod mounts for the script: cart-service's password only.
    let mounted = scratch.0.join("cart-db");
    std::fs::create_dir_all(&mounted).unwrap();
    std::fs::copy(
        secrets.join("cart-db-password"),
        mounted.join("cart-db-password"),
    )
    .unwrap();
    stdout_of(init_script(&postgres, &mounted).env("STOREFRONT_DATABASES", "cart"));

    let query = |sql: &str| {
        psql_as(&postgres, "postgres", &superuser, "postgres", sql)
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    };
    assert_eq!(
        query("SELECT string_agg(rolname, ' ' ORDER BY rolname) FROM pg_roles WHERE rolname !~ '^pg_'"),
        "cart postgres",
        "{INIT_SCRIPT} with STOREFRONT_DATABASES=cart: the roles"
    );
    assert_eq!(
        query("SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database"),
        "cart postgres template0 template1",
        "{INIT_SCRIPT} with STOREFRONT_DATABASES=cart: the databases"
    );
    assert_eq!(
        query(
            "SELECT rolsuper::text || ' ' || pg_get_userbyid(datdba) FROM pg_roles, pg_database \
             WHERE rolname = 'cart' AND datname = 'cart'"
        ),
        "false cart",
        "{INIT_SCRIPT}: role cart is no superuser and owns database cart"
    );
    let password = read_secret(&secrets, "cart-db-password");
    assert_eq!(
        psql_as(&postgres, "cart", &password, "cart", "SELECT current_user").as_deref(),
        Ok("cart"),
        "{INIT_SCRIPT}: role cart opens database cart"
    );
    let error = psql_as(&postgres, "cart", &password, "postgres", "SELECT 1")
        .expect_err("role cart opens the postgres database");
    assert!(error.contains("permission denied"), "{error}");

    // The superuser itself is never a service's role.
    let out = output(init_script(&postgres, &mounted).env("STOREFRONT_DATABASES", "postgres"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("is the superuser"),
        "{INIT_SCRIPT} with STOREFRONT_DATABASES=postgres ({}): {stderr}",
        out.status
    );
}

#[test]
fn server_environment_names_are_their_own() {
    for (_, tier, server) in servers() {
        let prefix = format!("{}__", server.replace('-', "_").to_uppercase());
        for key in environment(&server).keys() {
            let known = key.starts_with(&prefix)
                || key == "RUST_LOG"
                || (tier == Tier::Service && key.starts_with("DATABASE_"));
            assert!(
                known,
                "{COMPOSE_FILE}: {server} sets {key}, which is neither {prefix}*, RUST_LOG{}",
                if tier == Tier::Service {
                    " nor DATABASE_*"
                } else {
                    ""
                }
            );
        }
    }
}

#[test]
fn each_server_is_pointed_at_the_services_it_calls() {
    for (slice, tier, server) in servers() {
        let environment = environment(&server);
        // A BFF calls its own service; a service, the services its slice calls.
        let called: Vec<&Slice> = match tier {
            Tier::Bff => vec![slice],
            Tier::Service => slice.called().collect(),
        };
        let expected: BTreeMap<String, String> = called
            .iter()
            .map(|other| {
                (
                    slice.service_url_env(tier, other),
                    format!("http://{}:8080", other.package(Tier::Service)),
                )
            })
            .collect();
        let given: BTreeMap<String, String> = environment
            .iter()
            .filter(|(key, _)| key.ends_with("_SERVICE_URL"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        assert_eq!(given, expected, "{COMPOSE_FILE}: {server}'s service URLs");
    }
}

#[test]
fn only_the_signing_service_holds_the_private_key() {
    let key_path = format!("{SECRETS_MOUNT}identity-signing-key");
    let public_path = format!("{SECRETS_MOUNT}identity-public-key");
    for (name, _) in services() {
        let holds_private_key = mounted_secrets(name)
            .values()
            .any(|secret| secret == "identity-signing-key");
        let signs =
            built().any(|slice| slice.signs_identity && slice.package(Tier::Service) == *name);
        assert_eq!(
            holds_private_key,
            signs,
            "{COMPOSE_FILE}: {name} {} the identity signing key",
            if signs {
                "must mount"
            } else {
                "must not mount"
            }
        );
    }
    for (slice, tier, server) in servers() {
        let environment = environment(&server);
        match tier {
            Tier::Bff => assert_eq!(
                environment.get(&slice.env(tier, "IDENTITY_PUBLIC_KEY_FILE")),
                Some(&public_path),
                "{COMPOSE_FILE}: every BFF verifies identity tokens with the public key ({server})"
            ),
            Tier::Service if slice.signs_identity => assert_eq!(
                environment.get(&slice.env(tier, "SIGNING_KEY_FILE")),
                Some(&key_path),
                "{COMPOSE_FILE}: {server} signs identity tokens with the mounted key"
            ),
            Tier::Service => {}
        }
    }
}

/// A server started natively with its compose environment.
struct Running {
    child: Child,
    command: Command,
}

/// Where the parity test puts each server, and how compose values map to them.
struct Natively {
    scratch: PathBuf,
    /// The host port standing in for each server's container port 8080.
    ports: BTreeMap<String, u16>,
    postgres_port: u16,
    /// Whether to run as the container's user (possible when we are root).
    as_container_user: bool,
}

impl Natively {
    /// Emulates compose's secret mounts for `name`: each mounted secret's file, hard-linked
    /// (same file, same owner and mode — what a bind mount shows) at
    /// `<scratch>/mounts/<name>/run/secrets/<secret>`. Returns that mount root.
    fn mount_secrets(&self, name: &str, secrets_dir: &Path) -> PathBuf {
        let mount_root = self.scratch.join("mounts").join(name);
        for (target, secret) in mounted_secrets(name) {
            let link = mount_root.join(target.trim_start_matches('/'));
            std::fs::create_dir_all(link.parent().unwrap()).unwrap();
            let file = secrets_dir.join(secret_file_name(&secret));
            std::fs::hard_link(&file, &link).unwrap_or_else(|error| {
                panic!("linking {} at {}: {error}", file.display(), link.display())
            });
        }
        mount_root
    }

    /// `name`'s compose environment, with only the container-only parts replaced.
    fn environment(&self, name: &str, mount_root: &Path) -> BTreeMap<String, String> {
        environment(name)
            .into_iter()
            .map(|(key, value)| {
                let mapped = if key.ends_with("__HOST") {
                    assert_eq!(
                        value, "0.0.0.0",
                        "{COMPOSE_FILE}: {name}'s {key}: in its container it must listen on every interface"
                    );
                    "127.0.0.1".to_owned()
                } else if key.ends_with("__PORT") {
                    assert_eq!(value, "8080", "{COMPOSE_FILE}: {name}'s {key}: every server listens on 8080");
                    self.ports[name].to_string()
                } else if key == "DATABASE_URL" {
                    let container_host = "@postgres:5432/";
                    assert!(
                        value.starts_with("postgres://") && value.contains(container_host),
                        "{COMPOSE_FILE}: {name}'s DATABASE_URL={value} is not the postgres service's"
                    );
                    value.replace(container_host, &format!("@127.0.0.1:{}/", self.postgres_port))
                } else if value == SECRETS_MOUNT.trim_end_matches('/') {
                    mount_root.join("run/secrets").display().to_string()
                } else if let Some(secret) = value.strip_prefix(SECRETS_MOUNT) {
                    mount_root.join("run/secrets").join(secret).display().to_string()
                } else if let Some(rest) = value.strip_prefix("http://") {
                    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
                    let (host, port) = host.split_once(':').unwrap_or((host, "80"));
                    assert!(
                        services().contains_key(host) && port == "8080",
                        "{COMPOSE_FILE}: {name}'s {key}={value} is not a compose service's port 8080"
                    );
                    assert!(
                        !shared_networks(name, host).is_empty(),
                        "{COMPOSE_FILE}: {name}'s {key} names {host}, which shares no network with it"
                    );
                    let port = self.ports.get(host).unwrap_or_else(|| panic!("{host} is not a server"));
                    let path = if path.is_empty() { String::new() } else { format!("/{path}") };
                    format!("http://127.0.0.1:{port}{path}")
                } else {
                    value
                };
                (key, mapped)
            })
            .collect()
    }

    /// The server binary, as the container's user can run it: a copy, mode 0755, in the
    /// scratch directory (under the system's temporary directory). The build's own may be
    /// out of that user's reach: a clone in root's private home, say, where uid 65532
    /// cannot even look into `target/`.
    fn binary(&self, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let built = xtask::workspace::binary("debug", name);
        assert!(
            built.is_file(),
            "{} is missing: build the servers first (`cargo build -p {name}`; `cargo xtask test` does)",
            built.display()
        );
        let dir = self.scratch.join("bin");
        let copy = dir.join(name);
        if !copy.is_file() {
            std::fs::create_dir_all(&dir).unwrap();
            for path in [&self.scratch, &dir] {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
            std::fs::copy(&built, &copy)
                .unwrap_or_else(|error| panic!("copying {}: {error}", built.display()));
            std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        copy
    }

    /// The server binary with exactly `environment`, in a directory it cannot write (its
    /// image's root filesystem is read-only), as the container's user when possible.
    fn command(&self, name: &str, environment: &BTreeMap<String, String>) -> Command {
        let mut command = Command::new(self.binary(name));
        command
            .env_clear()
            .envs(environment)
            .current_dir(self.scratch.join("root"));
        if self.as_container_user {
            use std::os::unix::process::CommandExt;
            command.uid(CONTAINER_USER).gid(CONTAINER_USER);
        }
        command
    }

    /// Starts `name` and waits until its `--health-check` exits 0, as the container's
    /// healthcheck would. A port another program took since it was picked is picked
    /// again (the servers that call this one start later, with the new one).
    fn start(&mut self, name: &str, secrets_dir: &Path) -> Running {
        let mount_root = self.mount_secrets(name, secrets_dir);
        for attempt in 1.. {
            let environment = self.environment(name, &mount_root);
            let mut child = Child::spawn(
                name,
                self.command(name, &environment),
                &self
                    .scratch
                    .join("logs")
                    .join(format!("{name}-{attempt}.log")),
            )
            .unwrap_or_else(|error| panic!("starting {name}: {error:#}"));
            let mut probe = self.command(name, &environment);
            probe.arg("--health-check");
            let deadline = Instant::now() + READY_DEADLINE;
            loop {
                if let Some(status) = child.exited() {
                    let log = std::fs::read_to_string(child.log()).unwrap_or_default();
                    if log.contains("Address already in use") && attempt < 3 {
                        break;
                    }
                    panic!(
                        "{}",
                        child.report(&format!(
                            "exited ({status}) with its {COMPOSE_FILE} environment {environment:?}"
                        ))
                    );
                }
                let check = output(&mut probe);
                if check.status.success() {
                    return Running {
                        child,
                        command: probe,
                    };
                }
                if Instant::now() > deadline {
                    panic!(
                        "{}\nIts --health-check: {}",
                        child.report(&format!("was not healthy within {READY_DEADLINE:?}")),
                        String::from_utf8_lossy(&check.stderr)
                    );
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            self.ports
                .insert(name.to_owned(), free_port().expect("a free port"));
        }
        unreachable!("the loop returns or panics")
    }
}

/// The servers in an order compose could start them: each after what it depends on.
fn start_order() -> Vec<String> {
    let mut order: Vec<String> = vec![];
    let mut pending: Vec<String> = servers().into_iter().map(|(_, _, name)| name).collect();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|name| {
                depends_on(name)
                    .keys()
                    .filter(|other| is_server(other))
                    .all(|other| order.contains(other))
            })
            .unwrap_or_else(|| {
                panic!("{COMPOSE_FILE}: the servers' depends_on form a cycle: {pending:?}")
            });
        order.push(pending.remove(ready));
    }
    order
}

#[test]
fn each_server_starts_with_exactly_its_compose_environment() {
    let scratch = Scratch::new("parity");
    let secrets = scratch.0.join("secrets");
    make_secrets(&secrets);
    // The servers' working directory, like their images' read-only root.
    std::fs::create_dir_all(scratch.0.join("root")).unwrap();
    let postgres = TempPostgres::start_with_password(
        &tools().postgres_bin,
        &read_secret(&secrets, "postgres-password"),
    )
    .expect("starting PostgreSQL with password authentication");
    let as_container_user = is_root();
    let mut natively = Natively {
        scratch: scratch.0.clone(),
        ports: servers()
            .into_iter()
            .map(|(_, _, name)| (name, free_port().expect("a free port")))
            .collect(),
        postgres_port: postgres.port(),
        as_container_user,
    };
    // The postgres container's init, with its own environment and mounts.
    let postgres_mounts = natively.mount_secrets("postgres", &secrets);
    let postgres_env = natively.environment("postgres", &postgres_mounts);
    let secrets_dir = postgres_env
        .get("STOREFRONT_SECRETS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| postgres_mounts.join("run/secrets"));
    run_init_script(&postgres, &secrets_dir);

    let order = start_order();
    let mut running = vec![];
    for name in &order {
        running.push(natively.start(name, &secrets));
    }
    // Each service migrated its own database, as its own role.
    for slice in built() {
        let tables = psql_as(
            &postgres,
            "postgres",
            postgres.password().expect("password mode"),
            slice.name,
            &format!(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = '{}'",
                slice.name
            ),
        )
        .unwrap_or_else(|error| panic!("reading {}'s tables: {error}", slice.name));
        assert_ne!(
            tables,
            "0",
            "{} has no tables in its database: it did not use its compose DATABASE_URL",
            slice.package(Tier::Service)
        );
    }
    // All healthy together (a BFF's readiness asks its service).
    for server in &mut running {
        let check = output(&mut server.command);
        assert!(
            check.status.success(),
            "{}",
            server.child.report(&format!(
                "failed its health check once everything ran: {}",
                String::from_utf8_lossy(&check.stderr)
            ))
        );
    }
    if !as_container_user {
        eprintln!("not root: the servers ran as this user, not as uid {CONTAINER_USER}");
    }
    // Stop BFFs before their services.
    while let Some(mut server) = running.pop() {
        server.child.stop(Duration::from_secs(5));
    }
}

/// Whether this process runs as root (which owns `/proc/self` is who we are).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}
