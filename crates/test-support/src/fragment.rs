//! Reading a fragment a BFF rendered on the server (see `mfe_kit::ssr`).

/// The answers the fragment carries for hydration (its `<script data-ssr>`), by URL.
/// Panics when it carries none: a test asking for them expects a rendered fragment.
pub fn embedded_answers(html: &str) -> serde_json::Value {
    let start = html
        .rfind("<script type=\"application/json\" data-ssr")
        .unwrap_or_else(|| panic!("no embedded answers in {html}"));
    let script = &html[start..];
    let json = script
        .find('>')
        .zip(script.rfind("</script>"))
        .map(|(open, close)| &script[open + 1..close])
        .unwrap_or_else(|| panic!("an unclosed script in {html}"));
    serde_json::from_str(json).unwrap_or_else(|error| panic!("{error}: {json}"))
}
