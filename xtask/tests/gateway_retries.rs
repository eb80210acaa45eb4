//! The gateway as `cargo xtask up --replicas N` renders it, run by the real nginx in front
//! of stand-in replicas that record every request they get: one answers, one dies with
//! each request it receives (as a replica killed while it holds a request), one is not
//! there at all. Proves which requests nginx moves on to a live replica and which it never
//! repeats, for the BFFs' locations and the local service balancers alike; and that only
//! the shop's own host names are served and a client's `Forwarded` never reaches a BFF;
//! and which fragments nginx keeps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use xtask::gateway::{Gateway, ServiceBalancer};
use xtask::process::{free_port, Child};
use xtask::slices;

/// What a stand-in replica does with each request it receives.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    /// 200 with a JSON body naming the replica, keeping the connection open.
    Answers,
    /// Reads the whole request, then closes the connection without a word.
    DiesHoldingIt,
}

#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
}

/// A replica on a loopback port, recording what it receives.
struct StandIn {
    address: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl StandIn {
    fn start(name: &'static str, behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let received = Arc::new(Mutex::new(vec![]));
        let log = received.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || serve(stream, name, behaviour, &log));
            }
        });
        Self { address, received }
    }

    fn paths(&self, method: &str) -> Vec<String> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == method)
            .map(|r| r.path.clone())
            .collect()
    }

    fn last(&self) -> Received {
        self.received
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a request")
    }
}

fn serve(stream: TcpStream, name: &str, behaviour: Behaviour, log: &Mutex<Vec<Received>>) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut words = line.split_whitespace();
        let (method, path) = (
            words.next().unwrap_or_default().to_owned(),
            words.next().unwrap_or_default().to_owned(),
        );
        let mut headers = BTreeMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((key, value)) = header.split_once(':') {
                headers.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        log.lock().unwrap().push(Received {
            method,
            path,
            headers,
        });
        if behaviour == Behaviour::DiesHoldingIt {
            return; // the connection closes with the request unanswered
        }
        let body = format!("{{\"replica\":\"{name}\"}}");
        let answer = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// An answer: status and body.
struct Answer {
    status: u16,
    body: String,
}

/// One request on its own connection, with `headers` (a Host of its own if they name one).
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers
        .iter()
        .any(|(key, _)| key.eq_ignore_ascii_case("host"))
    {
        head.push_str(&format!("Host: 127.0.0.1:{port}\r\n"));
    }
    for (key, value) in headers {
        head.push_str(&format!("{key}: {value}\r\n"));
    }
    let body = if method == "GET" { "" } else { "{}" };
    if !body.is_empty() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    stream
        .write_all(format!("{head}\r\n{body}").as_bytes())
        .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    Answer { status, body }
}

fn nginx() -> PathBuf {
    std::env::var_os("STOREFRONT_NGINX")
        .map(PathBuf::from)
        .or_else(|| xtask::tools::which("nginx"))
        .expect("nginx is not installed: run `cargo xtask test`, which installs it")
}

