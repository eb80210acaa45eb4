//! Generated product pictures.
//!
//! The seed catalog ships without photographs, so every product gets a small,
//! deterministic SVG instead: its category's icon on a tinted background. The
//! tint and the background accent are derived from the product slug, so
//! neighbouring cards in one category still look distinct, and the output is
//! identical on every run (safe to cache and to compare in tests).

/// Colours derived from one hue, so background and icon always harmonise.
struct Palette {
    /// Icon outline and main fill.
    dark: String,
    /// Secondary icon details (pockets, pads, steam).
    mid: String,
    /// Tertiary fill that sits between `mid` and the background.
    soft: String,
    /// Highlights and light surfaces (pages, bulb, door).
    light: String,
}

impl Palette {
    fn new(hue: u32) -> Self {
        Self {
            dark: format!("hsl({hue},34%,30%)"),
            mid: format!("hsl({hue},38%,50%)"),
            soft: format!("hsl({hue},40%,66%)"),
            light: format!("hsl({hue},60%,97%)"),
        }
    }
}

/// Draws the product's picture: the category's icon on a tinted background, so every product has an image without any external URL.
#[must_use]
pub fn product_svg(category_slug: &str, product_slug: &str, product_name: &str) -> String {
    let hash = mix(fnv1a(product_slug.as_bytes()));
    let hue = hash % 360;
    let palette = Palette::new(hue);
    // Ids only need to be unique per product, so inlined SVGs on one page
    // never pick up each other's gradients.
    let id = format!("{hash:08x}");
    let background = background(hash, hue, &id);
    let icon = match category_slug {
        "coffee-tea" => cup(&palette),
        "kitchen" => pot(&palette),
        "books" => book(&palette),
        "audio" => headphones(&palette),
        "outdoor" => tent(&palette),
        "home-office" => lamp(&palette),
        "plants" => plant(&palette),
        "bags" => backpack(&palette),
        _ => tag(&palette),
    };
    format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" role="img">"#,
            "<title>{title}</title>{background}",
            r#"<ellipse cx="200" cy="302" rx="92" ry="9" fill="{dark}" opacity=".14"/>"#,
            "{icon}</svg>"
        ),
        title = escape_xml(product_name),
        background = background,
        dark = palette.dark,
        icon = icon,
    )
}

/// 32-bit FNV-1a: tiny, dependency-free and stable across Rust versions,
/// unlike `DefaultHasher`, whose output may change between releases.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// Avalanche finaliser (from MurmurHash3): FNV-1a alone leaves similar slugs
/// clustered in the low bits, which made whole categories share one hue.
fn mix(mut hash: u32) -> u32 {
    hash ^= hash >> 16;
    hash = hash.wrapping_mul(0x85eb_ca6b);
    hash ^= hash >> 13;
    hash = hash.wrapping_mul(0xc2b2_ae35);
    hash ^ (hash >> 16)
}

