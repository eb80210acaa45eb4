//! The images' Dockerfiles (deploy/docker/) and the build context's `.dockerignore`. No
//! container engine here, so no image is built: hadolint lints the files, and these tests
//! check what a build would only show later or never — a tool version other than the one
//! xtask builds with, an ARG used in a stage that did not declare it (it expands to
//! nothing), a file the context leaves out, an image running as root — and run the gateway's
//! health probe against a real nginx.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use deploy_checks::{output, root, stdout_of, tools};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const SERVER: &str = "deploy/docker/server.Dockerfile";
const MFE: &str = "deploy/docker/mfe.Dockerfile";
const GATEWAY: &str = "deploy/docker/gateway.Dockerfile";
const DOCKERFILES: [&str; 3] = [SERVER, MFE, GATEWAY];
/// Every image runs as the distroless `nonroot` user (the gateway image makes one).
const NONROOT: &str = "65532:65532";

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone)]
struct Instruction {
    line: usize,
    keyword: String,
    args: String,
}

/// A Dockerfile's instructions: the ARGs before the first FROM, then one list per stage
/// (starting with its FROM).
struct Dockerfile {
    global: Vec<Instruction>,
    stages: Vec<Vec<Instruction>>,
}

impl Dockerfile {
    fn read(path: &'static str) -> Self {
        let text = std::fs::read_to_string(root().join(path))
            .unwrap_or_else(|error| panic!("reading {path}: {error}"));
        let mut instructions = vec![];
        let mut pending: Option<(usize, String)> = None;
        for (index, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            // Comments and blank lines, also between continuation lines.
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (start, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
            match trimmed.strip_suffix('\\') {
                Some(part) => {
                    joined.push_str(part);
                    joined.push(' ');
                    pending = Some((start, joined));
                }
                None => {
                    joined.push_str(trimmed);
                    let (keyword, args) = joined
                        .split_once(char::is_whitespace)
                        .unwrap_or((&joined, ""));
                    instructions.push(Instruction {
                        line: start,
                        keyword: keyword.to_ascii_uppercase(),
                        args: args.trim().to_owned(),
                    });
                }
            }
        }
        assert!(pending.is_none(), "{path} ends in a continuation line");
        let mut global = vec![];
        let mut stages: Vec<Vec<Instruction>> = vec![];
        for instruction in instructions {
            if instruction.keyword == "FROM" {
                stages.push(vec![instruction]);
            } else if let Some(stage) = stages.last_mut() {
                stage.push(instruction);
            } else {
                global.push(instruction);
            }
        }
        assert!(!stages.is_empty(), "{path} has no FROM");
        Dockerfile { global, stages }
    }

    /// The stage the image is made of: the last one.
    fn runtime(&self) -> &[Instruction] {
        self.stages.last().expect("a stage")
    }

    /// Every instruction with this keyword, in every stage.
    fn all(&self, keyword: &str) -> Vec<&Instruction> {
        self.stages
            .iter()
            .flatten()
            .filter(|instruction| instruction.keyword == keyword)
            .collect()
    }

    /// The image (first word) of each stage's FROM.
    fn base_images(&self) -> Vec<String> {
        self.all("FROM")
            .iter()
            .map(|from| words(&from.args)[0].clone())
            .collect()
    }

    /// `NAME=value` of the ARGs before the first FROM.
    fn global_args(&self) -> BTreeMap<String, String> {
        self.global
            .iter()
            .filter(|instruction| instruction.keyword == "ARG")
            .filter_map(|arg| arg.args.split_once('='))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect()
    }
}

fn words(args: &str) -> Vec<String> {
    args.split_whitespace().map(str::to_owned).collect()
}

/// The last instruction with this keyword in `stage` (later ones override earlier ones).
fn last<'a>(stage: &'a [Instruction], keyword: &str) -> Option<&'a Instruction> {
    stage
        .iter()
        .rev()
        .find(|instruction| instruction.keyword == keyword)
}

/// Splits leading `--flag=value` options from the rest of an instruction's arguments.
fn options(args: &str) -> (Vec<String>, String) {
    let mut options = vec![];
    let mut rest = args.trim();
    while rest.starts_with("--") {
        let (option, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        options.push(option.to_owned());
        rest = tail.trim_start();
    }
    (options, rest.to_owned())
}

/// The JSON array of an exec-form instruction (CMD, ENTRYPOINT, HEALTHCHECK's command).
fn exec_form(file: &str, what: &str, args: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|error| {
        panic!("{file}: {what} is not in exec form (a JSON array): {args} ({error})")
    })
}

