//! The Kubernetes manifests (deploy/k8s/, kustomize), read by the real tools — no cluster
//! here, so what a cluster would refuse or run wrongly is checked before one is needed:
//! - every manifest, and both kustomize renderings (base, production overlay) when the
//!   machine has kubectl, validate against the Kubernetes API schemas, strictly (an unknown
//!   or misspelled field fails);
//! - the kustomizations list every manifest once; the production overlay moves every image;
//! - every workload is probed, sized and unprivileged (the namespace enforces the
//!   "restricted" Pod Security level: anything less would not even start);
//! - every built slice has its servers, database and MFE publishers; the gateway serves the
//!   MFE volume read-only and runs the nginx configuration made for an ingress;
//! - secrets are files exactly where the environment says, mounted only where compose mounts
//!   them, and the secrets script makes every one the pods reference;
//! - each database's superuser is postgres, never its service's role, and its password
//!   reaches the database alone; the database runs compose's postgres-init.sh for its slice;
//! - the NetworkPolicies let through exactly compose's trust boundaries, per slice;
//! - each server's environment is docker-compose.yml's, but for the database host.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use deploy_checks::{output, root, stdout_of, tools, yaml_documents, yaml_documents_of};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use xtask::gateway::Container;
use xtask::slices::{built, Tier};

const K8S_DIR: &str = "deploy/k8s";
const BASE: &str = "deploy/k8s/base";
const PRODUCTION: &str = "deploy/k8s/overlays/production";
const NAMESPACE: &str = "storefront";
/// What the production overlay points every storefront image at.
const PRODUCTION_REGISTRY: &str = "registry.example.com/storefront/";
const PRODUCTION_TAG: &str = "1.0.0";
/// The one image that is not the shop's own.
const POSTGRES_IMAGE: &str = "postgres:15.18-bookworm";

/// The Kubernetes versions every manifest is validated against: the oldest and the newest
/// minor release upstream still maintains (three at a time, ~14 months each: 1.35, 1.36 and
/// 1.37 as of December 2026 — 1.37 is also the newest kubernetes-validate 1.37.0 ships).
/// A field too new for the oldest, or removed by the newest, fails here.
const KUBERNETES_VERSIONS: [&str; 2] = ["1.35.0", "1.37.0"];

const NAME: &str = "app.kubernetes.io/name";
const COMPONENT: &str = "app.kubernetes.io/component";

// ---------------------------------------------------------------------------------------
// Files, kustomizations, renderings

fn k8s_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml")
            ) {
                files.push(path);
            }
        }
    }
    let mut files = vec![];
    walk(&root().join(K8S_DIR), &mut files);
    files.sort();
    files
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn is_kustomization(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()) == Some("kustomization.yaml")
}

/// A kustomization.yaml, parsed.
fn kustomization(dir: &str) -> Value {
    let path = root().join(dir).join("kustomization.yaml");
    let mut documents = yaml_documents(&path);
    assert_eq!(documents.len(), 1, "{} is one document", relative(&path));
    documents.remove(0)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|item| item.as_str().expect("a string").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// The patch files the kustomizations name: partial objects, validated only rendered.
fn patch_files() -> BTreeSet<PathBuf> {
    let mut patches = BTreeSet::new();
    for file in k8s_files().into_iter().filter(|f| is_kustomization(f)) {
        let dir = file.parent().unwrap().to_owned();
        let kustomization = yaml_documents(&file).remove(0);
        for patch in kustomization["patches"].as_array().into_iter().flatten() {
            if let Some(path) = patch["path"].as_str() {
                patches.insert(dir.join(path));
            }
        }
    }
    patches
}

/// Every manifest of objects: each YAML file but the kustomizations and their patches.
fn resource_files() -> Vec<PathBuf> {
    let patches = patch_files();
    k8s_files()
        .into_iter()
        .filter(|f| !is_kustomization(f) && !patches.contains(f))
        .collect()
}

/// Runs kubernetes-validate, strictly, on `files` for every version; fails on any finding.
/// Every line counts: a kind it has no schema for is only a WARN with exit status 0, and
/// would let a misspelled apiVersion through.
fn validate(files: &[PathBuf], what: &str) {
    assert!(!files.is_empty(), "nothing to validate for {what}");
    let mut command = Command::new(tools().kubernetes_validate);
    command.args(["--strict", "--quiet"]);
    for version in KUBERNETES_VERSIONS {
        command.args(["-k", version]);
    }
    command.args(files);
    let out = output(&mut command);
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && report.trim().is_empty(),
        "kubernetes-validate --strict against {KUBERNETES_VERSIONS:?} rejects {what} ({}):\n{report}",
        out.status
    );
}

/// `kubectl kustomize <dir>`, once per directory; None when the machine has no kubectl.
fn rendered(dir: &'static str) -> Option<&'static (String, Vec<Value>)> {
    static BASE_RENDERING: OnceLock<Option<(String, Vec<Value>)>> = OnceLock::new();
    static PRODUCTION_RENDERING: OnceLock<Option<(String, Vec<Value>)>> = OnceLock::new();
    let cell = match dir {
        BASE => &BASE_RENDERING,
        PRODUCTION => &PRODUCTION_RENDERING,
        other => panic!("no rendering cache for {other}"),
    };
    cell.get_or_init(|| {
        let kubectl = tools().kubectl?;
        let text = stdout_of(Command::new(kubectl).arg("kustomize").arg(root().join(dir)));
        let documents = yaml_documents_of(&text);
        Some((text, documents))
    })
    .as_ref()
}

/// The base's objects: as kustomize renders them when kubectl is here (namespace and
/// labels set), else straight from the files the base lists.
fn objects() -> &'static [Value] {
    static OBJECTS: OnceLock<Vec<Value>> = OnceLock::new();
    OBJECTS.get_or_init(|| match rendered(BASE) {
        Some((_, documents)) => documents.clone(),
        None => strings(&kustomization(BASE)["resources"])
            .iter()
            .flat_map(|file| yaml_documents(&root().join(BASE).join(file)))
            .collect(),
    })
}

/// The base's configMapGenerator entry `name` (kustomize adds a hash to the name).
fn config_map_generator(name: &str) -> Option<Value> {
    kustomization(BASE)["configMapGenerator"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|entry| entry["name"] == name)
        .cloned()
}

/// `key` of the ConfigMap a pod's volume names, and where that comes from: the rendered
/// ConfigMap (its name hashed) when kubectl is here, else the file the base's generator
/// reads.
fn config_map_file(config_map: &str, key: &str) -> String {
    if rendered(BASE).is_some() {
        return get("ConfigMap", config_map)["data"][key]
            .as_str()
            .unwrap_or_else(|| panic!("ConfigMap {config_map} has no key {key}"))
            .to_owned();
    }
    let generator = config_map_generator(config_map)
        .unwrap_or_else(|| panic!("{BASE}/kustomization.yaml generates no ConfigMap {config_map}"));
    assert!(
        strings(&generator["files"]).iter().any(|f| f == key),
        "{BASE}/kustomization.yaml: ConfigMap {config_map} has no file {key}"
    );
    std::fs::read_to_string(root().join(BASE).join(key)).unwrap()
}

fn name_of(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or("?")
}

fn kind_of(object: &Value) -> &str {
    object["kind"].as_str().unwrap_or("?")
}

fn find<'a>(kind: &str, name: &str) -> Option<&'a Value> {
    objects()
        .iter()
        .find(|o| kind_of(o) == kind && name_of(o) == name)
}

