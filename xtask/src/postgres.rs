//! A throw-away PostgreSQL server for tests: its own data directory, a free port on
//! loopback, no fsync; stopped by its PID and deleted when dropped.

use crate::process::{self, run};
use anyhow::{Context, Result};
use nix::sys::signal::Signal;
use nix::unistd::{chown, geteuid, User};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub struct TempPostgres {
    dir: PathBuf,
    port: u16,
}

impl TempPostgres {
    /// Initialises and starts a server with the binaries in `bin` (`initdb`, `pg_ctl`).
    pub fn start(bin: &Path) -> Result<Self> {
        let port = process::free_port()?;
        let dir = std::env::temp_dir().join(format!("storefront-pg-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        // initdb refuses to run as root: run the server as the `postgres` user then.
        let owner = if geteuid().is_root() {
            let user = User::from_name("postgres")?
                .context("running as root, and there is no `postgres` user to run PostgreSQL as")?;
            chown(&dir, Some(user.uid), Some(user.gid))?;
            Some(user.name)
        } else {
            None
        };
        let as_owner = |program: &str| {
            let mut command = match &owner {
                Some(user) => {
                    let mut runuser = Command::new("runuser");
                    runuser.args(["-u", user, "--"]).arg(bin.join(program));
                    runuser
                }
                None => Command::new(bin.join(program)),
            };
            command.current_dir(&dir);
            command
        };
        let data = dir.join("data");
        run(as_owner("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .stdout(std::process::Stdio::null()))?;
        let server = Self {
            dir: dir.clone(),
            port,
        };
        run(as_owner("pg_ctl")
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(server.dir.join("postgres.log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                server.dir.display()
            ))
            .args(["-w", "-t", "30", "start"])
            .stdout(std::process::Stdio::null()))?;
        Ok(server)
    }

    /// A URL for the `postgres` database as the superuser `postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn postmaster_pid(&self) -> Option<i32> {
        let pid_file = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).ok()?;
        pid_file.lines().next()?.trim().parse().ok()
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        if let Some(pid) = self.postmaster_pid() {
            // SIGINT is PostgreSQL's "fast shutdown": disconnect clients, stop cleanly.
            process::stop_pid(pid, Signal::SIGINT, Duration::from_secs(10));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
