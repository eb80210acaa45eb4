//! `<server> --health-check`: the container health probe, run by the server's own binary.
//!
//! The shop's images are distroless — no shell, no curl — so Docker, compose and
//! Kubernetes probe a server by running its binary again with `--health-check`. That
//! process reads the same configuration as the server (so the same `<SERVER>__PORT`),
//! asks `GET <ready path>` of `127.0.0.1:<port>` over plain blocking HTTP/1.1, and exits
//! 0 when the answer is 200, 1 otherwise, with one line on stderr saying why (the
//! status it got, the connection refused, the time-out). The probe runs inside the
//! server's container, so loopback reaches it whether it binds `127.0.0.1` or `0.0.0.0`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// The longest the probe waits to connect, to send its request, and for each read.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// The longest status line read; a real one is about 20 bytes.
const STATUS_LINE_LIMIT: u64 = 1024;

/// Every server's `main`: given `--health-check`, asks the server this configuration
/// describes (`port()`) whether it is ready at `ready_path` and exits 0 or 1 (see
/// [`check`]); otherwise runs `serve` on actix's runtime until the server stops.
pub fn serve_or_check<F>(
    ready_path: &str,
    port: impl FnOnce() -> anyhow::Result<u16>,
    serve: impl FnOnce() -> F,
) -> anyhow::Result<ExitCode>
where
    F: std::future::Future<Output = anyhow::Result<()>>,
{
    if std::env::args().nth(1).as_deref() == Some("--health-check") {
        return Ok(check(port()?, ready_path));
    }
    actix_web::rt::System::new().block_on(serve())?;
    Ok(ExitCode::SUCCESS)
}

/// Asks `GET path` of the server on `127.0.0.1:port`: [`ExitCode::SUCCESS`] when it
/// answers 200, otherwise a line on stderr saying why and [`ExitCode::FAILURE`] (1).
pub fn check(port: u16, path: &str) -> ExitCode {
    match probe(port, path, TIMEOUT) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("health check of http://127.0.0.1:{port}{path} failed: {reason}");
            ExitCode::FAILURE
        }
    }
}

/// The probe behind [`check`]: `Ok` when `GET path` on `127.0.0.1:port` answers 200
/// within `timeout` per step (connect, write, each read), otherwise why not.
pub fn probe(port: u16, path: &str, timeout: Duration) -> Result<(), String> {
    if !path.starts_with('/') || path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{path:?} is not a request path"));
    }
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&address, timeout)
        .map_err(|error| describe("connecting", error, timeout))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|error| describe("setting the time-outs", error, timeout))?;
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: health-check\r\n\
         Connection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|error| describe("sending the request", error, timeout))?;
    let mut status_line = String::new();
    BufReader::new(stream.take(STATUS_LINE_LIMIT))
        .read_line(&mut status_line)
        .map_err(|error| describe("reading the answer", error, timeout))?;
    let status_line = status_line.trim_end();
    if status_line.is_empty() {
        return Err("the server closed the connection without answering".to_owned());
    }
    let mut parts = status_line.split(' ');
    match (parts.next(), parts.next()) {
        (Some(version), Some("200")) if version.starts_with("HTTP/") => Ok(()),
        (Some(version), Some(_)) if version.starts_with("HTTP/") => {
            Err(format!("answered {}", &status_line[version.len() + 1..]))
        }
        _ => Err(format!(
            "answered something that is not HTTP: {status_line:?}"
        )),
    }
}

/// One readable reason for an I/O error of the probe.
fn describe(step: &str, error: std::io::Error, timeout: Duration) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::ConnectionRefused => {
            "connection refused (nothing listens on that port)".to_owned()
        }
        // A read or write time-out is WouldBlock on Unix, TimedOut on Windows.
        ErrorKind::TimedOut | ErrorKind::WouldBlock => {
            format!("timed out {step} after {} ms", timeout.as_millis())
        }
        _ => format!("{step}: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread::JoinHandle;

    /// A one-shot server on a free loopback port: it reads one request, answers `answer`
    /// and hands back the request it read.
    fn answering(answer: &'static str) -> (u16, JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream);
            let mut request = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
                request.push_str(&line);
            }
            reader.get_mut().write_all(answer.as_bytes()).unwrap();
            request
        });
        (port, server)
    }

    #[test]
    fn a_200_is_healthy() {
        let (port, server) =
            answering("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
        assert_eq!(probe(port, "/api/catalog/readyz", TIMEOUT), Ok(()));
        let request = server.join().unwrap();
        assert!(
            request.starts_with("GET /api/catalog/readyz HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(request.contains("Host: 127.0.0.1\r\n"), "{request}");
        assert!(request.contains("Connection: close\r\n"), "{request}");
    }

    /// `ExitCode` has no `PartialEq`; its `Debug` tells the codes apart.
    fn same(left: ExitCode, right: ExitCode) -> bool {
        format!("{left:?}") == format!("{right:?}")
    }

    #[test]
    fn check_turns_the_probe_into_the_exit_code() {
        let (port, server) = answering("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        assert!(same(check(port, "/readyz"), ExitCode::SUCCESS));
        server.join().unwrap();

        let (port, server) = answering("HTTP/1.1 500 Internal Server Error\r\n\r\n");
        assert!(same(check(port, "/readyz"), ExitCode::FAILURE));
        server.join().unwrap();
    }

    #[test]
    fn a_503_is_unhealthy_and_says_so() {
        let (port, server) =
            answering("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n");
        let reason = probe(port, "/readyz", TIMEOUT).unwrap_err();
        assert_eq!(reason, "answered 503 Service Unavailable");
        server.join().unwrap();
    }

    #[test]
    fn nothing_listening_is_unhealthy_and_says_so() {
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let reason = probe(port, "/readyz", TIMEOUT).unwrap_err();
        assert!(reason.contains("connection refused"), "{reason}");
    }

    #[test]
    fn a_server_that_never_answers_times_out() {
        // Bound but never accepting: the kernel completes the connection, nobody answers.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let reason = probe(port, "/readyz", Duration::from_millis(100)).unwrap_err();
        assert!(reason.contains("timed out reading the answer"), "{reason}");
        drop(listener);
    }

    #[test]
    fn a_closed_connection_or_garbage_is_unhealthy() {
        let (port, server) = answering("");
        let reason = probe(port, "/readyz", TIMEOUT).unwrap_err();
        assert!(reason.contains("without answering"), "{reason}");
        server.join().unwrap();

        let (port, server) = answering("SSH-2.0-OpenSSH\r\n");
        let reason = probe(port, "/readyz", TIMEOUT).unwrap_err();
        assert!(reason.contains("not HTTP"), "{reason}");
        server.join().unwrap();
    }

    #[test]
    fn paths_that_would_break_the_request_are_refused() {
        assert!(probe(1, "readyz", TIMEOUT).is_err());
        assert!(probe(1, "/readyz HTTP/1.0\r\nX: y", TIMEOUT).is_err());
    }
}
