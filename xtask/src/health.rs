//! Waiting for servers to become healthy, over plain HTTP/1.1 on loopback.

use crate::process::Child;
use anyhow::{bail, Result};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// The status code of `GET http://127.0.0.1:{port}{path}` (only the status line is read).
pub fn status(port: u16, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut head = Vec::new();
    let mut buffer = [0u8; 512];
    while !head.contains(&b'\n') {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..n]);
    }
    Ok(String::from_utf8_lossy(&head)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0))
}

/// Polls until `path` answers 200, failing early (with its log) if `child` exits.
pub fn wait_until_ready(child: &mut Child, port: u16, path: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(200) = status(port, path) {
            return Ok(());
        }
        if let Some(exit) = child.exited() {
            bail!(child.report(&format!("exited ({exit}) before it was ready")));
        }
        if Instant::now() > deadline {
            bail!(child.report(&format!("was not ready at :{port}{path} after {timeout:?}")));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `child` has written the port it listens on to `port_file` (servers do that
/// when started with `STOREFRONT_PORT_FILE`), failing early (with its log) if it exits.
pub fn wait_for_port_file(child: &mut Child, port_file: &Path, timeout: Duration) -> Result<u16> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(port) = std::fs::read_to_string(port_file)
            .ok()
            .and_then(|text| text.trim().parse().ok())
        {
            return Ok(port);
        }
        if let Some(exit) = child.exited() {
            bail!(child.report(&format!("exited ({exit}) before it listened")));
        }
        if Instant::now() > deadline {
            bail!(child.report(&format!("did not report its port after {timeout:?}")));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
