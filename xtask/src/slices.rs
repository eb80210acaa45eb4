//! The shop's slices, in one table. It drives building, publishing and starting them, the
//! nginx gateway (each BFF's upstream pool, API location, JSON fallback and rate-limit
//! zone; each page route), the shell's header slots, and the browser tests' shop.
//!
//! Everything else about a slice follows from its name by convention. For `catalog`:
//!
//! | what | name |
//! |---|---|
//! | MFE | `frontends/catalog` (`mfe.json`, trunk build) |
//! | service | crate and binary `catalog-service`, env `CATALOG_SERVICE__*`, `DATABASE_URL` |
//! | BFF | crate and binary `catalog-bff`, env `CATALOG_BFF__*`, serves `/api/catalog/` |
//! | BFF → service | `CATALOG_BFF__CATALOG_SERVICE_URL` |
//! | service → another slice's service | `CART_SERVICE__CATALOG_SERVICE_URL` (see [`Slice::calls`]) |
//! | health | service `/readyz`, BFF `/api/catalog/readyz` |
//! | nginx | upstream `catalog_bff`, fallback `@catalog_unavailable`, zone `catalog_strict` |
//! | down | 503 `{"error":{"code":"catalog_unavailable", ...}}` |
//! | local database | `var/data/catalog.db`, or `STOREFRONT_CATALOG_DATABASE_URL` |
//! | identity | BFF `CATALOG_BFF__IDENTITY_PUBLIC_KEY_FILE`; the signing slice's service `ACCOUNT_SERVICE__SIGNING_KEY_FILE` (`var/keys/`) |
//!
//! Adding a slice = its crates (service, BFF, BFF API, MFE) + one entry here.

/// One business slice: its MFE, BFF and service.
#[derive(Debug, Clone, Copy)]
pub struct Slice {
    /// Lower-case, one word; every other name derives from it (see the module docs).
    pub name: &'static str,
    /// What the shopper reads when it is down: "*The catalog* is unavailable right now".
    pub label: &'static str,
    /// Whether its crates exist yet. A slice that does not exist yet keeps its page routes
    /// and header slots, which show their designed fallbacks.
    pub built: bool,
    /// nginx `location` matches of the pages whose main slot this slice's MFE draws.
    pub pages: &'static [&'static str],
    /// The fragments its MFE draws in the shell's header: `(slot, fragment)`, in the
    /// order they appear (slices are listed in header order).
    pub header: &'static [(&'static str, &'static str)],
    /// Slices whose service this slice's service calls (they start first).
    pub calls: &'static [&'static str],
    /// Paths under its API that allow only a few requests per client and minute (sign-in).
    pub strict_paths: &'static [&'static str],
    /// Whether its BFF renders its MFE's first views (`GET /api/<name>/fragments/page/<path>`
    /// for its pages, `/api/<name>/fragments/<fragment>` for its header fragments), which
    /// nginx includes in the shell (SSI, under `/_fragments/<name>/`).
    pub server_rendered: bool,
    /// Whether those fragments are the same for every shopper (the catalog), so nginx may
    /// keep each for a second and answer a crowd with one render.
    pub shared_fragments: bool,
    /// Whether its service holds the private key that signs identity tokens (the
    /// account slice): it gets `<SLICE>_SERVICE__SIGNING_KEY_FILE`. Every BFF gets the
    /// public key as `<SLICE>_BFF__IDENTITY_PUBLIC_KEY_FILE`.
    pub signs_identity: bool,
}