/// A directory for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("xtask-gateway-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("site/shell")).unwrap();
        std::fs::write(dir.join("site/shell/loader.js"), "// the shell\n").unwrap();
        std::fs::write(dir.join("site/index.html"), "<!doctype html>\n").unwrap();
        Self(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// nginx rendered as `cargo xtask up` renders it: the catalog BFF's replicas are
/// `catalog`, every other BFF is `others`, and `services` become loopback balancers.
fn gateway(
    scratch: &Scratch,
    catalog: &[&StandIn],
    others: &StandIn,
    services: BTreeMap<String, ServiceBalancer>,
) -> (Child, u16) {
    let bffs = slices::built()
        .map(|slice| {
            let replicas = if slice.name == "catalog" {
                catalog.iter().map(|s| s.address.clone()).collect()
            } else {
                vec![others.address.clone()]
            };
            (slice.name.to_owned(), replicas)
        })
        .collect();
    Gateway {
        port: 0,
        site_root: scratch.0.join("site"),
        bffs,
        services,
        runtime_dir: scratch.0.join("nginx"),
        log_dir: scratch.0.join("log"),
    }
    .start_on_a_free_port(&nginx())
    .expect("nginx starts with the rendering")
}

/// Requests, one after another, until at least `count` were sent and `dies` (when given)
/// has received one of them; returns each one's path and answer. A replica that failed is
/// left out for 2 s (by each nginx worker), so this may take a few seconds.
fn send(
    port: u16,
    method: &str,
    prefix: &str,
    count: usize,
    dies: Option<&StandIn>,
    headers: impl Fn(usize) -> Vec<(&'static str, String)>,
) -> Vec<(String, Answer)> {
    let mut sent = vec![];
    for n in 0..60 {
        let met = dies.is_none_or(|dies| {
            let received = dies.paths(method);
            sent.iter().any(|(path, _)| received.contains(path))
        });
        if n >= count && met {
            return sent;
        }
        let path = format!("{prefix}/{method}-{n}");
        let headers = headers(n);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = request(port, method, &path, &headers);
        sent.push((path, answer));
        std::thread::sleep(Duration::from_millis(150));
    }
    panic!("no {method} reached the dying replica in 60 tries: nothing was proved");
}

/// The BFF's (or balancer's) replicas: one dies holding each request, one answers.
fn pair() -> (StandIn, StandIn) {
    (
        StandIn::start("dies", Behaviour::DiesHoldingIt),
        StandIn::start("answers", Behaviour::Answers),
    )
}

#[test]
fn a_read_is_moved_on_to_a_live_replica_when_the_one_it_reached_dies_holding_it() {
    let scratch = Scratch::new("read");
    let (dies, answers) = pair();
    let (_nginx, port) = gateway(&scratch, &[&dies, &answers], &answers, BTreeMap::new());

    let sent = send(
        port,
        "GET",
        "/api/catalog/products",
        8,
        Some(&dies),
        |_| vec![],
    );

    for (path, answer) in &sent {
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
        assert!(answer.body.contains("\"answers\""), "{}", answer.body);
    }
    for path in dies.paths("GET") {
        assert!(
            answers.paths("GET").contains(&path),
            "GET {path} died with a replica and was not tried on the other"
        );
    }
}

#[test]
fn a_write_without_an_idempotency_key_is_never_repeated_on_another_replica() {
    let scratch = Scratch::new("unkeyed");
    let (dies, answers) = pair();
    let (_nginx, port) = gateway(&scratch, &[&dies, &answers], &answers, BTreeMap::new());

    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let sent = send(
            port,
            method,
            "/api/catalog/things",
            4,
            Some(&dies),
            |_| vec![],
        );
        let died = dies.paths(method);
        for (path, answer) in &sent {
            if died.contains(path) {
                assert!(
                    !answers.paths(method).contains(path),
                    "{method} {path} was repeated on another replica"
                );
                assert_eq!(answer.status, 503, "{method} {path}: {}", answer.body);
                assert!(
                    answer.body.contains("\"catalog_unavailable\""),
                    "{}",
                    answer.body
                );
            } else {
                assert_eq!(answer.status, 200, "{method} {path}: {}", answer.body);
            }
        }
    }
}

#[test]
fn a_write_with_an_idempotency_key_is_repeated_on_another_replica() {
    let scratch = Scratch::new("keyed");
    let (dies, answers) = pair();
    let (_nginx, port) = gateway(&scratch, &[&dies, &answers], &answers, BTreeMap::new());

    for method in ["POST", "PUT", "DELETE"] {
        let sent = send(port, method, "/api/catalog/things", 4, Some(&dies), |n| {
            vec![("Idempotency-Key", format!("key-{method}-{n}"))]
        });
        for (path, answer) in &sent {
            assert_eq!(answer.status, 200, "{method} {path}: {}", answer.body);
            assert!(answers.paths(method).contains(path));
        }
    }
}

#[test]
fn a_request_no_replica_received_is_moved_on_whatever_its_method() {
    let scratch = Scratch::new("refused");
    let answers = StandIn::start("answers", Behaviour::Answers);
    // Nothing listens there: the connection is refused, nothing is sent.
    let gone = StandIn {
        address: format!("127.0.0.1:{}", free_port().unwrap()),
        received: Arc::default(),
    };
    let (_nginx, port) = gateway(&scratch, &[&gone, &answers], &answers, BTreeMap::new());

    for method in ["GET", "POST"] {
        for (path, answer) in send(port, method, "/api/catalog/things", 4, None, |_| vec![]) {
            assert_eq!(answer.status, 200, "{method} {path}: {}", answer.body);
        }
    }
}

#[test]
fn a_service_balancer_moves_reads_on_never_repeats_unkeyed_writes_and_passes_the_request_id() {
    let scratch = Scratch::new("service");
    let (dies, answers) = pair();
    let balancer = free_port().unwrap();
    let services = BTreeMap::from([(
        "catalog".to_owned(),
        ServiceBalancer {
            port: balancer,
            replicas: vec![dies.address.clone(), answers.address.clone()],
        },
    )]);
    let (_nginx, _) = gateway(&scratch, &[&answers], &answers, services);

    for (path, answer) in send(balancer, "GET", "/offers", 4, Some(&dies), |_| vec![]) {
        assert_eq!(answer.status, 200, "GET {path}: {}", answer.body);
    }
    let posts = send(balancer, "POST", "/carts", 4, Some(&dies), |_| vec![]);
    let died = dies.paths("POST");
    for (path, answer) in &posts {
        if died.contains(path) {
            assert!(
                !answers.paths("POST").contains(path),
                "POST {path} was repeated"
            );
            assert_eq!(answer.status, 502, "POST {path}");
        }
    }
    for (path, answer) in send(balancer, "PUT", "/reservations", 4, Some(&dies), |n| {
        vec![("Idempotency-Key", format!("reservation-{n}"))]
    }) {
        assert_eq!(answer.status, 200, "keyed PUT {path}: {}", answer.body);
    }

    // The caller's request as it sent it: its own request id, no gateway headers added.
    request(
        balancer,
        "GET",
        "/products/1",
        &[("X-Request-Id", "from-the-bff")],
    );
    let last = answers.last();
    assert_eq!(
        last.headers.get("x-request-id").map(String::as_str),
        Some("from-the-bff")
    );
    assert!(!last.headers.contains_key("x-forwarded-for"), "{last:?}");
}

#[test]
fn only_the_shops_own_host_names_are_served_and_a_clients_forwarded_is_dropped() {
    let scratch = Scratch::new("hosts");
    let answers = StandIn::start("answers", Behaviour::Answers);
    let (_nginx, port) = gateway(&scratch, &[&answers], &answers, BTreeMap::new());

    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "localhost".into(),
    ] {
        let answer = request(port, "GET", "/shell/loader.js", &[("Host", &host)]);
        assert_eq!(answer.status, 200, "Host: {host}");
    }
    for host in ["shop.example.com", "evil.example:8080", "10.0.0.1"] {
        let api = request(port, "GET", "/api/catalog/products", &[("Host", host)]);
        assert_eq!(api.status, 421, "Host: {host}");
        assert!(
            api.body.contains("\"code\":\"unknown_host\""),
            "{}",
            api.body
        );
        let page = request(port, "GET", "/", &[("Host", host)]);
        assert_eq!(page.status, 421, "Host: {host}");
        assert!(page.body.contains("does not answer to that host name"));
    }
    assert!(
        !answers
            .paths("GET")
            .iter()
            .any(|p| p.starts_with("/api/catalog/products")),
        "a foreign Host reached a BFF"
    );

    let answer = request(
        port,
        "POST",
        "/api/catalog/things",
        &[("Forwarded", "for=1.2.3.4;proto=https;host=evil.example")],
    );
    assert_eq!(answer.status, 200);
    let received = answers.last();
    assert!(!received.headers.contains_key("forwarded"), "{received:?}");
    assert_eq!(
        received.headers.get("host").map(String::as_str),
        Some(format!("127.0.0.1:{port}").as_str())
    );
}

