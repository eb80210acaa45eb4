//! The supervisor keeping stand-in servers running (a few lines of Python that behave as
//! the shop's servers do at start-up: bind the port they are told, 0 for any, report it
//! in `STOREFRONT_PORT_FILE`, answer 200): a killed replica comes back on its port while
//! the others keep running; one whose port another program took comes back on a new port,
//! and a server that was told its old address is started again with the new one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;
use xtask::slices::{self, Tier};
use xtask::supervisor::{Health, Launch, Supervisor};

/// A server in the shop's manner; its answer is the address it was told to call.
const STAND_IN: &str = r#"
import http.server, os
class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = os.environ.get("CALLS", "").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(os.environ["STAND_IN_PORT"])), Answer)
port_file = os.environ["STOREFRONT_PORT_FILE"]
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
"#;

fn python() -> PathBuf {
    xtask::tools::which("python3").expect("python3 runs the stand-in servers")
}

/// A directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("xtask-supervisor-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn launch(scratch: &Scratch, tier: Tier, number: usize, calls: Option<String>) -> Launch {
    let slice = slices::get("catalog").unwrap();
    let label = format!("{}-{number}", slice.package(tier));
    Launch {
        slice,
        tier,
        number,
        program: python(),
        args: vec!["-c".into(), STAND_IN.into()],
        env: calls.into_iter().map(|url| ("CALLS".into(), url)).collect(),
        port_env: "STAND_IN_PORT".into(),
        port_file: scratch.0.join(format!("{label}.port")),
        ready_path: "/".into(),
        log: scratch.0.join(format!("{label}.log")),
        label,
    }
}

fn pid_of(supervisor: &Supervisor, server: &str, number: usize) -> Option<u32> {
    supervisor
        .status()
        .into_iter()
        .find(|s| s.server == server && s.number == number)
        .and_then(|s| s.pid)
}

fn get(port: u16) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text.split_once("\r\n\r\n").unwrap().1.to_owned()
}

#[test]
fn a_killed_replica_comes_back_on_its_port_while_the_others_keep_running() {
    let scratch = Scratch::new("killed");
    let mut supervisor = Supervisor::new();
    for number in 1..=2 {
        supervisor
            .start(launch(&scratch, Tier::Service, number, None))
            .unwrap();
    }
    let port = supervisor.port_of("catalog-service", 1).unwrap();
    let sibling = pid_of(&supervisor, "catalog-service", 2).unwrap();

    let killed = supervisor.kill("catalog-service", 1).unwrap();
    let status = supervisor.status();
    assert!(
        matches!(status[0].health, Health::Restarting { .. }),
        "{:?}",
        status[0]
    );
    assert!(status[0].last_exit.as_deref().unwrap().contains("SIGKILL"));
    supervisor
        .wait_until_healthy("catalog-service", 1, Duration::from_secs(15))
        .unwrap();

    let status = supervisor.status();
    let replica = &status[0];
    assert_eq!(replica.port, Some(port), "back on the port it had");
    assert_ne!(replica.pid, Some(killed));
    assert_eq!(replica.restarts, 1);
    assert_eq!(get(port), "");
    assert_eq!(
        pid_of(&supervisor, "catalog-service", 2),
        Some(sibling),
        "the other replica kept running"
    );
}

#[test]
fn a_replica_whose_port_was_taken_comes_back_on_another_and_its_callers_follow() {
    let scratch = Scratch::new("moved");
    let mut supervisor = Supervisor::new();
    supervisor
        .start(launch(&scratch, Tier::Service, 1, None))
        .unwrap();
    let url = supervisor
        .service_url(slices::get("catalog").unwrap())
        .unwrap();
    supervisor
        .start(launch(&scratch, Tier::Bff, 1, Some(url.clone())))
        .unwrap();
    let old_port = supervisor.port_of("catalog-service", 1).unwrap();
    let caller_port = supervisor.port_of("catalog-bff", 1).unwrap();
    let caller = pid_of(&supervisor, "catalog-bff", 1).unwrap();
    assert_eq!(get(caller_port), url);

    supervisor.kill("catalog-service", 1).unwrap();
    // Another program takes the port before the replica comes back.
    let squatter = TcpListener::bind(("127.0.0.1", old_port)).unwrap();
    supervisor
        .wait_until_healthy("catalog-service", 1, Duration::from_secs(15))
        .unwrap();
    supervisor
        .wait_until_all_healthy(Duration::from_secs(15))
        .unwrap();

    let new_port = supervisor.port_of("catalog-service", 1).unwrap();
    assert_ne!(new_port, old_port);
    assert_eq!(get(new_port), "");
    assert_ne!(
        pid_of(&supervisor, "catalog-bff", 1),
        Some(caller),
        "the caller was started again"
    );
    assert_eq!(
        supervisor.port_of("catalog-bff", 1),
        Some(caller_port),
        "on its own port"
    );
    assert_eq!(get(caller_port), format!("http://127.0.0.1:{new_port}"));
    drop(squatter);
}

#[test]
fn stopping_the_supervisor_stops_every_replica() {
    let scratch = Scratch::new("stop");
    let mut supervisor = Supervisor::new();
    supervisor
        .start(launch(&scratch, Tier::Service, 1, None))
        .unwrap();
    let pid = pid_of(&supervisor, "catalog-service", 1).unwrap();
    drop(supervisor);
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}