/// Escapes the five XML special characters so any product name is safe in `<title>`.
fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Pastel gradient plus one of four low-contrast accents picked by hash bits
/// that the hue does not use, so the accent varies independently of colour.
fn background(hash: u32, hue: u32, id: &str) -> String {
    let hue2 = (hue + 28) % 360;
    // Gradient direction: one of four diagonals/axes.
    let (x2, y2) = match (hash >> 10) % 4 {
        0 => (1, 1),
        1 => (0, 1),
        2 => (1, 0),
        _ => (0, 0),
    };
    let (x1, y1) = if (x2, y2) == (0, 0) { (1, 1) } else { (0, 0) };
    let gradient = format!(
        concat!(
            r#"<defs><linearGradient id="b{id}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}">"#,
            r#"<stop offset="0" stop-color="hsl({hue},58%,93%)"/>"#,
            r#"<stop offset="1" stop-color="hsl({hue2},46%,84%)"/>"#,
            "</linearGradient>{pattern}</defs>",
            r#"<rect width="400" height="400" fill="url(#b{id})"/>"#
        ),
        id = id,
        x1 = x1,
        y1 = y1,
        x2 = x2,
        y2 = y2,
        hue = hue,
        hue2 = hue2,
        pattern = if (hash >> 14) % 4 == 2 {
            format!(
                concat!(
                    r#"<pattern id="d{id}" width="28" height="28" patternUnits="userSpaceOnUse">"#,
                    r##"<circle cx="14" cy="14" r="3" fill="#fff"/></pattern>"##
                ),
                id = id
            )
        } else {
            String::new()
        },
    );
    let accent = match (hash >> 14) % 4 {
        0 => {
            // One large soft disc, offset towards a corner.
            let cx = 60 + (hash >> 18) % 280;
            let cy = 60 + (hash >> 24) % 120;
            let r = 110 + (hash >> 20) % 60;
            format!(r##"<circle cx="{cx}" cy="{cy}" r="{r}" fill="#fff" opacity=".35"/>"##)
        }
        1 => {
            // Broad diagonal stripes at a hash-chosen angle.
            let angle = 20 + (hash >> 18) % 140;
            format!(
                r##"<path d="M-100-100v600M-20-100v600M60-100v600M140-100v600M220-100v600M300-100v600M380-100v600M460-100v600" stroke="#fff" stroke-width="22" opacity=".22" transform="rotate({angle} 200 200)"/>"##
            )
        }
        2 => format!(r#"<rect width="400" height="400" fill="url(#d{id})" opacity=".5"/>"#),
        _ => {
            // Concentric rings radiating from one corner.
            let cx = if (hash >> 18) & 1 == 0 { 0 } else { 400 };
            let cy = if (hash >> 19) & 1 == 0 { 0 } else { 400 };
            format!(
                r##"<g fill="none" stroke="#fff" stroke-width="16" opacity=".25"><circle cx="{cx}" cy="{cy}" r="90"/><circle cx="{cx}" cy="{cy}" r="150"/><circle cx="{cx}" cy="{cy}" r="210"/></g>"##
            )
        }
    };
    format!("{gradient}{accent}")
}

/// Coffee & tea: a cup on a saucer with rising steam.
fn cup(p: &Palette) -> String {
    format!(
        concat!(
            r#"<g fill="none" stroke="{mid}" stroke-width="9" stroke-linecap="round">"#,
            r#"<path d="M158 162c-16-16 16-28 0-50"/><path d="M188 154c-16-16 16-28 0-50"/>"#,
            r#"<path d="M218 162c-16-16 16-28 0-50"/></g>"#,
            r#"<path d="M254 206h10a24 24 0 0 1 0 48h-22" fill="none" stroke="{dark}" stroke-width="13"/>"#,
            r#"<ellipse cx="200" cy="292" rx="98" ry="12" fill="{mid}"/>"#,
            r#"<path d="M118 182h140v34c0 40-28 70-66 70h-8c-38 0-66-30-66-70z" fill="{dark}"/>"#,
            r#"<path d="M138 200v16c0 24 10 42 26 52" fill="none" stroke="{light}" stroke-width="8" stroke-linecap="round" opacity=".5"/>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

/// Kitchen: a lidded cooking pot with side handles.
fn pot(p: &Palette) -> String {
    format!(
        concat!(
            r#"<rect x="96" y="196" width="208" height="16" rx="8" fill="{dark}"/>"#,
            r#"<rect x="122" y="182" width="156" height="106" rx="18" fill="{dark}"/>"#,
            r#"<rect x="122" y="222" width="156" height="12" fill="{mid}"/>"#,
            r#"<path d="M110 176c0-30 40-48 90-48s90 18 90 48z" fill="{mid}"/>"#,
            r#"<rect x="104" y="170" width="192" height="14" rx="7" fill="{dark}"/>"#,
            r#"<rect x="186" y="112" width="28" height="22" rx="8" fill="{dark}"/>"#,
            r#"<path d="M140 162c6-12 22-20 40-23" fill="none" stroke="{light}" stroke-width="7" stroke-linecap="round" opacity=".6"/>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

/// Books: an open book with lines of text.
fn book(p: &Palette) -> String {
    format!(
        concat!(
            r#"<path d="M94 138v150c44-10 82-4 106 12 24-16 62-22 106-12V138z" fill="{dark}"/>"#,
            r#"<path d="M200 136c-26-16-60-22-94-16v150c36-6 68 0 94 16z" fill="{light}"/>"#,
            r#"<path d="M200 136c26-16 60-22 94-16v150c-36-6-68 0-94 16z" fill="{light}"/>"#,
            r#"<path d="M200 136v150" stroke="{dark}" stroke-width="4"/>"#,
            r#"<g stroke="{mid}" stroke-width="7" stroke-linecap="round">"#,
            r#"<path d="M126 156c20-3 40 0 56 8M126 184c20-3 40 0 56 8M126 212c20-3 40 0 56 8M126 240c20-3 32-1 42 3"/>"#,
            r#"<path d="M274 156c-20-3-40 0-56 8M274 184c-20-3-40 0-56 8M274 212c-20-3-40 0-56 8"/></g>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

/// Audio: over-ear headphones.
fn headphones(p: &Palette) -> String {
    format!(
        concat!(
            r#"<path d="M128 236v-36a72 72 0 0 1 144 0v36" fill="none" stroke="{dark}" stroke-width="16" stroke-linecap="round"/>"#,
            r#"<rect x="104" y="212" width="44" height="82" rx="20" fill="{dark}"/>"#,
            r#"<rect x="252" y="212" width="44" height="82" rx="20" fill="{dark}"/>"#,
            r#"<rect x="140" y="222" width="18" height="62" rx="8" fill="{mid}"/>"#,
            r#"<rect x="242" y="222" width="18" height="62" rx="8" fill="{mid}"/>"#,
            r#"<path d="M116 230v28" stroke="{light}" stroke-width="6" stroke-linecap="round" opacity=".5"/>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

/// Outdoor: a pitched tent with an open door and a low sun.
fn tent(p: &Palette) -> String {
    format!(
        concat!(
            r#"<circle cx="286" cy="128" r="20" fill="{mid}"/>"#,
            r#"<path d="M186 110l14 22 14-22" fill="none" stroke="{dark}" stroke-width="8" stroke-linecap="round" stroke-linejoin="round"/>"#,
            r#"<path d="M200 128l104 160H96z" fill="{dark}" stroke="{dark}" stroke-width="10" stroke-linejoin="round"/>"#,
            r#"<path d="M200 178l40 110h-80z" fill="{light}"/>"#,
            r#"<path d="M200 180v108" stroke="{mid}" stroke-width="5"/>"#,
            r#"<path d="M80 292h240" stroke="{dark}" stroke-width="8" stroke-linecap="round"/>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

/// Home office: an articulated desk lamp.
fn lamp(p: &Palette) -> String {
    format!(
        concat!(
            r#"<g transform="translate(-14 2)">"#,
            r#"<path d="M176 278l-36-86 86-56" fill="none" stroke="{dark}" stroke-width="12" stroke-linecap="round" stroke-linejoin="round"/>"#,
            r#"<rect x="120" y="274" width="112" height="18" rx="9" fill="{dark}"/>"#,
            r#"<circle cx="140" cy="192" r="12" fill="{mid}"/>"#,
            r#"<g transform="translate(226 136) rotate(-30) scale(.84)">"#,
            r#"<circle cy="70" r="22" fill="{light}"/>"#,
            r#"<path d="M-14-6h28l4 18c32 8 44 32 46 58h-128c2-26 14-50 46-58z" fill="{dark}"/></g>"#,
            r#"<circle cx="226" cy="136" r="9" fill="{mid}"/></g>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

/// Plants: a leafy plant in a flower pot.
fn plant(p: &Palette) -> String {
    let leaf = "M0 0C-30-25-34-70 0-100 34-70 30-25 0 0z";
    format!(
        concat!(
            r#"<g transform="translate(200 208)">"#,
            r#"<path d="{leaf}" fill="{soft}" transform="rotate(-74) scale(.72)"/>"#,
            r#"<path d="{leaf}" fill="{soft}" transform="rotate(74) scale(.72)"/>"#,
            r#"<path d="{leaf}" fill="{mid}" transform="rotate(-38) scale(.9)"/>"#,
            r#"<path d="{leaf}" fill="{mid}" transform="rotate(38) scale(.9)"/>"#,
            r#"<path d="{leaf}" fill="{dark}" transform="scale(.95 1.08)"/>"#,
            r#"<g stroke="{light}" stroke-width="4" stroke-linecap="round" opacity=".5">"#,
            r#"<path d="M0-10v-84M-8-12l-42-54M8-12l42-54"/></g></g>"#,
            r#"<path d="M154 222h92l-12 70h-68z" fill="{dark}"/>"#,
            r#"<rect x="144" y="204" width="112" height="24" rx="6" fill="{dark}"/>"#,
            r#"<path d="M144 224h112" stroke="{mid}" stroke-width="5"/>"#
        ),
        leaf = leaf,
        dark = p.dark,
        mid = p.mid,
        soft = p.soft,
        light = p.light,
    )
}

/// Bags: a backpack with a top loop and front pocket.
fn backpack(p: &Palette) -> String {
    format!(
        concat!(
            r#"<path d="M182 138v-12a18 18 0 0 1 36 0v12" fill="none" stroke="{dark}" stroke-width="10"/>"#,
            r#"<rect x="112" y="178" width="20" height="80" rx="10" fill="{mid}"/>"#,
            r#"<rect x="268" y="178" width="20" height="80" rx="10" fill="{mid}"/>"#,
            r#"<rect x="126" y="134" width="148" height="160" rx="44" fill="{dark}"/>"#,
            r#"<path d="M126 186c0-30 30-52 74-52s74 22 74 52z" fill="{mid}"/>"#,
            r#"<rect x="152" y="218" width="96" height="62" rx="16" fill="{mid}"/>"#,
            r#"<path d="M168 234h64" stroke="{light}" stroke-width="5" stroke-linecap="round"/>"#,
            r#"<rect x="190" y="172" width="20" height="26" rx="5" fill="{light}"/>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

/// Unknown category: a generic price tag, so new categories still get a picture.
fn tag(p: &Palette) -> String {
    format!(
        concat!(
            r#"<g transform="translate(0 -10) rotate(40 200 208)">"#,
            r#"<path d="M118 200l52-56h118v112H170z" fill="{dark}" stroke="{dark}" stroke-width="16" stroke-linejoin="round"/>"#,
            r#"<circle cx="168" cy="200" r="13" fill="{light}"/>"#,
            r#"<path d="M168 200c-30-6-46 14-70 4" fill="none" stroke="{mid}" stroke-width="6" stroke-linecap="round"/>"#,
            r#"<path d="M206 180h58M206 220h40" stroke="{mid}" stroke-width="10" stroke-linecap="round"/></g>"#
        ),
        dark = p.dark,
        mid = p.mid,
        light = p.light,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_deterministic() {
        let a = product_svg(
            "kitchen",
            "cast-iron-skillet-26-cm",
            "Cast Iron Skillet 26 cm",
        );
        let b = product_svg(
            "kitchen",
            "cast-iron-skillet-26-cm",
            "Cast Iron Skillet 26 cm",
        );
        assert_eq!(a, b);
    }

    #[test]
    fn different_slugs_differ() {
        let a = product_svg("books", "pocket-atlas-of-night-skies", "Pocket Atlas");
        let b = product_svg("books", "field-guide-to-woodland-birds", "Pocket Atlas");
        assert_ne!(a, b);
    }

    #[test]
    fn title_is_escaped() {
        let svg = product_svg("audio", "x", r#"Tom & Jerry's <"Best"> Mix"#);
        assert!(svg.contains("<title>Tom &amp; Jerry&apos;s &lt;&quot;Best&quot;&gt; Mix</title>"));
    }

    #[test]
    fn is_self_contained_and_small() {
        for category in [
            "coffee-tea",
            "kitchen",
            "books",
            "audio",
            "outdoor",
            "home-office",
            "plants",
            "bags",
            "unknown",
        ] {
            for slug in ["a", "b", "c", "d", "walnut-monitor-stand", "linen-tote-bag"] {
                let svg = product_svg(category, slug, "Name");
                assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
                assert!(!svg.contains("<script"));
                assert!(!svg.contains("<text"));
                assert!(!svg.contains("style="));
                assert!(!svg.contains(" on"));
                assert_eq!(svg.matches("http").count(), 1);
                assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
                assert!(svg.len() < 2600, "{category}/{slug}: {} bytes", svg.len());
            }
        }
    }
}