fn get(kind: &str, name: &str) -> &'static Value {
    find(kind, name).unwrap_or_else(|| panic!("{BASE} has no {kind} {name}"))
}

/// Each workload's pod template spec, with what it is: `(kind, name, pod spec)`.
fn pod_specs() -> Vec<(&'static str, &'static str, &'static Value)> {
    objects()
        .iter()
        .filter_map(|o| {
            let spec = match kind_of(o) {
                "Deployment" | "StatefulSet" | "Job" => &o["spec"]["template"],
                "CronJob" => &o["spec"]["jobTemplate"]["spec"]["template"],
                _ => return None,
            };
            Some((kind_of(o), name_of(o), spec))
        })
        .collect()
}

fn containers(pod_template: &Value) -> Vec<&Value> {
    let spec = &pod_template["spec"];
    spec["initContainers"]
        .as_array()
        .into_iter()
        .chain(spec["containers"].as_array())
        .flatten()
        .collect()
}

/// A Deployment's or StatefulSet's one container.
fn main_container(kind: &str, name: &str) -> &'static Value {
    let object = get(kind, name);
    let list = object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap_or_else(|| panic!("{kind} {name} has no containers"));
    assert_eq!(list.len(), 1, "{kind} {name} has one container");
    &list[0]
}

fn env_map(container: &Value, what: &str) -> BTreeMap<String, String> {
    container["env"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|variable| {
            let name = variable["name"].as_str().unwrap().to_owned();
            let value = variable["value"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: {name} has no literal value"));
            (name, value.to_owned())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Schemas and kustomize

#[test]
fn every_manifest_validates_against_the_kubernetes_schemas() {
    let files = resource_files();
    let names: BTreeSet<String> = files.iter().map(|f| relative(f)).collect();
    for expected in [
        "deploy/k8s/base/namespace.yaml",
        "deploy/k8s/base/network-policies.yaml",
    ] {
        assert!(
            names.contains(expected),
            "{expected} is validated: {names:?}"
        );
    }
    validate(&files, &format!("the manifests {names:?}"));
}

#[test]
fn the_kustomizations_list_every_manifest_once_and_every_path_exists() {
    let patches = patch_files();
    for file in k8s_files().into_iter().filter(|f| is_kustomization(f)) {
        let dir = file.parent().unwrap();
        let what = relative(&file);
        let kustomization = yaml_documents(&file).remove(0);
        let resources = strings(&kustomization["resources"]);
        let mut seen = BTreeSet::new();
        for resource in &resources {
            assert!(seen.insert(resource), "{what} lists {resource} twice");
            let path = dir.join(resource);
            assert!(
                path.is_file() || path.join("kustomization.yaml").is_file(),
                "{what} lists {resource}, which is neither a file nor a kustomization"
            );
        }
        for patch in kustomization["patches"].as_array().into_iter().flatten() {
            let path = patch["path"].as_str().unwrap_or_else(|| {
                panic!("{what}: every patch is a file of its own (deploy/k8s/README.md)")
            });
            assert!(
                dir.join(path).is_file(),
                "{what}: patch {path} does not exist"
            );
        }
        // Every other YAML file beside it is one of its resources or patches: a manifest
        // it forgets would silently never be applied.
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            if path.is_file() && name.ends_with(".yaml") && name != "kustomization.yaml" {
                assert!(
                    seen.contains(&name) || patches.contains(&path),
                    "{} is in no kustomization: add it to {what}",
                    relative(&path)
                );
            }
        }
    }

    let base = kustomization(BASE);
    assert_eq!(base["namespace"], NAMESPACE, "{BASE}: namespace");
    let labels = &base["labels"][0];
    assert_eq!(
        labels["pairs"]["app.kubernetes.io/part-of"], "storefront",
        "{BASE}: the part-of label"
    );
    assert_eq!(
        labels["includeSelectors"], false,
        "{BASE}: selectors are immutable, so shared labels stay out of them"
    );
    let production = kustomization(PRODUCTION);
    assert_eq!(
        strings(&production["resources"]),
        ["../../base"],
        "{PRODUCTION} builds on the base"
    );

    // Every storefront image the base runs has its entry in the base (tag in one place)
    // and in the production overlay (its registry and release): one forgotten there would
    // deploy storefront/<name>:dev, which no registry has.
    let images: BTreeSet<String> = pod_specs()
        .iter()
        .flat_map(|(_, _, pod)| containers(pod))
        .map(|c| {
            let image = c["image"].as_str().unwrap();
            let name = image.rsplit_once(':').map_or(image, |(name, _)| name);
            name.to_owned()
        })
        .collect();
    assert!(images.contains("storefront/gateway"), "{images:?}");
    let entries = |k: &Value| -> BTreeMap<String, Value> {
        k["images"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|entry| (entry["name"].as_str().unwrap().to_owned(), entry.clone()))
            .collect()
    };
    let (base_images, production_images) = (entries(&base), entries(&production));
    for image in &images {
        assert!(
            base_images.contains_key(image),
            "{BASE}/kustomization.yaml has no images entry for {image}"
        );
        if let Some(short) = image.strip_prefix("storefront/") {
            let entry = production_images.get(image).unwrap_or_else(|| {
                panic!("{PRODUCTION}/kustomization.yaml has no images entry for {image}")
            });
            assert_eq!(
                entry["newName"],
                format!("{PRODUCTION_REGISTRY}{short}"),
                "{PRODUCTION}: {image}"
            );
            assert_eq!(entry["newTag"], PRODUCTION_TAG, "{PRODUCTION}: {image}");
        }
    }
}

#[test]
fn the_kustomize_renderings_validate() {
    if tools().kubectl.is_none() {
        eprintln!(
            "kustomize rendering skipped: this machine has no kubectl (the manifests were \
             validated one by one)"
        );
        return;
    }
    let files: usize = resource_files()
        .iter()
        .filter(|f| f.starts_with(root().join(BASE)))
        .map(|f| yaml_documents(f).len())
        .sum();
    let generated = kustomization(BASE)["configMapGenerator"]
        .as_array()
        .map_or(0, Vec::len);
    for dir in [BASE, PRODUCTION] {
        let (text, documents) = rendered(dir).unwrap();
        assert_eq!(
            documents.len(),
            files + generated,
            "`kubectl kustomize {dir}` renders every object of the base's files and its \
             generated ConfigMaps"
        );
        let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
            "kustomize-{}.yaml",
            dir.rsplit('/').next().unwrap()
        ));
        std::fs::write(&file, text).unwrap();
        validate(
            std::slice::from_ref(&file),
            &format!("`kubectl kustomize {dir}`"),
        );
        for object in documents {
            let what = format!("{dir}: {} {}", kind_of(object), name_of(object));
            if kind_of(object) != "Namespace" {
                assert_eq!(object["metadata"]["namespace"], NAMESPACE, "{what}");
            }
            assert_eq!(
                object["metadata"]["labels"]["app.kubernetes.io/part-of"], "storefront",
                "{what}"
            );
        }
    }
    // Production runs the release from its registry, and only that (plus PostgreSQL).
    let (_, production) = rendered(PRODUCTION).unwrap();
    let mut count = 0;
    for object in production {
        let template = match kind_of(object) {
            "Deployment" | "StatefulSet" | "Job" => &object["spec"]["template"],
            "CronJob" => &object["spec"]["jobTemplate"]["spec"]["template"],
            _ => continue,
        };
        for container in containers(template) {
            let image = container["image"].as_str().unwrap();
            count += 1;
            assert!(
                image == POSTGRES_IMAGE
                    || (image.starts_with(PRODUCTION_REGISTRY)
                        && image.ends_with(&format!(":{PRODUCTION_TAG}"))),
                "{PRODUCTION}: {} {} runs {image}",
                kind_of(object),
                name_of(object)
            );
        }
    }
    assert!(count >= 7, "{PRODUCTION} renders its workloads");
}

// ---------------------------------------------------------------------------------------
// Workloads

#[test]
fn every_workload_is_probed_sized_and_unprivileged() {
    let mut problems = vec![];
    let workloads = pod_specs();
    assert!(workloads.len() >= 10, "the base's workloads: {workloads:?}");
    for (kind, name, template) in workloads {
        let pod = &template["spec"];
        let mut problem = |container: &str, what: &str| {
            problems.push(format!("{kind} {name}, container {container}: {what}"))
        };
        if pod["automountServiceAccountToken"] != false {
            problem("-", "automountServiceAccountToken is not false");
        }
        let pod_security = &pod["securityContext"];
        let tmp_volumes: BTreeSet<&str> = pod["volumes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|v| v.get("emptyDir").is_some())
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        for container in containers(template) {
            let container_name = container["name"].as_str().unwrap_or("?");
            let mut problem = |what: &str| problem(container_name, what);
            // A Job runs to completion: no probes. Every long-running container has both.
            let long_running = matches!(kind, "Deployment" | "StatefulSet");
            for probe in ["readinessProbe", "livenessProbe"] {
                if long_running && container.get(probe).is_none() {
                    problem(&format!("no {probe}"));
                }
            }
            for bound in ["requests", "limits"] {
                for resource in ["cpu", "memory"] {
                    if container["resources"][bound][resource].is_null() {
                        problem(&format!("no resources.{bound}.{resource}"));
                    }
                }
            }
            let security = &container["securityContext"];
            let either = |field: &str| {
                security
                    .get(field)
                    .or_else(|| pod_security.get(field))
                    .cloned()
            };
            if either("runAsNonRoot") != Some(json!(true)) {
                problem("runAsNonRoot is not true (pod or container)");
            }
            match either("runAsUser").and_then(|u| u.as_u64()) {
                Some(uid) if uid > 0 => {}
                other => problem(&format!("runAsUser is {other:?}, not a non-zero uid")),
            }
            let seccomp = either("seccompProfile");
            if !matches!(
                seccomp.as_ref().and_then(|s| s["type"].as_str()),
                Some("RuntimeDefault" | "Localhost")
            ) {
                problem("no RuntimeDefault seccompProfile (pod or container)");
            }
            if security["allowPrivilegeEscalation"] != false {
                problem("allowPrivilegeEscalation is not false");
            }
            if security["readOnlyRootFilesystem"] != true {
                problem("readOnlyRootFilesystem is not true");
            }
            if !strings(&security["capabilities"]["drop"]).contains(&"ALL".to_owned()) {
                problem("capabilities.drop has no ALL");
            }
            if strings(&security["capabilities"]["add"])
                .iter()
                .any(|_| true)
            {
                problem("adds capabilities");
            }
            // A read-only root: /tmp is an emptyDir (compose's tmpfs).
            let tmp = container["volumeMounts"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|m| {
                    m["mountPath"] == "/tmp" && tmp_volumes.contains(m["name"].as_str().unwrap())
                });
            if !tmp {
                problem("no emptyDir at /tmp");
            }
        }
    }
    assert!(problems.is_empty(), "{BASE}:\n{}", problems.join("\n"));
}

fn http_get_path(container: &Value, probe: &str, what: &str) -> String {
    let get = &container[probe]["httpGet"];
    assert_eq!(get["port"], "http", "{what}: {probe} asks the http port");
    get["path"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: {probe} is no httpGet"))
        .to_owned()
}

fn pod_labels(kind: &str, name: &str) -> &'static Value {
    &get(kind, name)["spec"]["template"]["metadata"]["labels"]
}

/// A Deployment's Service, HPA and PDB: the Service on `port` → http, the HPA scaling it
/// on CPU from two replicas, the PDB keeping one.
fn assert_served_scaled_and_kept(name: &str, component: &str, port: u64) {
    let labels = pod_labels("Deployment", name);
    assert_eq!(labels[NAME], name, "Deployment {name}: pod label {NAME}");
    assert_eq!(
        labels[COMPONENT], component,
        "Deployment {name}: {COMPONENT}"
    );
    let container = main_container("Deployment", name);
    let ports = container["ports"].as_array().unwrap();
    assert!(
        ports
            .iter()
            .any(|p| p["name"] == "http" && p["containerPort"] == 8080),
        "Deployment {name} listens on 8080, named http"
    );
    let matches_pods = |selector: &Value, what: &str| {
        let selector = selector.as_object().unwrap();
        assert!(!selector.is_empty(), "{what} selects something");
        for (key, value) in selector {
            assert_eq!(
                &labels[key], value,
                "{what} selects Deployment {name}'s pods"
            );
        }
    };

    let service = get("Service", name);
    matches_pods(&service["spec"]["selector"], &format!("Service {name}"));
    let service_port = &service["spec"]["ports"][0];
    assert_eq!(service_port["port"], port, "Service {name}: port");
    assert_eq!(service_port["targetPort"], "http", "Service {name}: target");

    let hpa = get("HorizontalPodAutoscaler", name);
    assert_eq!(
        hpa["spec"]["scaleTargetRef"],
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name}),
        "HorizontalPodAutoscaler {name}: target"
    );
    assert!(
        hpa["spec"]["minReplicas"].as_u64() >= Some(2),
        "HorizontalPodAutoscaler {name}: two replicas at least"
    );
    assert_eq!(
        hpa["spec"]["metrics"][0]["resource"]["name"], "cpu",
        "HorizontalPodAutoscaler {name}: on CPU"
    );
    // The HPA owns the count: a replicas field would reset it on every apply.
    assert!(
        get("Deployment", name)["spec"].get("replicas").is_none(),
        "Deployment {name} leaves replicas to its HorizontalPodAutoscaler"
    );

    let pdb = get("PodDisruptionBudget", name);
    assert_eq!(
        pdb["spec"]["minAvailable"], 1,
        "PodDisruptionBudget {name}: one pod always"
    );
    matches_pods(
        &pdb["spec"]["selector"]["matchLabels"],
        &format!("PodDisruptionBudget {name}"),
    );
}

