//! Money as the shop shows it. Amounts travel between servers as integer minor units
//! (cents) with an ISO 4217 currency; only a BFF turns them into text for a screen.

/// `€1,234.50`, `$9.00`, `£12.00`; other currencies as `12.00 CHF`.
pub fn format_price(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let minor = minor.unsigned_abs();
    let whole = (minor / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let amount = format!("{grouped}.{:02}", minor % 100);
    match currency {
        "EUR" => format!("{sign}€{amount}"),
        "USD" => format!("{sign}${amount}"),
        "GBP" => format!("{sign}£{amount}"),
        other => format!("{sign}{amount} {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_grouped_and_have_two_decimals() {
        assert_eq!(format_price(450, "EUR"), "€4.50");
        assert_eq!(format_price(34_900, "EUR"), "€349.00");
        assert_eq!(format_price(123_456_789, "USD"), "$1,234,567.89");
        assert_eq!(format_price(5, "CHF"), "0.05 CHF");
        assert_eq!(format_price(-1250, "GBP"), "-£12.50");
    }
}
