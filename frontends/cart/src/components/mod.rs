//! Pieces the cart's pages share.

pub mod order;
pub mod states;
pub mod totals;

use yew::prelude::*;

/// A heading whose level depends on where it is shown (`tag` is `h1`, `h2` or `h3`), with
/// `class` if it is not empty. (`html!`'s dynamic tags build the element three times over
/// in wasm, at every use; this is built once for each level.)
pub fn heading(tag: &'static str, class: &'static str, text: AttrValue) -> Html {
    let class = (!class.is_empty()).then_some(class);
    match tag {
        "h1" => html! { <h1 {class}>{ text }</h1> },
        "h3" => html! { <h3 {class}>{ text }</h3> },
        _ => html! { <h2 {class}>{ text }</h2> },
    }
}

/// `aria-describedby` for a control with up to two descriptions (a hint, an error).
pub fn described_by(first: Option<&str>, second: Option<&str>) -> Option<String> {
    match (first, second) {
        (Some(first), Some(second)) => Some(format!("{first} {second}")),
        (one, other) => one.or(other).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_is_described_by_each_id_given() {
        assert_eq!(described_by(None, None), None);
        assert_eq!(described_by(Some("a"), None).as_deref(), Some("a"));
        assert_eq!(described_by(None, Some("b")).as_deref(), Some("b"));
        assert_eq!(described_by(Some("a"), Some("b")).as_deref(), Some("a b"));
    }
}