/// The `$NAME` and `${NAME...}` references in `text`.
fn variables(text: &str) -> Vec<String> {
    let mut names = vec![];
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let name: String = rest
            .trim_start_matches('{')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            names.push(name);
        }
    }
    names
}

#[test]
fn hadolint_reports_no_error_and_no_warning() {
    let hadolint = tools().hadolint;
    for file in DOCKERFILES {
        let out = output(Command::new(&hadolint).current_dir(root()).args([
            "--no-color",
            "--failure-threshold",
            "warning",
            file,
        ]));
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "hadolint finds problems in {file} (fix them, or ignore one rule inline with a reason):\n{report}"
        );
        // Info level for hadolint, but the image's size: apt's recommends and lists.
        for rule in ["DL3009", "DL3015"] {
            assert!(
                !report.contains(&format!(" {rule} ")),
                "hadolint: {file} keeps what apt-get leaves behind:\n{report}"
            );
        }
    }
}

#[test]
fn the_mfe_image_builds_with_exactly_the_tools_xtask_builds_with() {
    let dockerfile = Dockerfile::read(MFE);
    let args = dockerfile.global_args();
    let wasm_bindgen = xtask::tools::wasm_bindgen_version().expect("wasm-bindgen in Cargo.lock");
    for (name, expected) in [
        ("TRUNK_VERSION", xtask::tools::TRUNK_VERSION),
        ("WASM_BINDGEN_VERSION", wasm_bindgen.as_str()),
        ("BINARYEN_VERSION", xtask::tools::BINARYEN_VERSION),
    ] {
        assert_eq!(
            args.get(name).map(String::as_str),
            Some(expected),
            "{MFE}: `ARG {name}=...` before the first FROM must be {expected}, the version xtask uses"
        );
    }
    // The installs use those ARGs, in the forms xtask installs (binaryen: the npm release
    // `<BINARYEN_VERSION>.0.0`).
    let runs: String = dockerfile
        .all("RUN")
        .iter()
        .map(|run| format!("{}\n", run.args))
        .collect();
    for install in [
        "cargo install \"trunk@${TRUNK_VERSION}\" --locked",
        "cargo install \"wasm-bindgen-cli@${WASM_BINDGEN_VERSION}\"",
        "\"binaryen@${BINARYEN_VERSION}.0.0\"",
        "rustup target add wasm32-unknown-unknown",
        "trunk build --release --offline --dist /mfe/build",
    ] {
        assert!(
            runs.contains(install),
            "{MFE}: no RUN has `{install}`; its RUNs:\n{runs}"
        );
    }
}

#[test]
fn the_rust_images_are_the_toolchain_this_repository_builds_with() {
    let version = stdout_of(Command::new("rustc").arg("--version"));
    // "rustc 1.95.0 (...)" -> "1.95"
    let full = version.split_whitespace().nth(1).expect("rustc version");
    let major_minor = full.splitn(3, '.').take(2).collect::<Vec<_>>().join(".");
    for file in [SERVER, MFE] {
        let rust: Vec<String> = Dockerfile::read(file)
            .base_images()
            .into_iter()
            .filter(|image| image.starts_with("rust:"))
            .collect();
        assert!(!rust.is_empty(), "{file} builds on no rust: image");
        for image in rust {
            let tag = image.trim_start_matches("rust:");
            assert!(
                tag == major_minor || tag.starts_with(&format!("{major_minor}-")),
                "{file}: {image} is not Rust {major_minor}, which this machine builds with ({})",
                version.trim()
            );
        }
    }
    // cargo-chef: an exact release, installed from its lock file.
    let server = Dockerfile::read(SERVER);
    let chef = server
        .all("ARG")
        .into_iter()
        .find_map(|arg| arg.args.strip_prefix("CARGO_CHEF_VERSION="))
        .unwrap_or_else(|| panic!("{SERVER}: no `ARG CARGO_CHEF_VERSION=<version>`"));
    assert!(
        chef.split('.').count() == 3 && chef.split('.').all(|part| part.parse::<u32>().is_ok()),
        "{SERVER}: cargo-chef {chef:?} is not an exact version"
    );
    assert!(
        server.all("RUN").iter().any(|run| run
            .args
            .contains("cargo install \"cargo-chef@${CARGO_CHEF_VERSION}\" --locked")),
        "{SERVER}: cargo-chef is not installed at CARGO_CHEF_VERSION with --locked"
    );
}