fn mounts(container: &Value) -> impl Iterator<Item = &Value> {
    container["volumeMounts"].as_array().into_iter().flatten()
}

/// A pod's volume; None for a StatefulSet's volume claim template.
fn find_volume<'a>(pod: &'a Value, name: &str) -> Option<&'a Value> {
    pod["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["name"] == name)
}

fn volume<'a>(pod: &'a Value, name: &str) -> &'a Value {
    find_volume(pod, name).unwrap_or_else(|| panic!("no volume {name}"))
}

/// The MFE volume at /srv/site/mfe: `(mount, volume)`.
fn mfe_site_mount<'a>(pod: &'a Value, container: &'a Value, what: &str) -> (&'a Value, &'a Value) {
    let mount = mounts(container)
        .find(|m| m["mountPath"] == "/srv/site/mfe")
        .unwrap_or_else(|| panic!("{what} mounts nothing at /srv/site/mfe"));
    let volume = volume(pod, mount["name"].as_str().unwrap());
    assert_eq!(
        volume["persistentVolumeClaim"]["claimName"], "mfe-site",
        "{what}: /srv/site/mfe is the mfe-site volume"
    );
    (mount, volume)
}

/// The directory the postgres image runs its init scripts from, once, on an empty volume.
const INIT_DIR: &str = "/docker-entrypoint-initdb.d";