/// Every slice, in start order (a service starts after the services it calls) and in the
/// order of their header fragments.
pub const SLICES: &[Slice] = &[
    Slice {
        name: "catalog",
        label: "The catalog",
        built: true,
        pages: &["= /", "~ ^/products(?:/|$)"],
        header: &[],
        calls: &[],
        strict_paths: &[],
        server_rendered: true,
        shared_fragments: true,
        signs_identity: false,
    },
    Slice {
        name: "account",
        label: "Your account",
        built: true,
        pages: &["~ ^/account(?:/|$)"],
        header: &[("account-menu", "menu")],
        calls: &[],
        strict_paths: &["sign-in"],
        server_rendered: true,
        shared_fragments: false,
        signs_identity: true,
    },
    Slice {
        name: "cart",
        label: "The cart",
        built: true,
        pages: &["~ ^/(?:cart|checkout)(?:/|$)"],
        header: &[("cart-badge", "badge")],
        calls: &["catalog"],
        strict_paths: &[],
        server_rendered: true,
        shared_fragments: false,
        signs_identity: false,
    },
];

/// The slices whose crates exist.
pub fn built() -> impl Iterator<Item = &'static Slice> {
    SLICES.iter().filter(|slice| slice.built)
}

/// The slice called `name`.
pub fn get(name: &str) -> Option<&'static Slice> {
    SLICES.iter().find(|slice| slice.name == name)
}

/// Which of a slice's two servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Service,
    Bff,
}

impl Tier {
    fn suffix(self) -> &'static str {
        match self {
            Tier::Service => "service",
            Tier::Bff => "bff",
        }
    }
}

impl Slice {
    /// The crate and binary of its service or BFF: `catalog-service`, `catalog-bff`.
    pub fn package(&self, tier: Tier) -> String {
        format!("{}-{}", self.name, tier.suffix())
    }

    /// One of its servers' environment variables: `CATALOG_BFF__PORT`.
    pub fn env(&self, tier: Tier, setting: &str) -> String {
        format!(
            "{}_{}__{setting}",
            self.name.to_uppercase(),
            tier.suffix().to_uppercase()
        )
    }

    /// The variable that tells a server of this slice where `other`'s service is.
    pub fn service_url_env(&self, tier: Tier, other: &Slice) -> String {
        self.env(tier, &format!("{}_SERVICE_URL", other.name.to_uppercase()))
    }

    /// The path a server answers 200 on once it can serve.
    pub fn ready_path(&self, tier: Tier) -> String {
        match tier {
            Tier::Service => "/readyz".to_owned(),
            Tier::Bff => format!("/api/{}/readyz", self.name),
        }
    }

    /// Its nginx upstream: `catalog_bff`.
    pub fn upstream(&self) -> String {
        format!("{}_bff", self.name)
    }

    /// The error code of its degraded answers: `catalog_unavailable`.
    pub fn unavailable_code(&self) -> String {
        format!("{}_unavailable", self.name)
    }

    /// The sentence a shopper reads when it is down.
    pub fn unavailable_message(&self) -> String {
        format!(
            "{} is unavailable right now. Please try again in a moment.",
            self.label
        )
    }

    /// The variable `cargo xtask up` reads its service's database URL from.
    pub fn database_url_env(&self) -> String {
        format!("STOREFRONT_{}_DATABASE_URL", self.name.to_uppercase())
    }

    /// The slices its service calls.
    pub fn called(&self) -> impl Iterator<Item = &'static Slice> + '_ {
        self.calls.iter().filter_map(|name| get(name))
    }
}