/// An ARG is in scope only in the stage that declares it (one before the first FROM only in
/// FROM lines); used anywhere else it silently expands to nothing. ENV carries over to the
/// stages built FROM that stage. Limits: a RUN's own shell variables would have to be
/// listed here; CMD, ENTRYPOINT and HEALTHCHECK are not checked (they run in the container,
/// where only ENV exists).
#[test]
fn every_variable_an_instruction_uses_is_in_scope_there() {
    // In every base image this repository uses.
    let from_base_images = ["PATH"];
    for file in DOCKERFILES {
        let dockerfile = Dockerfile::read(file);
        let global: BTreeSet<String> = dockerfile.global_args().into_keys().collect();
        let mut env_of_stage: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for stage in &dockerfile.stages {
            let from = words(&stage[0].args);
            for name in variables(&stage[0].args) {
                assert!(
                    global.contains(&name),
                    "{file}:{}: FROM uses ${name}, not an ARG before the first FROM",
                    stage[0].line
                );
            }
            let mut env: BTreeSet<String> = env_of_stage
                .get(&from[0])
                .cloned()
                .unwrap_or_else(|| from_base_images.iter().map(|s| s.to_string()).collect());
            let mut args = BTreeSet::new();
            for instruction in &stage[1..] {
                let checked = !matches!(
                    instruction.keyword.as_str(),
                    "CMD" | "ENTRYPOINT" | "HEALTHCHECK"
                );
                // A RUN's own shell loop variables (`for name in ...`) are its own.
                let words = words(&instruction.args);
                let looped: BTreeSet<&str> = words
                    .windows(3)
                    .filter(|w| w[0] == "for" && w[2] == "in")
                    .map(|w| w[1].as_str())
                    .collect();
                if checked {
                    for name in variables(&instruction.args) {
                        assert!(
                            args.contains(&name) || env.contains(&name) || looped.contains(name.as_str()),
                            "{file}:{}: {} uses ${name}, which this stage has not declared (add `ARG {name}` after its FROM)",
                            instruction.line,
                            instruction.keyword
                        );
                    }
                }
                // `ARG NAME[=default]`, `ENV NAME=value ...`
                let names = instruction
                    .args
                    .split_whitespace()
                    .filter_map(|word| word.split('=').next())
                    .map(str::to_owned);
                match instruction.keyword.as_str() {
                    "ARG" => args.extend(names.take(1)),
                    "ENV" => env.extend(names),
                    _ => {}
                }
            }
            if let Some(alias) = from
                .iter()
                .position(|word| word.eq_ignore_ascii_case("AS"))
                .and_then(|at| from.get(at + 1))
            {
                env_of_stage.insert(alias.clone(), env);
            }
        }
    }
}

#[test]
fn every_image_runs_as_nonroot_and_the_long_running_ones_check_their_health() {
    for file in DOCKERFILES {
        let dockerfile = Dockerfile::read(file);
        let runtime = dockerfile.runtime();
        let user = last(runtime, "USER").unwrap_or_else(|| {
            panic!("{file}: the runtime stage sets no USER (it would run as root)")
        });
        assert_eq!(user.args, NONROOT, "{file}:{}: the image's user", user.line);
    }
    for file in [SERVER, MFE] {
        let from = Dockerfile::read(file).runtime()[0].args.clone();
        assert!(
            from.starts_with("gcr.io/distroless/cc-debian12:nonroot"),
            "{file}: the runtime is {from}, not distroless cc nonroot"
        );
    }

    let server = Dockerfile::read(SERVER);
    let runtime = server.runtime();
    let healthcheck = last(runtime, "HEALTHCHECK")
        .unwrap_or_else(|| panic!("{SERVER}: the runtime stage has no HEALTHCHECK"));
    let (settings, command) = options(&healthcheck.args);
    let command = command
        .strip_prefix("CMD")
        .unwrap_or_else(|| panic!("{SERVER}: HEALTHCHECK without CMD: {}", healthcheck.args));
    assert_eq!(
        exec_form(SERVER, "HEALTHCHECK CMD", command),
        ["/usr/local/bin/server", "--health-check"],
        "{SERVER}:{}: the health check is the server's own --health-check",
        healthcheck.line
    );
    assert!(
        settings.iter().any(|s| s.starts_with("--start-period=")),
        "{SERVER}: HEALTHCHECK needs a start period for the first migration and seed"
    );
    let entrypoint = last(runtime, "ENTRYPOINT").expect("server ENTRYPOINT");
    assert_eq!(
        exec_form(SERVER, "ENTRYPOINT", &entrypoint.args),
        ["/usr/local/bin/server"],
        "{SERVER}: the health check must run the binary the image runs"
    );
    assert_eq!(
        last(runtime, "EXPOSE").map(|e| e.args.as_str()),
        Some("8080"),
        "{SERVER}: EXPOSE"
    );

    let gateway = Dockerfile::read(GATEWAY);
    let healthcheck = last(gateway.runtime(), "HEALTHCHECK")
        .unwrap_or_else(|| panic!("{GATEWAY}: the runtime stage has no HEALTHCHECK"));
    assert!(
        gateway_probe(&gateway)
            .iter()
            .any(|word| word.contains("/shell/loader.js")),
        "{GATEWAY}:{}: the health check asks for /shell/loader.js",
        healthcheck.line
    );
}

