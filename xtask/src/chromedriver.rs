//! chromedriver, for the browser tests and the benchmarks.

use crate::health;
use crate::process::{free_port, Child};
use anyhow::Result;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Starts `binary` on a free loopback port, waits until it answers, and returns it with
/// its WebDriver URL. It is stopped (by PID) when the returned child is dropped.
pub fn start(binary: &Path, log: &Path) -> Result<(Child, String)> {
    let port = free_port()?;
    let mut command = Command::new(binary);
    command.arg(format!("--port={port}"));
    let mut child = Child::spawn("chromedriver", command, log)?;
    health::wait_until_ready(&mut child, port, "/status", Duration::from_secs(20))?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}
