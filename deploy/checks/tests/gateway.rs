//! The gateway image's nginx configurations (deploy/gateway/, rendered from the one
//! template) pass `nginx -t` with the real nginx, as they would start in the container:
//! an empty `/tmp` (the container's tmpfs, where pid and temp files go) and the BFF
//! service names resolving (mapped to loopback here, as the container network would).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use deploy_checks::{output, root, tools};
use std::path::Path;
use std::process::Command;
use xtask::gateway::{container_dir, Container};

fn upstream_hosts(config: &str) -> Vec<String> {
    config
        .lines()
        .filter_map(|line| line.trim().strip_prefix("server ")?.strip_suffix(';'))
        .filter_map(|address| address.split(':').next())
        .map(str::to_owned)
        .collect()
}

fn nginx_t(container: Container) {
    let nginx = tools().nginx;
    let config_path = container_dir().join(container.file_name());
    let config = std::fs::read_to_string(&config_path).expect("run `cargo xtask render-deploy`");
    let hosts = upstream_hosts(&config);
    assert_eq!(
        hosts.len(),
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
    std::fs::write(
        dir.join("hosts"),
        format!("127.0.0.1 localhost {}\n", hosts.join(" ")),
    )
    .unwrap();
    // A private mount namespace: the files at /etc/nginx (bound there first — the scratch
    // directory may itself be under /tmp), the hosts mapped, then a fresh tmpfs over /tmp,
    // for nginx only. When we are root, nginx then runs as the image's user (65532), so a
    // path it would write outside /tmp fails here as it would in the container. (Its
    // stdout, where the access log goes, is /dev/null: in a container stdout is the
    // container's own, here a pipe of root's that 65532 may not open.)
    let root_user = nix_is_root();
    let as_image_user = if root_user {
        "setpriv --reuid 65532 --regid 65532 --clear-groups "
    } else {
        ""
    };
    let script = format!(
        "mount --bind {dir} /etc/nginx && mount --bind /etc/nginx/hosts /etc/hosts && mount -t tmpfs -o mode=1777 tmpfs /tmp && exec {as_image_user}{nginx} -t -p /tmp -c /etc/nginx/nginx.conf -e stderr >/dev/null",
        dir = dir.display(),
        nginx = nginx.display(),
    );
    let mut unshare = Command::new("unshare");
    if !root_user {
        unshare.arg("--map-root-user");
    }
    let out = output(unshare.args(["--mount", "sh", "-c", &script]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.contains("test is successful"),
        "nginx -t rejected deploy/gateway/{}:\n{stderr}",
        container.file_name()
    );
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
