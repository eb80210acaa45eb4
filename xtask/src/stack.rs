//! The whole shop running locally: every service and BFF, and nginx in front, on loopback.

use crate::gateway::Gateway;
use crate::health::wait_until_ready;
use crate::process::{cargo, free_port, run, Child};
use crate::site::{Descriptor, Site};
use crate::tools::{step, Tools};
use crate::{mfe, workspace};
use anyhow::{bail, Result};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Build profile of the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Debug => "debug",
            Profile::Release => "release",
        }
    }
}

/// Every process of the shop; stopped (by PID, in reverse order) when dropped.
pub struct Stack {
    pub children: Vec<Child>,
    /// The shop's port on 127.0.0.1.
    pub port: u16,
    pub catalog_service_port: u16,
    pub catalog_bff_port: u16,
}

impl Drop for Stack {
    fn drop(&mut self) {
        while let Some(mut child) = self.children.pop() {
            child.stop(Duration::from_secs(10));
        }
    }
}

/// The site served from `state`.
pub fn site(state: &Path) -> Site {
    Site::new(state.join("site"))
}

/// Builds MFE `name` and makes that build live in `site`. Returns its version.
pub fn publish(site: &Site, name: &str, tools: &Tools) -> Result<String> {
    let build = mfe::build(name, tools)?;
    let version = site.publish(name, &build, Descriptor::read(name)?)?;
    step(&format!("{name} MFE {version} is live"));
    Ok(version)
}

/// Builds everything and starts the shop on `port`, keeping its site, databases, logs and
/// nginx files under `state` (`var/` for `cargo xtask up`).
pub fn start(tools: &Tools, profile: Profile, port: u16, state: &Path) -> Result<Stack> {
    if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        bail!("port {port} is in use; choose another with --port N");
    }
    step("building the services and BFFs");
    let mut build = cargo();
    build.args(["build", "-p", "catalog-service", "-p", "catalog-bff"]);
    if profile == Profile::Release {
        build.arg("--release");
    }
    run(&mut build)?;
    let site = site(state);
    site.install_shell()?;
    for name in mfe::names()? {
        publish(&site, &name, tools)?;
    }

    let logs = state.join("log");
    let mut stack = Stack {
        children: vec![],
        port,
        catalog_service_port: free_port()?,
        catalog_bff_port: free_port()?,
    };
    let database_url = std::env::var("STOREFRONT_CATALOG_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            state.join("data/catalog.db").display()
        )
    });
    // In start order: each is ready before the next, which may call it, starts.
    let servers = [
        Server {
            name: "catalog-service",
            port: stack.catalog_service_port,
            ready_path: "/readyz",
            env: vec![
                (
                    "CATALOG_SERVICE__PORT",
                    stack.catalog_service_port.to_string(),
                ),
                ("DATABASE_URL", database_url),
            ],
        },
        Server {
            name: "catalog-bff",
            port: stack.catalog_bff_port,
            ready_path: "/api/catalog/readyz",
            env: vec![
                ("CATALOG_BFF__PORT", stack.catalog_bff_port.to_string()),
                (
                    "CATALOG_BFF__CATALOG_SERVICE_URL",
                    format!("http://127.0.0.1:{}", stack.catalog_service_port),
                ),
            ],
        },
    ];
    step("starting the services, the BFFs and nginx");
    for server in servers {
        let mut command = Command::new(workspace::binary(profile.dir(), server.name));
        command.env("NO_COLOR", "1").envs(server.env);
        let log = logs.join(format!("{}.log", server.name));
        let mut child = Child::spawn(server.name, command, &log)?;
        // The first start of a service migrates and seeds its database.
        wait_until_ready(
            &mut child,
            server.port,
            server.ready_path,
            Duration::from_secs(60),
        )?;
        stack.children.push(child);
    }

    let gateway = Gateway {
        port,
        site_root: site.root().to_owned(),
        catalog_bff: format!("127.0.0.1:{}", stack.catalog_bff_port),
        runtime_dir: state.join("nginx"),
        log_dir: logs,
    };
    stack.children.push(gateway.start(&tools.nginx)?);
    Ok(stack)
}

/// A server process of the shop and how to tell it is ready.
struct Server {
    name: &'static str,
    port: u16,
    ready_path: &'static str,
    env: Vec<(&'static str, String)>,
}

/// `var/` — the state of `cargo xtask up`.
pub fn default_state() -> PathBuf {
    workspace::var_dir()
}