/// The gateway's HEALTHCHECK command (exec form).
fn gateway_probe(gateway: &Dockerfile) -> Vec<String> {
    let healthcheck = last(gateway.runtime(), "HEALTHCHECK").expect("gateway HEALTHCHECK");
    let (_, command) = options(&healthcheck.args);
    let command = command.strip_prefix("CMD").expect("HEALTHCHECK CMD");
    exec_form(GATEWAY, "HEALTHCHECK CMD", command)
}

/// The server Dockerfile's builder builds every server of the slice table, and only those.
#[test]
fn the_server_builder_builds_every_server_of_the_slice_table() {
    let server = Dockerfile::read(SERVER);
    let declared = server
        .stages
        .iter()
        .flatten()
        .find_map(|instruction| {
            (instruction.keyword == "ARG")
                .then(|| instruction.args.strip_prefix("SERVERS="))
                .flatten()
        })
        .unwrap_or_else(|| panic!("{SERVER}: no `ARG SERVERS=\"...\"`"));
    let declared: BTreeSet<String> = declared
        .trim_matches('"')
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let expected: BTreeSet<String> = xtask::slices::built()
        .flat_map(|slice| {
            [
                slice.package(xtask::slices::Tier::Service),
                slice.package(xtask::slices::Tier::Bff),
            ]
        })
        .collect();
    assert_eq!(declared, expected, "{SERVER}: ARG SERVERS");
}

