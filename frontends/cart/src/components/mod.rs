//! Pieces the cart's pages share.

pub mod order;
pub mod states;
pub mod totals;

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
