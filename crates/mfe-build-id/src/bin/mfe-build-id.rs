//! `mfe-build-id frontends/<name>`: prints the name of that MFE's build from its sources
//! (for image builds, which write it beside the bundle: see `deploy/docker/mfe.Dockerfile`).

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: mfe-build-id frontends/<name>");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    if !dir.join("mfe.json").is_file() {
        eprintln!("{} has no mfe.json", dir.display());
        std::process::exit(2);
    }
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    println!("{}", mfe_build_id::of_mfe(&dir));
}