/// Test-only code (cart-service's failpoints, which can stop or kill a checkout on request)
/// is behind cargo features that only tests enable: no image's build turns any feature on,
/// and no crate turns a test feature on by default.
#[test]
fn no_image_builds_a_test_feature() {
    for path in DOCKERFILES {
        for instruction in Dockerfile::read(path).stages.iter().flatten() {
            if instruction.keyword == "RUN" && instruction.args.contains("cargo ") {
                for flag in ["--features", "--all-features", "-F "] {
                    assert!(
                        !instruction.args.contains(flag),
                        "{path}:{} builds with {flag}: {}",
                        instruction.line,
                        instruction.args
                    );
                }
            }
        }
    }
    let manifest = std::fs::read_to_string(root().join("services/cart/Cargo.toml")).unwrap();
    let features = manifest
        .split("[features]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap_or_default();
    assert!(
        features.contains("failpoints") && !features.contains("default"),
        "cart-service's failpoints must be a feature that is off by default:\n{features}"
    );
}

/// What compose and Kubernetes rely on: how each image starts and where things are.
#[test]
fn the_runtime_stages_start_as_the_contract_says() {
    let mfe = Dockerfile::read(MFE);
    let runtime = mfe.runtime();
    assert_eq!(
        exec_form(
            MFE,
            "ENTRYPOINT",
            &last(runtime, "ENTRYPOINT").expect("ENTRYPOINT").args
        ),
        ["/usr/local/bin/mfe-site"],
        "{MFE}: ENTRYPOINT"
    );
    assert_eq!(
        exec_form(MFE, "CMD", &last(runtime, "CMD").expect("CMD").args),
        ["publish", "--initial"],
        "{MFE}: CMD (docker compose up publishes only what is not live yet)"
    );
    let env: BTreeMap<&str, &str> = runtime
        .iter()
        .filter(|instruction| instruction.keyword == "ENV")
        .flat_map(|instruction| instruction.args.split_whitespace())
        .filter_map(|word| word.split_once('='))
        .collect();
    for (name, value) in [
        ("MFE_NAME", "$MFE"),
        ("MFE_BUILD", "/mfe/build"),
        ("MFE_SITE", "/srv/site"),
    ] {
        assert_eq!(env.get(name).copied(), Some(value), "{MFE}: ENV {name}");
    }
    // The site volume's mount point must belong to the publisher.
    assert!(
        runtime
            .iter()
            .any(|instruction| instruction.keyword == "COPY"
                && instruction.args.contains(&format!("--chown={NONROOT}"))
                && instruction.args.trim_end().ends_with("/srv/site/")),
        "{MFE}: /srv/site/mfe is not copied in owned by {NONROOT}"
    );

    let gateway = Dockerfile::read(GATEWAY);
    let runtime = gateway.runtime();
    assert_eq!(
        exec_form(GATEWAY, "CMD", &last(runtime, "CMD").expect("CMD").args),
        [
            xtask::gateway::CONTAINER_ENTRYPOINT,
            "/etc/storefront/nginx.conf"
        ],
        "{GATEWAY}: CMD (the entrypoint writes STOREFRONT_HOSTS's names, then runs nginx)"
    );
    assert!(
        runtime
            .iter()
            .any(|instruction| instruction.keyword == "COPY"
                && words(&instruction.args)
                    == [
                        "--chmod=0755",
                        "nginx/gateway-entrypoint.sh",
                        xtask::gateway::CONTAINER_ENTRYPOINT
                    ]),
        "{GATEWAY}: the entrypoint is not copied, executable, to {}",
        xtask::gateway::CONTAINER_ENTRYPOINT
    );
    // Everything `cargo xtask render-deploy` makes and the whole shell are in the image,
    // where the configurations and the site expect them.
    let copies: Vec<Vec<String>> = runtime
        .iter()
        .filter(|instruction| instruction.keyword == "COPY")
        .map(|instruction| words(&instruction.args))
        .collect();
    let copied_to = |source: &str, destination: &str| {
        copies.iter().any(|copy| {
            copy.last().is_some_and(|to| to == destination)
                && copy[..copy.len() - 1].iter().any(|from| from == source)
        })
    };
    for (name, _) in xtask::gateway::container_files().unwrap() {
        let destination = if name.ends_with(".conf") {
            "/etc/storefront/"
        } else {
            "/srv/site/shell/"
        };
        assert!(
            copied_to(&format!("deploy/gateway/{name}"), destination),
            "{GATEWAY}: deploy/gateway/{name} is not copied to {destination}"
        );
    }
    for entry in std::fs::read_dir(root().join("shell")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let (source, destination) = (format!("shell/{name}"), "/srv/site/shell/");
        if name == "index.html" {
            assert!(
                copied_to(&source, "/srv/site/index.html"),
                "{GATEWAY}: the shell's index.html is not at the site root"
            );
        } else {
            assert!(
                copied_to(&source, destination),
                "{GATEWAY}: {source} is not copied to {destination} (cargo xtask up serves it)"
            );
        }
    }
    assert_eq!(
        last(runtime, "STOPSIGNAL").map(|s| s.args.as_str()),
        Some("SIGQUIT"),
        "{GATEWAY}: nginx stops gracefully on SIGQUIT"
    );
    assert_eq!(
        last(runtime, "EXPOSE").map(|e| e.args.as_str()),
        Some("8080"),
        "{GATEWAY}: EXPOSE"
    );
}

/// `.dockerignore` patterns, matched as Docker matches them (close enough for ours): each
/// pattern is relative to the context root (a leading or trailing `/` is dropped), `*` and
/// `?` stay within one path segment, `**` spans any number of segments, a pattern that
/// matches a directory leaves out everything in it, and `!` lines put paths back (the last
/// matching line wins). Not handled: `[...]` character classes and escapes.
struct DockerIgnore {
    patterns: Vec<(bool, Vec<String>)>,
}

impl DockerIgnore {
    fn read() -> Self {
        let text = std::fs::read_to_string(root().join(".dockerignore"))
            .expect("reading .dockerignore at the repository root");
        Self::parse(&text)
    }

    fn parse(text: &str) -> Self {
        let patterns = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|line| {
                let (include, pattern) = match line.strip_prefix('!') {
                    Some(pattern) => (true, pattern),
                    None => (false, line),
                };
                let segments = pattern
                    .split('/')
                    .filter(|segment| !segment.is_empty() && *segment != ".")
                    .map(str::to_owned)
                    .collect();
                (include, segments)
            })
            .collect();
        DockerIgnore { patterns }
    }

    /// Whether `path` (relative to the context root) is left out of the build context.
    fn ignores(&self, path: &str) -> bool {
        let path: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut ignored = false;
        for (include, pattern) in &self.patterns {
            let pattern: Vec<&str> = pattern.iter().map(String::as_str).collect();
            let matches = (1..=path.len()).any(|len| segments_match(&pattern, &path[..len]));
            if matches {
                ignored = !include;
            }
        }
        ignored
    }
}

