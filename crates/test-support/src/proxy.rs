//! A TCP proxy in front of a server, that a test can make stop answering — the way a
//! service hangs under load or behind a broken network, which a stopped server (whose port
//! refuses at once) does not show.

use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Forwards every connection to its target until [`Proxy::hang`]; then it holds every
/// connection, new and open, without passing anything either way, until
/// [`Proxy::resume`].
pub struct Proxy {
    /// e.g. `http://127.0.0.1:41234`: where clients connect instead of the target.
    pub address: String,
    hanging: Arc<watch::Sender<bool>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    /// A proxy on a free loopback port in front of `target` (`http://host:port`).
    pub async fn start(target: &str) -> Self {
        let target = target
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let address = format!(
            "http://{}",
            listener.local_addr().expect("the proxy's address")
        );
        let hanging = Arc::new(watch::Sender::new(false));
        let watch = hanging.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (target, hanging) = (target.clone(), watch.subscribe());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&target).await {
                        forward(client, server, hanging).await;
                    }
                });
            }
        });
        Self {
            address,
            hanging,
            task,
        }
    }

    /// From now on nothing passes: requests wait for an answer that does not come.
    pub fn hang(&self) {
        self.hanging.send_replace(true);
    }

    /// Everything passes again (what was held goes on).
    pub fn resume(&self) {
        self.hanging.send_replace(false);
    }
}

/// Copies bytes both ways, each chunk only while the proxy is not hanging.
async fn forward(client: TcpStream, server: TcpStream, hanging: watch::Receiver<bool>) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        () = pass(client_read, server_write, hanging.clone()) => {}
        () = pass(server_read, client_write, hanging) => {}
    }
}

async fn pass(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut hanging: watch::Receiver<bool>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            return;
        }
        if hanging.wait_for(|hanging| !*hanging).await.is_err() {
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