/// A slice's database has compose's roles: the superuser is `postgres`, with the password
/// of the Secret's `superuser-password`; never the service's role — a superuser's SQL
/// injection is a shell (`COPY ... TO PROGRAM`). The role and database the service uses
/// are made by postgres-init.sh (the ConfigMap holds exactly what `cargo xtask
/// render-deploy` copies from compose's script), for this slice alone, with the password
/// the service reads.
fn assert_postgres_roles_and_init(slice: &xtask::slices::Slice) {
    let name = slice.name;
    let db = format!("{name}-db");
    let what = format!("StatefulSet {db}");
    let pod = &get("StatefulSet", &db)["spec"]["template"]["spec"];
    let container = main_container("StatefulSet", &db);
    let env = env_map(container, &what);

    let service = slice.package(Tier::Service);
    let url = &env_map(main_container("Deployment", &service), &service)["DATABASE_URL"];
    let role = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .map(|(user, _)| user)
        .unwrap_or_else(|| panic!("Deployment {service}: DATABASE_URL {url} names no user"));
    assert_eq!(role, name, "Deployment {service}: its database role");
    assert_eq!(
        env["POSTGRES_USER"], "postgres",
        "{what}: the superuser is postgres, as in compose"
    );
    assert_ne!(
        env["POSTGRES_USER"], role,
        "{what}: {service}'s role {role} must not be the superuser"
    );
    assert!(
        !env.contains_key("POSTGRES_DB"),
        "{what}: POSTGRES_DB would make database {name} owned by the superuser; \
         postgres-init.sh makes it, owned by {role}"
    );
    assert_eq!(
        env["STOREFRONT_DATABASES"], name,
        "{what}: postgres-init.sh makes this slice's role and database only"
    );
    let compose = deploy_checks::compose_config();
    for variable in ["POSTGRES_PASSWORD_FILE", "STOREFRONT_SECRETS_DIR"] {
        assert_eq!(
            env[variable], compose["services"]["postgres"]["environment"][variable],
            "{what}: {variable} differs from docker-compose.yml's postgres"
        );
    }
    let source = |path: &str| {
        file_source(pod, container, path)
            .unwrap_or_else(|| panic!("{what}: no Secret or ConfigMap puts a file at {path}"))
    };
    assert_eq!(
        source(&env["POSTGRES_PASSWORD_FILE"]),
        (
            "Secret".to_owned(),
            db.clone(),
            "superuser-password".to_owned()
        ),
        "{what}: the superuser's password"
    );
    assert_eq!(
        source(&format!(
            "{}/{name}-db-password",
            env["STOREFRONT_SECRETS_DIR"]
        )),
        ("Secret".to_owned(), db.clone(), "password".to_owned()),
        "{what}: postgres-init.sh gives role {role} the password {service} reads"
    );

    // Ready only once the real server listens on TCP: not the temporary one on the Unix
    // socket the init script runs against.
    for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
        let command = strings(&container[probe]["exec"]["command"]);
        assert!(
            command.first().map(String::as_str) == Some("pg_isready")
                && command.windows(2).any(|pair| pair == ["-h", "127.0.0.1"]),
            "{what}: {probe} is `pg_isready -h 127.0.0.1`: {command:?}"
        );
    }

    let mount = mounts(container)
        .find(|m| m["mountPath"] == INIT_DIR)
        .unwrap_or_else(|| panic!("{what}: nothing mounted at {INIT_DIR}"));
    assert_eq!(mount["readOnly"], true, "{what}: {INIT_DIR} read-only");
    let init = &volume(pod, mount["name"].as_str().unwrap())["configMap"];
    // The entrypoint runs an executable script; one that is not, it sources (in its own
    // shell, with its own options).
    assert_eq!(
        init["defaultMode"], 0o555,
        "{what}: the init script is mounted executable"
    );
    let items = init["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{what}: one init script");
    assert!(
        items[0]["path"].as_str().unwrap().ends_with(".sh"),
        "{what}: the entrypoint runs *.sh files only"
    );
    let script = config_map_file(
        init["name"].as_str().unwrap(),
        items[0]["key"].as_str().unwrap(),
    );
    assert!(
        script == xtask::gateway::postgres_init_copy().unwrap(),
        "{what} runs another init script than {}: run `cargo xtask render-deploy`",
        xtask::gateway::POSTGRES_INIT
    );
}

