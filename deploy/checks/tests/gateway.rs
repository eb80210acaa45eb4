//! The gateway image's nginx configurations (deploy/gateway/, rendered from the one
//! template) pass `nginx -t` with the real nginx, started by the image's entrypoint as in
//! the container: an empty `/tmp` (the container's tmpfs, where the entrypoint writes the
//! host names of STOREFRONT_HOSTS, and pid and temp files go) and the BFF service names
//! resolving (mapped to loopback here, as the container network would). The entrypoint
//! refuses a STOREFRONT_HOSTS that is not a list of host names.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use deploy_checks::{output, root, tools};
use std::path::Path;
use std::process::Command;
use xtask::gateway::{container_dir, Container, CONTAINER_SERVER_NAMES};

/// The gateway image's entrypoint (`/usr/local/bin/storefront-gateway` in the image).
const ENTRYPOINT: &str = "nginx/gateway-entrypoint.sh";

fn upstream_hosts(config: &str) -> Vec<String> {
    config
        .lines()
        .filter_map(|line| line.trim().strip_prefix("server ")?.strip_suffix(';'))
        .filter_map(|address| address.split(':').next())
        .map(str::to_owned)
        .collect()
}

/// Runs the image's entrypoint with `hosts` as STOREFRONT_HOSTS and `nginx -t` on
/// `container`'s configuration, in a container-like filesystem; returns whether it passed,
/// its stderr, and the host names file it wrote.
fn entrypoint_t(container: Container, hosts: &str) -> (bool, String, String) {
    let nginx = tools().nginx;
    let config_path = container_dir().join(container.file_name());
    let config = std::fs::read_to_string(&config_path).expect("run `cargo xtask render-deploy`");
    let hosts_in_config = upstream_hosts(&config);
    assert_eq!(
        hosts_in_config.len(),
        xtask::slices::built().count(),
        "one upstream server per BFF in {}",
        config_path.display()
    );
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("gateway-{}", container.file_name()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&config_path, dir.join("nginx.conf")).unwrap();
    std::fs::copy(
        root().join("nginx/security-headers.conf"),
        dir.join("security-headers.conf"),
    )
    .unwrap();
    std::fs::copy(root().join(ENTRYPOINT), dir.join("storefront-gateway")).unwrap();
    std::fs::write(
        dir.join("hosts"),
        format!("127.0.0.1 localhost {}\n", hosts_in_config.join(" ")),
    )
    .unwrap();
    // A private mount namespace: the files at /etc/nginx (bound there first — the scratch
    // directory may itself be under /tmp), the hosts mapped, then a fresh tmpfs over /tmp,
    // for nginx only. When we are root, the entrypoint and nginx then run as the image's
    // user (65532), so a path written outside /tmp fails here as it would in the
    // container. (nginx's stdout, where the access log goes, is /dev/null: in a container
    // stdout is the container's own, here a pipe of root's that 65532 may not open.) The
    // host names file is printed afterwards, on stdout.
    let root_user = nix_is_root();
    let as_image_user = if root_user {
        "setpriv --reuid 65532 --regid 65532 --clear-groups "
    } else {
        ""
    };
    let nginx_dir = nginx.parent().expect("nginx's directory");
    let script = format!(
        "mount --bind {dir} /etc/nginx && mount --bind /etc/nginx/hosts /etc/hosts && mount -t tmpfs -o mode=1777 tmpfs /tmp && {{ {as_image_user}env PATH={nginx_dir}:/usr/sbin:/usr/bin:/bin sh /etc/nginx/storefront-gateway /etc/nginx/nginx.conf -t >/dev/null; status=$?; cat {CONTAINER_SERVER_NAMES} 2>/dev/null; exit $status; }}",
        dir = dir.display(),
        nginx_dir = nginx_dir.display(),
    );
    let mut unshare = Command::new("unshare");
    if !root_user {
        unshare.arg("--map-root-user");
    }
    let out = output(
        unshare
            .args(["--mount", "sh", "-c", &script])
            .env("STOREFRONT_HOSTS", hosts),
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (
        out.status.success() && stderr.contains("test is successful"),
        stderr,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn nginx_t(container: Container) {
    for hosts in [
        "",
        "shop.example.com",
        "shop.example.com,www.example.com *.example.org",
    ] {
        let (passed, stderr, names) = entrypoint_t(container, hosts);
        assert!(
            passed,
            "nginx -t rejected deploy/gateway/{} (STOREFRONT_HOSTS={hosts:?}):\n{stderr}",
            container.file_name()
        );
        let expected: Vec<&str> = hosts.split([' ', ',']).filter(|h| !h.is_empty()).collect();
        if expected.is_empty() {
            assert!(!names.contains("server_name"), "{names}");
        } else {
            assert_eq!(
                names.trim(),
                format!("server_name {};", expected.join(" ")),
                "STOREFRONT_HOSTS={hosts:?}"
            );
        }
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

#[test]
fn the_edge_configuration_passes_nginx_t_in_a_container_like_filesystem() {
    nginx_t(Container::Edge);
}

#[test]
fn the_behind_ingress_configuration_passes_nginx_t_in_a_container_like_filesystem() {
    nginx_t(Container::BehindIngress);
}

#[test]
fn the_entrypoint_refuses_anything_but_host_names() {
    for hosts in [
        "shop.example.com; include /etc/passwd",
        "shop.example.com}",
        "$host",
        "shop.example.com/path",
    ] {
        let out = output(
            Command::new("sh")
                .arg(root().join(ENTRYPOINT))
                .arg("/nonexistent/nginx.conf")
                .env("STOREFRONT_HOSTS", hosts),
        );
        assert_eq!(out.status.code(), Some(64), "STOREFRONT_HOSTS={hosts:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not a host name"),
            "STOREFRONT_HOSTS={hosts:?}"
        );
    }
}