fn segments_match(pattern: &[&str], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => {
            segments_match(rest, path) || (!path.is_empty() && segments_match(pattern, &path[1..]))
        }
        Some((first, rest)) => {
            !path.is_empty()
                && glob(first.as_bytes(), path[0].as_bytes())
                && segments_match(rest, &path[1..])
        }
    }
}

/// `*` and `?` within one path segment.
fn glob(pattern: &[u8], name: &[u8]) -> bool {
    match pattern.split_first() {
        None => name.is_empty(),
        Some((b'*', rest)) => (0..=name.len()).any(|skip| glob(rest, &name[skip..])),
        Some((b'?', rest)) => !name.is_empty() && glob(rest, &name[1..]),
        Some((c, rest)) => name.first() == Some(c) && glob(rest, &name[1..]),
    }
}

#[test]
fn the_dockerignore_matcher_matches_as_docker_does() {
    let ignore =
        DockerIgnore::parse("target/\n**/dist/\n/var\n*.db\n**/*.log\nkeep/*\n!keep/this\n");
    for path in [
        "target",
        "target/release/x",
        "dist/a",
        "frontends/cart/dist/a.js",
        "var/x",
        "a.db",
        "x/y/z.log",
        "keep/that",
    ] {
        assert!(ignore.ignores(path), "{path} should be left out");
    }
    for path in [
        "xtarget",
        "services/target.rs",
        "distx/a",
        "x/var",
        "x/a.db",
        "keep/this",
        "src/lib.rs",
    ] {
        assert!(!ignore.ignores(path), "{path} should stay in");
    }
}

#[test]
fn the_context_leaves_out_build_output_local_state_and_secrets() {
    let ignore = DockerIgnore::read();
    for path in [
        "target",
        "target/release/catalog-service",
        "var",
        "var/tools/node_modules/binaryen/bin/wasm-opt",
        ".git",
        "deploy/compose/secrets/postgres-password",
        "node_modules/x",
        "frontends/catalog/dist/index.html",
    ] {
        assert!(
            ignore.ignores(path),
            ".dockerignore does not leave out {path}"
        );
    }
}

/// Every file under `dir` (relative to the repository root).
fn files_under(dir: &Path, out: &mut Vec<String>) {
    let root = root();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("reading {}: {error}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(
                path.strip_prefix(&root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
}

/// What `COPY . .` must bring: cargo reads every workspace member (manifest and sources, the
/// data files they include, the MFEs' trunk inputs and mfe.json), the lock file and the
/// cargo configuration. Build output and local databases a developer may have left inside a
/// member (trunk's default `dist/`, a SQLite file) are no input, and the context leaves
/// them out on purpose.
fn workspace_files() -> Vec<String> {
    let metadata: serde_json::Value = serde_json::from_str(&stdout_of(
        Command::new(env!("CARGO")).current_dir(root()).args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ]),
    ))
    .expect("cargo metadata is JSON");
    let mut files = vec![
        "Cargo.toml".to_owned(),
        "Cargo.lock".to_owned(),
        ".cargo/config.toml".to_owned(),
    ];
    for member in metadata["packages"].as_array().expect("packages") {
        let manifest = PathBuf::from(member["manifest_path"].as_str().expect("manifest_path"));
        files_under(manifest.parent().expect("member directory"), &mut files);
    }
    files.retain(|file| {
        let local_output = file
            .split('/')
            .any(|part| matches!(part, "target" | "dist" | "node_modules"))
            || file.ends_with(".db")
            || file.contains(".db-");
        !local_output
    });
    files
}