#[test]
fn every_built_slice_has_its_servers_database_and_publishers() {
    for slice in built() {
        let name = slice.name;
        for tier in [Tier::Service, Tier::Bff] {
            let server = slice.package(tier);
            let component = match tier {
                Tier::Service => "service",
                Tier::Bff => "bff",
            };
            assert_served_scaled_and_kept(&server, component, 8080);
            let container = main_container("Deployment", &server);
            let what = format!("Deployment {server}");
            assert_eq!(
                container["image"].as_str().unwrap().split(':').next(),
                Some(format!("storefront/{server}").as_str()),
                "{what}: image"
            );
            assert_eq!(
                http_get_path(container, "readinessProbe", &what),
                slice.ready_path(tier),
                "{what}: readiness"
            );
            let live = slice.ready_path(tier).replace("readyz", "healthz");
            assert_eq!(
                http_get_path(container, "livenessProbe", &what),
                live,
                "{what}: liveness"
            );
            // Liveness waits for the first start (migrations) instead of killing it.
            assert_eq!(
                http_get_path(container, "startupProbe", &what),
                live,
                "{what}: startup"
            );
        }

        let db = format!("{name}-db");
        let statefulset = get("StatefulSet", &db);
        assert_eq!(statefulset["spec"]["replicas"], 1, "StatefulSet {db}");
        assert_eq!(
            statefulset["spec"]["serviceName"],
            db.as_str(),
            "StatefulSet {db}"
        );
        assert_eq!(
            pod_labels("StatefulSet", &db)[COMPONENT],
            "database",
            "StatefulSet {db}"
        );
        let claim = &statefulset["spec"]["volumeClaimTemplates"][0];
        let mount = mounts(main_container("StatefulSet", &db))
            .find(|m| m["name"] == claim["metadata"]["name"])
            .unwrap_or_else(|| panic!("StatefulSet {db} does not mount its volume claim"));
        let env = env_map(main_container("StatefulSet", &db), &db);
        assert!(
            env["PGDATA"].starts_with(&format!("{}/", mount["mountPath"].as_str().unwrap())),
            "StatefulSet {db}: PGDATA is a directory on its volume"
        );
        assert_postgres_roles_and_init(slice);
        let service = get("Service", &db);
        assert_eq!(
            service["spec"]["clusterIP"], "None",
            "Service {db} is headless"
        );
        assert_eq!(service["spec"]["ports"][0]["port"], 5432, "Service {db}");

        let mfe = format!("{name}-mfe");
        let publish = get("Job", "publish-mfes");
        let pod = &publish["spec"]["template"]["spec"];
        let publisher = containers(&publish["spec"]["template"])
            .into_iter()
            .find(|c| {
                c["image"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("storefront/{mfe}:"))
            })
            .unwrap_or_else(|| panic!("Job publish-mfes does not publish {mfe}"));
        assert_eq!(
            publisher["args"],
            json!(["publish", "--initial"]),
            "Job publish-mfes: {mfe}"
        );
        let (mount, _) = mfe_site_mount(pod, publisher, &format!("Job publish-mfes, {mfe}"));
        assert_ne!(
            mount["readOnly"], true,
            "Job publish-mfes writes the MFE volume"
        );
        for (action, args) in [
            ("deploy", json!(["publish"])),
            ("rollback", json!(["rollback"])),
        ] {
            let name = format!("{action}-{mfe}");
            let cronjob = get("CronJob", &name);
            assert_eq!(
                cronjob["spec"]["suspend"], true,
                "CronJob {name} is a template, never scheduled"
            );
            let template = &cronjob["spec"]["jobTemplate"]["spec"]["template"];
            let list = containers(template);
            assert_eq!(list.len(), 1, "CronJob {name}: one container");
            // `kubectl set image cronjob/<name> mfe=...` (README.md) names it.
            assert_eq!(list[0]["name"], "mfe", "CronJob {name}: container name");
            assert!(
                list[0]["image"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("storefront/{mfe}:")),
                "CronJob {name}: image"
            );
            assert_eq!(list[0]["args"], args, "CronJob {name}: args");
            let (mount, _) = mfe_site_mount(&template["spec"], list[0], &format!("CronJob {name}"));
            assert_ne!(
                mount["readOnly"], true,
                "CronJob {name} writes the MFE volume"
            );
        }
    }
    // One Job publishes every MFE at install, one after another (init containers run in
    // order), so a failed publisher stops the rest with its log at hand.
    let publish = &get("Job", "publish-mfes")["spec"]["template"]["spec"];
    assert_eq!(
        publish["containers"].as_array().unwrap().len()
            + publish["initContainers"].as_array().map_or(0, Vec::len),
        built().count(),
        "Job publish-mfes: one publisher per MFE"
    );
    assert!(
        publish["containers"].as_array().unwrap().len() == 1,
        "Job publish-mfes: its publishers run in turn (init containers), not side by side"
    );

    // The gateway, and the MFE volume it serves read-only.
    assert_served_scaled_and_kept("gateway", "gateway", 80);
    let gateway = main_container("Deployment", "gateway");
    assert_eq!(
        http_get_path(gateway, "readinessProbe", "Deployment gateway"),
        "/shell/loader.js"
    );
    // The kubelet would send the pod's IP as Host, which the gateway refuses (421).
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(
            gateway[probe]["httpGet"]["httpHeaders"],
            json!([{"name": "Host", "value": "localhost"}]),
            "Deployment gateway: its {probe} asks as Host localhost"
        );
    }
    let pod = &get("Deployment", "gateway")["spec"]["template"]["spec"];
    let (mount, volume) = mfe_site_mount(pod, gateway, "Deployment gateway");
    assert_eq!(
        mount["readOnly"], true,
        "Deployment gateway mounts mfe-site read-only"
    );
    assert_eq!(
        volume["persistentVolumeClaim"]["readOnly"], true,
        "Deployment gateway claims mfe-site read-only"
    );
    let claim = get("PersistentVolumeClaim", "mfe-site");
    assert_eq!(
        strings(&claim["spec"]["accessModes"]),
        ["ReadWriteMany"],
        "PersistentVolumeClaim mfe-site: gateway pods on many nodes read it"
    );

    let ingress = get("Ingress", "storefront");
    assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
    assert_eq!(ingress["spec"]["tls"][0]["secretName"], "storefront-tls");
    let path = &ingress["spec"]["rules"][0]["http"]["paths"][0];
    assert_eq!(
        (
            &path["path"],
            &path["pathType"],
            &path["backend"]["service"]
        ),
        (
            &json!("/"),
            &json!("Prefix"),
            &json!({"name": "gateway", "port": {"number": 80}})
        ),
        "Ingress storefront sends everything to the gateway"
    );

    let namespace = get("Namespace", NAMESPACE);
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted",
        "Namespace {NAMESPACE}: Pod Security Admission"
    );
}

/// Behind the ingress controller, the gateway must take the shopper's address and scheme
/// from the controller's X-Forwarded-* headers (rate limits and sign-in throttling count
/// shoppers; cookies are Secure over HTTPS): that is the configuration xtask renders for an
/// ingress, and the gateway image has to carry it where the Deployment names it.
#[test]
fn the_gateway_runs_the_configuration_made_for_an_ingress() {
    let file = Container::BehindIngress.file_name();
    let in_image = format!("/etc/storefront/{file}");
    let command: Vec<String> = strings(&main_container("Deployment", "gateway")["command"]);
    assert_eq!(
        command,
        [xtask::gateway::CONTAINER_ENTRYPOINT, in_image.as_str()],
        "Deployment gateway: the image's entrypoint (it writes STOREFRONT_HOSTS's names, then \
         runs nginx) with the configuration for an ingress"
    );
    assert!(
        root().join("deploy/gateway").join(file).is_file(),
        "deploy/gateway/{file} is missing: `cargo xtask render-deploy`"
    );
    let dockerfile = std::fs::read_to_string(root().join("deploy/docker/gateway.Dockerfile"))
        .expect("deploy/docker/gateway.Dockerfile");
    let copied = dockerfile.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.first() == Some(&"COPY")
            && words.contains(&format!("deploy/gateway/{file}").as_str())
            && (words.last() == Some(&in_image.as_str())
                || words.last() == Some(&"/etc/storefront/"))
    });
    assert!(
        copied,
        "deploy/docker/gateway.Dockerfile does not COPY deploy/gateway/{file} to {in_image}, \
         which the Deployment gateway runs"
    );
}