/// The files the shell includes from `/shell/` that the slice table writes.
pub fn shell_includes() -> [(&'static str, String); 2] {
    [
        ("header-slots.html", header_slots_html()),
        ("header-styles.html", header_styles_html()),
    ]
}

/// Whether `slice`'s BFF renders its header fragments into the page.
fn renders_header(slice: &Slice) -> bool {
    slice.built && slice.server_rendered && !slice.header.is_empty()
}

/// The shell's header slots, one per header fragment of every slice: the markup
/// `/shell/header-slots.html` holds, which the shell includes (SSI). A server-rendering
/// slice's slot includes its fragment as its BFF renders it for this shopper (empty when it
/// does not, in time: the MFE then draws it in the browser).
pub fn header_slots_html() -> String {
    let mut html = String::new();
    for slice in SLICES {
        for (slot, fragment) in slice.header {
            let rendered = if renders_header(slice) {
                format!(
                    "<!--# include virtual=\"/_fragments/{}/{fragment}\" -->",
                    slice.name
                )
            } else {
                String::new()
            };
            html.push_str(&format!(
                "<div class=\"slot header-slot\" data-slot=\"{slot}\" data-mfe=\"{}\" data-fragment=\"{fragment}\" data-label=\"{}\">{rendered}</div>\n",
                slice.name, slice.label
            ));
        }
    }
    html
}

/// The stylesheets of the MFEs whose header fragments are rendered on the server: what
/// `/shell/header-styles.html` holds, which the shell includes in its `<head>` (SSI), so
/// the header is laid out once, with them, and never shifts when they arrive.
pub fn header_styles_html() -> String {
    SLICES
        .iter()
        .filter(|slice| renders_header(slice))
        .map(|slice| {
            format!(
                "<!--# include virtual=\"/mfe/{}/styles.html\" -->\n",
                slice.name
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_from_the_slice_name() {
        let catalog = get("catalog").unwrap();
        let cart = get("cart").unwrap();
        assert_eq!(catalog.package(Tier::Bff), "catalog-bff");
        assert_eq!(catalog.env(Tier::Service, "PORT"), "CATALOG_SERVICE__PORT");
        assert_eq!(
            catalog.service_url_env(Tier::Bff, catalog),
            "CATALOG_BFF__CATALOG_SERVICE_URL"
        );
        assert_eq!(
            cart.service_url_env(Tier::Service, catalog),
            "CART_SERVICE__CATALOG_SERVICE_URL"
        );
        assert_eq!(catalog.ready_path(Tier::Bff), "/api/catalog/readyz");
        assert_eq!(catalog.unavailable_code(), "catalog_unavailable");
    }

    #[test]
    fn a_service_starts_after_the_services_it_calls() {
        for (index, slice) in SLICES.iter().enumerate() {
            for called in slice.calls {
                let position = SLICES.iter().position(|s| s.name == *called);
                assert!(
                    position.is_some_and(|p| p < index),
                    "{} calls {called}, which must be listed before it",
                    slice.name
                );
            }
        }
    }

    #[test]
    fn every_built_slice_has_its_crates_and_every_mfe_a_slice() {
        let root = crate::workspace::root();
        for slice in built() {
            for dir in [
                format!("frontends/{}/mfe.json", slice.name),
                format!("services/{}/Cargo.toml", slice.name),
                format!("bff/{}/Cargo.toml", slice.name),
                format!("bff/{}/api/Cargo.toml", slice.name),
            ] {
                assert!(root.join(&dir).is_file(), "{} has no {dir}", slice.name);
            }
        }
        for entry in std::fs::read_dir(root.join("frontends")).unwrap() {
            let entry = entry.unwrap();
            if entry.path().join("mfe.json").is_file() {
                let name = entry.file_name().to_string_lossy().into_owned();
                assert!(
                    get(&name).is_some_and(|slice| slice.built),
                    "frontends/{name} is an MFE but no built slice in the table"
                );
            }
        }
    }

    #[test]
    fn header_slots_come_in_table_order_with_their_labels() {
        let html = header_slots_html();
        let account = html.find("data-slot=\"account-menu\"").unwrap();
        let cart = html.find("data-slot=\"cart-badge\"").unwrap();
        assert!(account < cart);
        assert!(html.contains("data-mfe=\"cart\" data-fragment=\"badge\" data-label=\"The cart\""));
    }

    #[test]
    fn the_stylesheets_of_rendered_header_fragments_go_into_the_head() {
        let styles = header_styles_html();
        assert!(!header_slots_html().contains("styles.html"));
        for slice in SLICES {
            assert_eq!(
                styles.contains(&format!("/mfe/{}/styles.html", slice.name)),
                renders_header(slice),
                "{}",
                slice.name
            );
        }
        let shell =
            std::fs::read_to_string(crate::workspace::root().join("shell/index.html")).unwrap();
        let head = &shell[..shell.find("</head>").unwrap()];
        assert!(head.contains("<!--# include virtual=\"/shell/header-styles.html\" -->"));
    }
}