#[test]
fn the_context_keeps_everything_the_dockerfiles_copy() {
    let ignore = DockerIgnore::read();
    let repo = root();
    for file in DOCKERFILES {
        for copy in Dockerfile::read(file).all("COPY") {
            let (flags, rest) = options(&copy.args);
            if flags.iter().any(|flag| flag.starts_with("--from=")) {
                continue;
            }
            let mut paths = if rest.starts_with('[') {
                exec_form(file, "COPY", &rest)
            } else {
                words(&rest)
            };
            paths.pop(); // the destination
            assert!(
                !paths.is_empty(),
                "{file}:{}: COPY without a source",
                copy.line
            );
            for source in paths {
                let source = source.trim_start_matches("./").trim_end_matches('/');
                let needed = if source.is_empty() || source == "." {
                    workspace_files()
                } else {
                    let path = repo.join(source);
                    assert!(
                        path.exists(),
                        "{file}:{}: COPY {source}: no such file in the repository",
                        copy.line
                    );
                    let mut files = vec![source.to_owned()];
                    if path.is_dir() {
                        files_under(&path, &mut files);
                    }
                    files
                };
                for needed in needed {
                    assert!(
                        !ignore.ignores(&needed),
                        ".dockerignore leaves out {needed}, which {file}:{} copies (COPY {source})",
                        copy.line
                    );
                }
            }
        }
    }
}

/// The gateway's probe, run as Docker runs it, against a real nginx on a free port (the
/// image's 8080 swapped for it) that, like the gateway, serves only named hosts and answers
/// any other with 421: healthy while nginx serves the shell's loader, unhealthy when it
/// answers 404.
#[test]
fn the_gateway_health_check_passes_only_while_nginx_serves_the_shell_loader() {
    let probe = gateway_probe(&Dockerfile::read(GATEWAY));
    assert!(
        probe
            .iter()
            .any(|word| word.contains("/dev/tcp/127.0.0.1/8080")),
        "{GATEWAY}: the probe does not ask 127.0.0.1:8080: {probe:?}"
    );
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("gateway-health-check");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("site/shell")).unwrap();
    std::fs::copy(
        root().join("shell/loader.js"),
        dir.join("site/shell/loader.js"),
    )
    .unwrap();

    let (port, _nginx) = start_nginx(&dir);
    let probe: Vec<String> = probe
        .iter()
        .map(|word| {
            word.replace(
                "/dev/tcp/127.0.0.1/8080",
                &format!("/dev/tcp/127.0.0.1/{port}"),
            )
        })
        .collect();
    let run_probe = || {
        let mut command = Command::new("timeout");
        command.arg("10").args(&probe);
        output(&mut command)
    };
    let healthy = run_probe();
    assert!(
        healthy.status.success(),
        "the gateway health check fails against nginx serving /shell/loader.js ({}): {}",
        healthy.status,
        String::from_utf8_lossy(&healthy.stderr)
    );
    std::fs::remove_file(dir.join("site/shell/loader.js")).unwrap();
    let unhealthy = run_probe();
    assert!(
        !unhealthy.status.success(),
        "the gateway health check passes while nginx answers 404 for /shell/loader.js"
    );
}

/// nginx serving `dir/site` on a free loopback port, until the returned child is dropped.
fn start_nginx(dir: &Path) -> (u16, xtask::process::Child) {
    let nginx = tools().nginx;
    for _ in 0..5 {
        let port = xtask::process::free_port().expect("a free port");
        let d = dir.display();
        // One process: no workers switching to another user that may not read `dir`.
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log stderr;\nevents {{}}\n\
                 http {{\n  access_log off;\n  client_body_temp_path {d}/client_body;\n  proxy_temp_path {d}/proxy;\n\
                 fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
                 server {{ listen 127.0.0.1:{port} default_server; return 421; }}\n\
                 server {{ listen 127.0.0.1:{port}; server_name localhost 127.0.0.1; root {d}/site; }}\n}}\n"
            ),
        )
        .unwrap();
        let mut command = Command::new(&nginx);
        command
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .args(["-e", "stderr"]);
        let mut child = xtask::process::Child::spawn("nginx", command, &dir.join("nginx.log"))
            .expect("starting nginx");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && child.exited().is_none() {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (port, child);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // The port was taken meanwhile (or nginx is slow): try another.
        eprintln!("{}", child.report("did not start"));
    }
    panic!(
        "nginx did not start; see {}",
        dir.join("nginx.log").display()
    );
}