/// Every host name the Ingress routes is one the gateway answers to (STOREFRONT_HOSTS):
/// it refuses any other Host with 421.
#[test]
fn the_gateway_answers_to_every_host_the_ingress_routes() {
    let env = env_map(
        main_container("Deployment", "gateway"),
        "Deployment gateway",
    );
    let served: BTreeSet<&str> = env
        .get("STOREFRONT_HOSTS")
        .map(String::as_str)
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|name| !name.is_empty())
        .collect();
    let ingress = get("Ingress", "storefront");
    let mut routed: BTreeSet<String> = ingress["spec"]["rules"]
        .as_array()
        .expect("Ingress storefront has rules")
        .iter()
        .filter_map(|rule| rule["host"].as_str().map(str::to_owned))
        .collect();
    for tls in ingress["spec"]["tls"].as_array().into_iter().flatten() {
        routed.extend(strings(&tls["hosts"]));
    }
    assert!(!routed.is_empty(), "Ingress storefront names no host");
    for host in &routed {
        assert!(
            served.contains(host.as_str()),
            "Ingress storefront routes {host}, which the gateway's STOREFRONT_HOSTS ({served:?}) \
             does not name: it would answer 421"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Secrets

/// Where a file path in a container comes from: `(ConfigMap|Secret, name, key)`, through
/// a mounted secret, configMap or projected volume.
fn file_source(pod: &Value, container: &Value, path: &str) -> Option<(String, String, String)> {
    for mount in mounts(container) {
        let dir = mount["mountPath"].as_str().unwrap();
        let Some(rest) = path.strip_prefix(&format!("{}/", dir.trim_end_matches('/'))) else {
            continue;
        };
        let Some(volume) = find_volume(pod, mount["name"].as_str().unwrap()) else {
            continue;
        };
        let mut sources = vec![];
        if let Some(projected) = volume["projected"]["sources"].as_array() {
            sources.extend(projected.iter().cloned());
        } else {
            sources.push(volume.clone());
        }
        for source in sources {
            for (field, kind, name_key) in [
                ("secret", "Secret", "name"),
                ("secret", "Secret", "secretName"),
                ("configMap", "ConfigMap", "name"),
            ] {
                let Some(name) = source[field][name_key].as_str() else {
                    continue;
                };
                for item in source[field]["items"].as_array().into_iter().flatten() {
                    if item["path"] == rest {
                        let key = item["key"].as_str().unwrap().to_owned();
                        return Some((kind.to_owned(), name.to_owned(), key));
                    }
                }
            }
        }
    }
    None
}

/// The Secret keys a pod template can read: `(secret, Some(key))`, or `(secret, None)` for
/// every key of it (a volume or `envFrom` without items).
fn secret_keys(pod: &Value) -> BTreeSet<(String, Option<String>)> {
    let mut found = BTreeSet::new();
    let mut walk = vec![pod];
    while let Some(value) = walk.pop() {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("secretKeyRef") {
                    found.insert((
                        reference["name"].as_str().unwrap().to_owned(),
                        reference["key"].as_str().map(str::to_owned),
                    ));
                }
                if let Some(reference) = map.get("secretRef") {
                    found.insert((reference["name"].as_str().unwrap().to_owned(), None));
                }
                if let Some(secret) = map.get("secret") {
                    if let Some(name) = secret["name"].as_str().or(secret["secretName"].as_str()) {
                        match secret["items"].as_array() {
                            Some(items) => found.extend(items.iter().map(|item| {
                                (name.to_owned(), item["key"].as_str().map(str::to_owned))
                            })),
                            None => {
                                found.insert((name.to_owned(), None));
                            }
                        }
                    }
                }
                walk.extend(map.values());
            }
            Value::Array(items) => walk.extend(items),
            _ => {}
        }
    }
    found
}

/// Every ConfigMap and Secret a pod template references, by any route.
fn referenced_objects(pod: &Value) -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut walk = vec![pod];
    while let Some(value) = walk.pop() {
        match value {
            Value::Object(map) => {
                for (field, kind) in [
                    ("secret", "Secret"),
                    ("secretKeyRef", "Secret"),
                    ("secretRef", "Secret"),
                    ("configMap", "ConfigMap"),
                    ("configMapKeyRef", "ConfigMap"),
                    ("configMapRef", "ConfigMap"),
                ] {
                    if let Some(source) = map.get(field) {
                        let name = source["name"].as_str().or(source["secretName"].as_str());
                        if let Some(name) = name {
                            found.insert((kind.to_owned(), name.to_owned()));
                        }
                    }
                }
                walk.extend(map.values());
            }
            Value::Array(items) => walk.extend(items),
            _ => {}
        }
    }
    found
}

#[test]
fn secrets_are_files_where_the_environment_says_and_only_where_compose_mounts_them() {
    // Every *_FILE variable of a long-running container names a file a volume provides.
    for (kind, name, template) in pod_specs() {
        for container in containers(template) {
            for (variable, path) in env_map(container, &format!("{kind} {name}")) {
                if variable.ends_with("_FILE") {
                    assert!(
                        file_source(&template["spec"], container, &path).is_some(),
                        "{kind} {name}: {variable}={path}, but no Secret or ConfigMap volume \
                         puts a file there"
                    );
                }
            }
        }
    }
    // Who gets what: as in docker-compose.yml.
    let mut users: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (_, name, template) in pod_specs() {
        for object in referenced_objects(&template["spec"]) {
            users.entry(object).or_default().insert(name.to_owned());
        }
    }
    let users_of = |kind: &str, name: &str| -> BTreeSet<String> {
        users
            .get(&(kind.to_owned(), name.to_owned()))
            .cloned()
            .unwrap_or_default()
    };
    let signers: BTreeSet<String> = built()
        .filter(|s| s.signs_identity)
        .map(|s| s.package(Tier::Service))
        .collect();
    assert!(!signers.is_empty());
    assert_eq!(
        users_of("Secret", "identity-signing-key"),
        signers,
        "the private key is mounted into the signing service only"
    );
    let bffs: BTreeSet<String> = built().map(|s| s.package(Tier::Bff)).collect();
    assert_eq!(
        users_of("ConfigMap", "identity-public-key"),
        bffs,
        "the public key is mounted into every BFF"
    );
    for slice in built() {
        let secret = format!("{}-db", slice.name);
        assert_eq!(
            users_of("Secret", &secret),
            BTreeSet::from([slice.package(Tier::Service), secret.clone()]),
            "Secret {secret} is mounted into its service and its database only"
        );
        // The superuser's password reaches the database alone: the service holds its own
        // role's password, never the superuser's.
        let service = slice.package(Tier::Service);
        for (kind, name, template) in pod_specs() {
            let keys: BTreeSet<Option<String>> = secret_keys(&template["spec"])
                .into_iter()
                .filter(|(object, _)| *object == secret)
                .map(|(_, key)| key)
                .collect();
            let reads = |key: &str| keys.contains(&None) || keys.contains(&Some(key.to_owned()));
            if name == secret {
                assert!(
                    reads("superuser-password") && reads("password"),
                    "{kind} {name}: the superuser's and the service's password of Secret {secret}"
                );
            } else {
                assert!(
                    !reads("superuser-password"),
                    "{kind} {name} mounts superuser-password of Secret {secret}: only its \
                     database may"
                );
            }
            if name == service {
                assert_eq!(
                    keys,
                    BTreeSet::from([Some("password".to_owned())]),
                    "{kind} {name}: of Secret {secret}, only its role's password"
                );
            }
        }
    }
    for ((kind, name), pods) in &users {
        assert!(
            !pods
                .iter()
                .any(|p| p == "gateway" || p.ends_with("-mfe") || p == "publish-mfes"),
            "{kind} {name} is mounted into {pods:?}: the gateway and the publishers get none"
        );
    }
}

