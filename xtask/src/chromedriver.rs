//! chromedriver, for the browser tests and the benchmarks.

use crate::health;
use crate::process::{free_port, Child};
use anyhow::Result;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// Starts `binary` on a free loopback port (another one if that was taken meanwhile),
/// waits until it answers, and returns it with its WebDriver URL. It is stopped (by PID)
/// when the returned child is dropped.
pub fn start(binary: &Path, log: &Path) -> Result<(Child, String)> {
    let mut last_error = None;
    for _ in 0..3 {
        let port = free_port()?;
        let mut command = Command::new(binary);
        command.arg(format!("--port={port}"));
        let mut child = Child::spawn("chromedriver", command, log)?;
        match health::wait_until_ready(&mut child, port, "/status", Duration::from_secs(20)) {
            Ok(()) => return Ok((child, format!("http://127.0.0.1:{port}"))),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("chromedriver did not start")))
}
