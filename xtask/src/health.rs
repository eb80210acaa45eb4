//! Waiting for servers to become healthy, over plain HTTP/1.1 on loopback.

use crate::process::Child;
use anyhow::{bail, Result};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// GETs `http://127.0.0.1:{port}{path}` and returns the status code and body. Reads
/// exactly `Content-Length` bytes when given (some servers keep the connection open
/// whatever the request says), otherwise until the server closes.
pub fn get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )?;
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    let (head_end, content_length) = loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        received.extend_from_slice(&buffer[..n]);
        if let Some(end) = received.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse::<usize>().ok());
            break (end + 4, length);
        }
    };
    match content_length {
        Some(length) => {
            while received.len() < head_end + length {
                let n = stream.read(&mut buffer)?;
                if n == 0 {
                    break;
                }
                received.extend_from_slice(&buffer[..n]);
            }
        }
        None => {
            stream.read_to_end(&mut received)?;
        }
    }
    let text = String::from_utf8_lossy(&received);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    Ok((status, text[head_end.min(text.len())..].to_owned()))
}

/// Polls until `path` answers 200, failing early (with its log) if `child` exits.
pub fn wait_until_ready(child: &mut Child, port: u16, path: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok((200, _)) = get(port, path) {
            return Ok(());
        }
        if let Some(status) = child.exited() {
            bail!(
                "{} exited ({status}) before it was ready. Last lines of {}:\n{}",
                child.name(),
                child.log().display(),
                child.log_tail(20)
            );
        }
        if Instant::now() > deadline {
            bail!(
                "{} was not ready at :{port}{path} after {timeout:?}. Last lines of {}:\n{}",
                child.name(),
                child.log().display(),
                child.log_tail(20)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