#[test]
fn the_secrets_script_makes_every_secret_the_pods_reference() {
    let Some(kubectl) = tools().kubectl else {
        eprintln!("secrets script check skipped: this machine has no kubectl");
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("k8s-secrets");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let secrets = dir.join("files");
    stdout_of(
        Command::new("sh")
            .arg(root().join("deploy/compose/make-secrets.sh"))
            .arg(&secrets),
    );
    // A kubectl that makes objects for real (client-side dry run) but applies nothing:
    // it writes what it would apply.
    let applied = dir.join("applied.yaml");
    let fake = dir.join("kubectl");
    std::fs::write(
        &fake,
        format!(
            concat!(
                "#!/bin/sh\n",
                "case \" $* \" in *\" apply \"*) ;; *) exec '{kubectl}' \"$@\" ;; esac\n",
                "for a in \"$@\"; do case $a in --filename=*) file=${{a#--filename=}} ;; esac; done\n",
                "echo --- >>'{applied}'\n",
                "if [ \"$file\" = - ]; then cat; else cat \"$file\"; fi >>'{applied}'\n",
            ),
            applied = applied.display(),
            kubectl = kubectl.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    stdout_of(
        Command::new("sh")
            .arg(root().join("deploy/k8s/secrets.example.sh"))
            .arg(&secrets)
            .env("KUBECTL", &fake),
    );
    let made: BTreeMap<(String, String), Value> = yaml_documents(&applied)
        .into_iter()
        .map(|o| ((kind_of(&o).to_owned(), name_of(&o).to_owned()), o))
        .collect();
    for (kind, name, template) in pod_specs() {
        for container in containers(template) {
            for mount in mounts(container) {
                let Some(volume) = find_volume(&template["spec"], mount["name"].as_str().unwrap())
                else {
                    continue;
                };
                let sources: Vec<&Value> = match volume["projected"]["sources"].as_array() {
                    Some(sources) => sources.iter().collect(),
                    None => vec![volume],
                };
                for source in sources {
                    for (field, object_kind) in [("secret", "Secret"), ("configMap", "ConfigMap")] {
                        let Some(object) = source[field]["name"]
                            .as_str()
                            .or(source[field]["secretName"].as_str())
                        else {
                            continue;
                        };
                        // The base makes it (kustomize's generated postgres-init).
                        if object_kind == "ConfigMap" && find(object_kind, object).is_some() {
                            continue;
                        }
                        let made = made
                            .get(&(object_kind.to_owned(), object.to_owned()))
                            .unwrap_or_else(|| {
                                panic!(
                                    "{kind} {name} mounts {object_kind} {object}, which \
                                     deploy/k8s/secrets.example.sh does not make"
                                )
                            });
                        for item in source[field]["items"].as_array().into_iter().flatten() {
                            let key = item["key"].as_str().unwrap();
                            assert!(
                                made["data"].get(key).is_some(),
                                "{object_kind} {object} from secrets.example.sh has no key {key} \
                                 ({kind} {name} mounts it)"
                            );
                        }
                    }
                }
            }
        }
    }
    let namespace = made
        .get(&("Namespace".to_owned(), NAMESPACE.to_owned()))
        .expect("the script applies the namespace first");
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

// ---------------------------------------------------------------------------------------
// Network policies

/// A pod, as NetworkPolicies see it.
#[derive(Debug, Clone)]
struct Pod {
    namespace: String,
    labels: BTreeMap<String, String>,
    ports: Vec<(String, u64, String)>,
}

impl Pod {
    fn name(&self) -> &str {
        self.labels.get(NAME).map_or("?", String::as_str)
    }

    fn namespace_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(
            "kubernetes.io/metadata.name".to_owned(),
            self.namespace.clone(),
        )])
    }
}

fn label_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

/// The shop's pods (one per workload), the ingress controller's, another namespace's and
/// the cluster DNS's.
fn pods() -> Vec<Pod> {
    let mut pods: Vec<Pod> = pod_specs()
        .into_iter()
        .map(|(_, _, template)| Pod {
            namespace: NAMESPACE.to_owned(),
            labels: label_map(&template["metadata"]["labels"]),
            ports: containers(template)
                .into_iter()
                .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
                .map(|p| {
                    (
                        p["name"].as_str().unwrap_or("").to_owned(),
                        p["containerPort"].as_u64().unwrap(),
                        p["protocol"].as_str().unwrap_or("TCP").to_owned(),
                    )
                })
                .collect(),
        })
        .collect();
    pods.push(Pod {
        namespace: "ingress-nginx".to_owned(),
        labels: BTreeMap::from([(NAME.to_owned(), "ingress-nginx".to_owned())]),
        ports: vec![],
    });
    // Any other pod of the cluster: it reaches nothing of the shop.
    pods.push(Pod {
        namespace: "default".to_owned(),
        labels: BTreeMap::from([(NAME.to_owned(), "elsewhere".to_owned())]),
        ports: vec![],
    });
    pods.push(Pod {
        namespace: "kube-system".to_owned(),
        labels: BTreeMap::from([
            (NAME.to_owned(), "kube-dns".to_owned()),
            ("k8s-app".to_owned(), "kube-dns".to_owned()),
        ]),
        ports: vec![
            ("dns".to_owned(), 53, "UDP".to_owned()),
            ("dns-tcp".to_owned(), 53, "TCP".to_owned()),
        ],
    });
    pods
}

/// Whether a label selector selects `labels` (an empty selector selects everything).
fn selects(selector: &Value, labels: &BTreeMap<String, String>) -> bool {
    let labelled = label_map(&selector["matchLabels"])
        .iter()
        .all(|(k, v)| labels.get(k) == Some(v));
    let expressions = selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|expression| {
            let value = labels.get(expression["key"].as_str().unwrap());
            let values = strings(&expression["values"]);
            match expression["operator"].as_str().unwrap() {
                "In" => value.is_some_and(|v| values.contains(v)),
                "NotIn" => value.is_none_or(|v| !values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                other => panic!("unknown selector operator {other}"),
            }
        });
    labelled && expressions
}

/// Whether a rule's peer (`from`/`to` entry) is `pod`. An ipBlock could be any address,
/// a pod's included: it counts as everyone.
fn peer_is(peer: &Value, pod: &Pod) -> bool {
    if peer.get("ipBlock").is_some() {
        return true;
    }
    let namespace = match peer.get("namespaceSelector") {
        Some(selector) => selects(selector, &pod.namespace_labels()),
        None => pod.namespace == NAMESPACE,
    };
    namespace
        && peer
            .get("podSelector")
            .is_none_or(|selector| selects(selector, &pod.labels))
}

fn port_allowed(rule: &Value, target: &Pod, port: u64, protocol: &str) -> bool {
    let Some(ports) = rule["ports"].as_array().filter(|p| !p.is_empty()) else {
        return true;
    };
    ports.iter().any(|p| {
        p["protocol"].as_str().unwrap_or("TCP") == protocol
            && match &p["port"] {
                Value::Null => true,
                Value::Number(n) => {
                    let low = n.as_u64().unwrap();
                    let high = p["endPort"].as_u64().unwrap_or(low);
                    (low..=high).contains(&port)
                }
                Value::String(name) => target
                    .ports
                    .iter()
                    .any(|(n, number, _)| n == name && *number == port),
                other => panic!("unexpected port {other}"),
            }
    })
}

fn policies() -> Vec<&'static Value> {
    objects()
        .iter()
        .filter(|o| kind_of(o) == "NetworkPolicy")
        .collect()
}

fn policy_types(policy: &Value) -> Vec<String> {
    match policy["spec"].get("policyTypes") {
        Some(types) => strings(types),
        None => {
            let mut types = vec!["Ingress".to_owned()];
            if policy["spec"].get("egress").is_some() {
                types.push("Egress".to_owned());
            }
            types
        }
    }
}

/// Whether `direction` ("Ingress" or "Egress") policies let `pod` talk with `peer` on
/// `port`: no policy of that direction selects `pod`, or one of them has a rule for it.
/// Policies live in the shop's namespace only: other namespaces are not isolated.
fn side_allows(
    direction: &str,
    pod: &Pod,
    peer: &Pod,
    target: &Pod,
    port: u64,
    protocol: &str,
) -> bool {
    if pod.namespace != NAMESPACE {
        return true;
    }
    let (rules, peers) = match direction {
        "Ingress" => ("ingress", "from"),
        _ => ("egress", "to"),
    };
    let selecting: Vec<&Value> = policies()
        .into_iter()
        .filter(|p| policy_types(p).iter().any(|t| t == direction))
        .filter(|p| selects(&p["spec"]["podSelector"], &pod.labels))
        .collect();
    selecting.is_empty()
        || selecting.iter().any(|policy| {
            policy["spec"][rules]
                .as_array()
                .into_iter()
                .flatten()
                .any(|rule| {
                    let peer_ok = match rule[peers].as_array() {
                        Some(list) if !list.is_empty() => list.iter().any(|p| peer_is(p, peer)),
                        _ => true,
                    };
                    peer_ok && port_allowed(rule, target, port, protocol)
                })
        })
}