/// A shopper's header fragments are rendered for them on every page; a page request with
/// no cookie at all is nobody's (no cart, no identity), so its fragments are kept a second
/// and shared, like the catalog's — per page, since "Sign in" comes back to it.
#[test]
fn only_the_fragments_of_a_request_without_cookies_are_kept() {
    let scratch = Scratch::new("fragment-cache");
    std::fs::write(
        scratch.0.join("site/index.html"),
        "<!doctype html>\n<!--# include virtual=\"/_fragments/cart/badge\" -->\n\
         <!--# include virtual=\"/_fragments/account/menu\" -->\n",
    )
    .unwrap();
    let catalog = StandIn::start("catalog", Behaviour::Answers);
    let others = StandIn::start("others", Behaviour::Answers);
    let (_nginx, port) = gateway(&scratch, &[&catalog], &others, BTreeMap::new());
    let rendered = || {
        others
            .paths("GET")
            .iter()
            .filter(|path| path.contains("/fragments/"))
            .count()
    };

    for _ in 0..3 {
        let page = request(port, "GET", "/products", &[]);
        assert_eq!(page.status, 200);
        assert_eq!(page.body.matches("\"replica\":\"others\"").count(), 2);
    }
    assert_eq!(rendered(), 2, "each fragment rendered once for three pages");
    for n in 0..3 {
        let cookie = format!("cart_id={n}");
        let page = request(port, "GET", "/products", &[("Cookie", &cookie)]);
        assert_eq!(page.body.matches("\"replica\":\"others\"").count(), 2);
    }
    assert_eq!(rendered(), 2 + 6, "a shopper's fragments were kept");
    request(port, "GET", "/products?category=books", &[]);
    assert_eq!(
        rendered(),
        8 + 2,
        "another page was given this page's fragments"
    );
}
