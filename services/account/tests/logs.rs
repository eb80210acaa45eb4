//! No password (nor session secret) ever reaches a log line: the real binary, logging at
//! debug level into a file, is signed up to, signed in to right and wrong, and sent
//! malformed bodies carrying passwords; then the file is searched. On SQLite and PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_service_api::{paths, SignedIn, SESSION_HEADER};
use common::{client, send, ExposeSecret};
use reqwest::StatusCode;
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use test_support::{FreshDatabase, TestDatabase};

test_support::on_both_databases!(crate::fresh_database =>
    no_password_reaches_the_logs,
);

async fn fresh_database(database: TestDatabase) -> Option<FreshDatabase> {
    database.create().await
}

/// account-service as its own process, logging into `log`; killed when dropped.
struct Process {
    child: Child,
    address: String,
    log: PathBuf,
    folder: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

impl Process {
    /// Starts the binary on `database` with `RUST_LOG=debug`, stdout and stderr into one
    /// file, and waits until it listens.
    async fn start(database: &FreshDatabase) -> Self {
        static STARTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let folder = std::env::temp_dir().join(format!(
            "account-service-logs-{}-{}",
            std::process::id(),
            STARTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&folder).unwrap();
        let (log, port_file) = (folder.join("service.log"), folder.join("port"));
        let output = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_account-service"))
            .env("RUST_LOG", "debug")
            .env("NO_COLOR", "1")
            .env("ACCOUNT_SERVICE__HOST", "127.0.0.1")
            .env("ACCOUNT_SERVICE__PORT", "0")
            .env("DATABASE_URL", &database.url)
            .env(
                "ACCOUNT_SERVICE__SIGNING_KEY_FILE",
                folder.join("keys").join("identity.pem"),
            )
            .env("STOREFRONT_PORT_FILE", &port_file)
            .stdout(Stdio::from(output.try_clone().unwrap()))
            .stderr(Stdio::from(output))
            .spawn()
            .expect("starting account-service");
        let mut process = Self {
            child,
            address: String::new(),
            log,
            folder,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let port: u16 = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|text| text.trim().parse().ok())
            {
                break port;
            }
            if let Some(status) = process.child.try_wait().unwrap() {
                panic!(
                    "account-service exited ({status}) before it listened:\n{}",
                    std::fs::read_to_string(&process.log).unwrap_or_default()
                );
            }
            assert!(
                Instant::now() < deadline,
                "account-service did not report its port"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        process.address = format!("http://127.0.0.1:{port}");
        process
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// POSTs `body` as it is, declared as JSON.
    async fn post_raw(&self, path: &str, body: String) -> StatusCode {
        send(
            client()
                .post(self.url(path))
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await
        .status
    }
}

async fn no_password_reaches_the_logs(database: FreshDatabase) {
    const PASSWORD: &str = "Lantern-Quartz-7781-Zebra";
    const WRONG: &str = "Wrong-Lantern-5519-Okapi";
    const AS_NUMBER: &str = "918273645501928374";
    let service = Process::start(&database).await;
    let email = "ada.logs@example.org";

    let answer = send(
        client()
            .post(service.url(paths::USERS))
            .json(&json!({ "email": email, "name": "Ada Lovelace", "password": PASSWORD })),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let signed_up: SignedIn = serde_json::from_value(answer.body).unwrap();
    let sign_in = |password: &str| {
        let request = client()
            .post(service.url(paths::SESSIONS))
            .json(&json!({ "email": email, "password": password }));
        async move { send(request).await.status }
    };
    assert_eq!(sign_in(PASSWORD).await, StatusCode::CREATED);
    assert_eq!(sign_in(WRONG).await, StatusCode::UNAUTHORIZED);
    let answer = send(
        client()
            .get(service.url(paths::SESSION))
            .header(SESSION_HEADER, signed_up.session_secret.expose_secret()),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);

    // Malformed bodies, each carrying a password.
    for path in [paths::USERS, paths::SESSIONS] {
        for body in [
            format!(r#"{{"email": "{email}", "password": "{PASSWORD}""#),
            format!(r#"{{"email": "{email}", "password": {AS_NUMBER}}}"#),
            format!(r#"{{"email": "{email}", "name": "Ada", "password": ["{PASSWORD}"]}}"#),
            format!(
                r#"{{"email": "{email}", "name": {{"{PASSWORD}": 1}}, "password": "{WRONG}"}}"#
            ),
            format!(r#""{PASSWORD}""#),
            format!(r#"[{AS_NUMBER}, "{PASSWORD}"]"#),
            format!(r#"{{"email": "{email}", "password": "{PASSWORD}", "password": 1}}"#),
            format!(r#"{{"email": "{email}", "password": "{PASSWORD}\u0001"}}"#),
        ] {
            let status = service.post_raw(path, body.clone()).await;
            assert!(status.is_client_error(), "{path} {body}: {status}");
        }
        let status = send(
            client()
                .post(service.url(path))
                .header("Content-Type", "text/plain")
                .body(format!("password={PASSWORD}")),
        )
        .await
        .status;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
    // A password that breaks the rules, and a wrongly typed one for a rename.
    let answer = send(client().post(service.url(paths::USERS)).json(
        &json!({ "email": "bob.logs@example.org", "name": "Bob", "password": "bob.logs@example.org" }),
    ))
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = send(
        client()
            .patch(service.url(&paths::user(&signed_up.user.id)))
            .json(&json!({ "name": AS_NUMBER.parse::<u64>().unwrap() })),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);

    // Let the last lines be written, then read them.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = std::fs::read_to_string(&service.log).unwrap();
    assert!(log.contains("account-service listening"), "{log}");
    for path in ["route=/users", "route=/sessions", "route=/session "] {
        assert!(log.contains(path), "no request line with {path} in:\n{log}");
    }
    assert!(
        log.contains("status=422") && log.contains("status=400"),
        "{log}"
    );
    // Debug lines are written: whatever the service logs at all is in this file.
    assert!(log.contains("DEBUG"), "{log}");
    for secret in [
        PASSWORD,
        WRONG,
        AS_NUMBER,
        signed_up.session_secret.expose_secret(),
    ] {
        assert!(
            !log.contains(secret),
            "{secret} is in the log:\n{}",
            log.lines()
                .filter(|line| line.contains(secret))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