fn allowed(from: &Pod, to: &Pod, port: u64, protocol: &str) -> bool {
    side_allows("Egress", from, to, to, port, protocol)
        && side_allows("Ingress", to, from, to, port, protocol)
}

#[test]
fn network_policies_let_through_exactly_the_compose_trust_boundaries() {
    let policies = policies();
    assert!(
        policies.iter().any(|p| {
            let spec = &p["spec"];
            spec["podSelector"].as_object().is_some_and(|s| {
                s.values().all(|v| {
                    v.as_object().is_some_and(|m| m.is_empty())
                        || v.as_array().is_some_and(|a| a.is_empty())
                })
            }) && policy_types(p).len() == 2
                && spec["ingress"].as_array().is_none_or(|r| r.is_empty())
                && spec["egress"].as_array().is_none_or(|r| r.is_empty())
        }),
        "{BASE}: no default-deny NetworkPolicy (podSelector {{}}, Ingress and Egress, no rules)"
    );

    let pods = pods();
    let by_name = |name: &str| -> &Pod {
        pods.iter()
            .find(|p| p.name() == name)
            .unwrap_or_else(|| panic!("no pod {name}"))
    };
    let component = |pod: &Pod| pod.labels.get(COMPONENT).cloned().unwrap_or_default();

    // The egress rules themselves (defence in depth: an ingress rule elsewhere must not be
    // all that keeps these apart): no rule lets the gateway out to a service or a database,
    // nor a BFF to a database.
    for pod in pods.iter().filter(|p| p.namespace == NAMESPACE) {
        let forbidden: &[&str] = match component(pod).as_str() {
            "gateway" => &["service", "database"],
            "bff" => &["database"],
            _ => continue,
        };
        for policy in policies
            .iter()
            .filter(|p| selects(&p["spec"]["podSelector"], &pod.labels))
        {
            for rule in policy["spec"]["egress"].as_array().into_iter().flatten() {
                for target in pods
                    .iter()
                    .filter(|t| forbidden.contains(&component(t).as_str()))
                {
                    let reaches = match rule["to"].as_array() {
                        Some(list) if !list.is_empty() => list.iter().any(|p| peer_is(p, target)),
                        _ => true,
                    };
                    assert!(
                        !reaches,
                        "NetworkPolicy {} lets {} out to {}",
                        name_of(policy),
                        pod.name(),
                        target.name()
                    );
                }
            }
        }
    }

    // Every connection, both sides' policies together: allowed exactly when expected.
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    let mut expect = |from: &str, to: &str| expected.insert((from.to_owned(), to.to_owned()));
    expect("ingress-nginx", "gateway");
    for slice in built() {
        let (service, bff) = (slice.package(Tier::Service), slice.package(Tier::Bff));
        expect("gateway", &bff);
        expect(&bff, &service);
        expect(&service, &format!("{}-db", slice.name));
        for callee in slice.calls {
            expect(&service, &format!("{callee}-service"));
        }
    }
    let mut wrong = vec![];
    for from in &pods {
        for to in &pods {
            if to.name() == "kube-dns" {
                continue;
            }
            for (_, port, protocol) in &to.ports {
                let is = allowed(from, to, *port, protocol);
                let should = expected.contains(&(from.name().to_owned(), to.name().to_owned()));
                if is != should {
                    wrong.push(format!(
                        "{} → {}:{port}/{protocol} is {}",
                        from.name(),
                        to.name(),
                        if is {
                            "allowed, but must not be"
                        } else {
                            "denied, but is needed"
                        }
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{BASE}/network-policies.yaml:\n{}",
        wrong.join("\n")
    );

    // Names resolve for every pod that talks to another; the publishers reach nothing.
    let dns = by_name("kube-dns");
    for pod in pods.iter().filter(|p| p.namespace == NAMESPACE) {
        let resolves = allowed(pod, dns, 53, "UDP") && allowed(pod, dns, 53, "TCP");
        let publisher = component(pod) == "publisher";
        assert_eq!(
            resolves,
            !publisher,
            "{} {} the cluster DNS",
            pod.name(),
            if publisher {
                "must not reach"
            } else {
                "cannot reach"
            }
        );
    }
}

// ---------------------------------------------------------------------------------------
// Parity with docker-compose.yml

#[test]
fn each_server_has_the_compose_environment_but_for_the_database_host() {
    let compose = deploy_checks::compose_config();
    let mut checked = 0;
    for slice in built() {
        for tier in [Tier::Service, Tier::Bff] {
            let server = slice.package(tier);
            let ours = env_map(main_container("Deployment", &server), &server);
            let theirs: BTreeMap<String, String> = compose["services"][&server]["environment"]
                .as_object()
                .unwrap_or_else(|| panic!("docker-compose.yml: {server} has no environment"))
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                .collect();
            assert_eq!(
                ours.keys().collect::<Vec<_>>(),
                theirs.keys().collect::<Vec<_>>(),
                "Deployment {server} and docker-compose.yml's {server} set different variables"
            );
            for (variable, value) in &theirs {
                // Compose has one PostgreSQL for all; here each service has its own.
                let value = value.replace("@postgres:", &format!("@{}-db:", slice.name));
                assert_eq!(
                    &ours[variable], &value,
                    "Deployment {server}: {variable} differs from docker-compose.yml's \
                     (only the database host may)"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * built().count());
    // The gateway, like compose's, is told only the host names it answers to (which differ:
    // compose serves localhost, Kubernetes the Ingress's hosts).
    let gateway: Vec<String> = env_map(main_container("Deployment", "gateway"), "gateway")
        .into_keys()
        .collect();
    let compose_gateway: Vec<String> = compose["services"]["gateway"]["environment"]
        .as_object()
        .map(|env| env.keys().cloned().collect())
        .unwrap_or_default();
    assert_eq!(
        (gateway.as_slice(), compose_gateway.as_slice()),
        (
            &["STOREFRONT_HOSTS".to_owned()][..],
            &["STOREFRONT_HOSTS".to_owned()][..]
        ),
        "the gateway's environment differs from docker-compose.yml's"
    );
}

/// Every address in the servers' environment is a Service of the base on that port.
#[test]
fn every_address_in_the_environment_is_a_service_on_that_port() {
    let mut checked = 0;
    for (kind, name, template) in pod_specs() {
        for container in containers(template) {
            for (variable, value) in env_map(container, &format!("{kind} {name}")) {
                let Some((_, rest)) = value.split_once("://") else {
                    continue;
                };
                let authority = rest.split('/').next().unwrap();
                let host_port = authority.rsplit('@').next().unwrap();
                let (host, port) = host_port
                    .rsplit_once(':')
                    .unwrap_or_else(|| panic!("{kind} {name}: {variable}={value} has no port"));
                let port: u64 = port.parse().unwrap();
                let service = find("Service", host).unwrap_or_else(|| {
                    panic!("{kind} {name}: {variable}={value}, but there is no Service {host}")
                });
                assert!(
                    service["spec"]["ports"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|p| p["port"] == port),
                    "{kind} {name}: {variable}={value}, but Service {host} has no port {port}"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 2 * built().count(),
        "addresses checked: {checked}"
    );
}
