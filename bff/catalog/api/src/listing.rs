//! The listing query: what the shopper asked the catalog to show.
//!
//! It has exactly one spelling as a query string ([`ListingQuery::to_query_string`]) and one
//! parser ([`ListingQuery::parse`]). The MFE writes the page URL with it and the BFF reads the
//! API request with it, so `/products?category=books&page=2` and
//! `/api/catalog/products?category=books&page=2` always agree, and an input the BFF rejects
//! is rejected with the same message in the browser.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest search text accepted, in characters.
pub const MAX_SEARCH_LEN: usize = 100;
const MAX_PAGE: u32 = 10_000;
/// Prices up to 9 999 999.99 — far above anything sold here, low enough to never overflow.
const MAX_PRICE_DIGITS: usize = 7;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingQuery {
    /// Words that must all appear in a product's name or description.
    pub q: Option<String>,
    /// A category slug.
    pub category: Option<String>,
    pub min_price: Option<Amount>,
    pub max_price: Option<Amount>,
    /// Only products that can be bought now.
    pub in_stock: bool,
    pub sort: Sort,
    /// 1-based.
    pub page: Page,
}

/// The orders a listing can be shown in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    PriceAsc,
    PriceDesc,
    Name,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Name];

    /// The spelling in URLs and in the service API.
    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::Name => "name",
        }
    }

    /// What the sort menu says.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Newest => "Newest first",
            Sort::PriceAsc => "Price: low to high",
            Sort::PriceDesc => "Price: high to low",
            Sort::Name => "Name: A to Z",
        }
    }

    pub fn parse(value: &str) -> Result<Self, InvalidParameter> {
        Sort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == value)
            .ok_or_else(|| {
                InvalidParameter::new(
                    "sort",
                    "sort must be one of newest, price_asc, price_desc, name",
                )
            })
    }
}

/// A 1-based page number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Page(u32);

impl Default for Page {
    fn default() -> Self {
        Page(1)
    }
}

impl Page {
    pub fn parse(value: &str) -> Result<Self, InvalidParameter> {
        match value.trim().parse::<u32>() {
            Ok(page @ 1..=MAX_PAGE) => Ok(Page(page)),
            _ => Err(InvalidParameter::new(
                "page",
                format!("page must be a whole number from 1 to {MAX_PAGE}"),
            )),
        }
    }

    pub fn new(page: u32) -> Self {
        Page(page.clamp(1, MAX_PAGE))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// A non-negative amount of money in the shop's currency, as the shopper types it
/// (`10`, `12.5`, `12.50`), held exactly in hundredths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Amount(u64);

impl Amount {
    pub fn parse(field: &'static str, value: &str) -> Result<Self, InvalidParameter> {
        let invalid = || {
            InvalidParameter::new(
                field,
                format!(
                    "{field} must be an amount like 25 or 12.50 ({} at most)",
                    Amount(10u64.pow(MAX_PRICE_DIGITS as u32 + 2) - 1)
                ),
            )
        };
        let value = value.trim();
        let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > MAX_PRICE_DIGITS
            || !all_digits(whole)
            || fraction.len() > 2
            || !all_digits(fraction)
            || (value.contains('.') && fraction.is_empty())
        {
            return Err(invalid());
        }
        let whole: u64 = whole.parse().map_err(|_| invalid())?;
        let fraction: u64 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
        Ok(Amount(whole * 100 + fraction))
    }

    /// The amount in hundredths of the currency unit (cents).
    pub fn hundredths(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Amount {
    /// The canonical spelling: `10`, `12.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 % 100 {
            0 => write!(f, "{}", self.0 / 100),
            cents => write!(f, "{}.{cents:02}", self.0 / 100),
        }
    }
}

/// A query parameter the catalog cannot use, with a message for the shopper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParameter {
    pub field: &'static str,
    pub message: String,
}

impl InvalidParameter {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

impl fmt::Display for InvalidParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidParameter {}

impl ListingQuery {
    /// Reads a query string (with or without the leading `?`). Unknown parameters are
    /// ignored (links often carry tracking tags); known ones must be valid.
    pub fn parse(query_string: &str) -> Result<Self, InvalidParameter> {
        let query_string = query_string.strip_prefix('?').unwrap_or(query_string);
        let mut query = ListingQuery::default();
        for (key, value) in form_urlencoded::parse(query_string.as_bytes()) {
            let value = value.trim();
            match key.as_ref() {
                "q" => query.q = parse_search(value)?,
                "category" => query.category = parse_category(value)?,
                "min_price" if !value.is_empty() => {
                    query.min_price = Some(Amount::parse("min_price", value)?)
                }
                "max_price" if !value.is_empty() => {
                    query.max_price = Some(Amount::parse("max_price", value)?)
                }
                "in_stock" => query.in_stock = parse_flag("in_stock", value)?,
                "sort" if !value.is_empty() => query.sort = Sort::parse(value)?,
                "page" if !value.is_empty() => query.page = Page::parse(value)?,
                _ => {}
            }
        }
        check_price_range(query.min_price, query.max_price)?;
        Ok(query)
    }

    /// The canonical query string (no leading `?`): defaults are left out and the
    /// parameters always come in the same order.
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (name, value) in self.to_pairs() {
            out.append_pair(name, &value);
        }
        out.finish()
    }

    /// The parameters that differ from their defaults, in canonical order (as in
    /// [`ListingQuery::to_query_string`]): what a GET form must send to keep them.
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(q) = &self.q {
            pairs.push(("q", q.clone()));
        }
        if let Some(category) = &self.category {
            pairs.push(("category", category.clone()));
        }
        if let Some(min) = self.min_price {
            pairs.push(("min_price", min.to_string()));
        }
        if let Some(max) = self.max_price {
            pairs.push(("max_price", max.to_string()));
        }
        if self.in_stock {
            pairs.push(("in_stock", "true".to_owned()));
        }
        if self.sort != Sort::default() {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.page != Page::default() {
            pairs.push(("page", self.page.get().to_string()));
        }
        pairs
    }

    /// The same query on another page.
    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page: Page::new(page),
            ..self.clone()
        }
    }

    /// Whether anything narrows the listing (search, category, price or stock).
    pub fn is_filtered(&self) -> bool {
        self.q.is_some()
            || self.category.is_some()
            || self.min_price.is_some()
            || self.max_price.is_some()
            || self.in_stock
    }
}

/// The one rule for a price range, applied by the BFF to requests and by the MFE to the
/// filter form before it navigates: either end may be open, the minimum may not be above
/// the maximum (blamed on `min_price`).
pub fn check_price_range(min: Option<Amount>, max: Option<Amount>) -> Result<(), InvalidParameter> {
    match (min, max) {
        (Some(min), Some(max)) if min > max => Err(InvalidParameter::new(
            "min_price",
            format!("the minimum price ({min}) can't be more than the maximum ({max})"),
        )),
        _ => Ok(()),
    }
}

fn parse_search(value: &str) -> Result<Option<String>, InvalidParameter> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let q = words.join(" ");
    if q.chars().count() > MAX_SEARCH_LEN {
        return Err(InvalidParameter::new(
            "q",
            format!("search text must be at most {MAX_SEARCH_LEN} characters"),
        ));
    }
    Ok((!q.is_empty()).then_some(q))
}

fn parse_category(value: &str) -> Result<Option<String>, InvalidParameter> {
    if value.is_empty() {
        return Ok(None);
    }
    let is_slug = value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if is_slug {
        Ok(Some(value.to_owned()))
    } else {
        Err(InvalidParameter::new(
            "category",
            format!("there is no category called \"{value}\""),
        ))
    }
}

fn parse_flag(field: &'static str, value: &str) -> Result<bool, InvalidParameter> {
    match value {
        "true" | "1" | "on" => Ok(true),
        "false" | "0" | "off" | "" => Ok(false),
        _ => Err(InvalidParameter::new(
            field,
            format!("{field} must be true or false"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> ListingQuery {
        ListingQuery::parse(s).unwrap()
    }

    fn error_field(s: &str) -> &'static str {
        ListingQuery::parse(s).unwrap_err().field
    }

    #[test]
    fn an_empty_query_is_the_default_listing() {
        assert_eq!(parse(""), ListingQuery::default());
        assert_eq!(parse("?"), ListingQuery::default());
    }

    #[test]
    fn canonical_form_survives_a_round_trip() {
        let query = parse("?page=3&sort=price_desc&q=linen%20shirt&category=bags&in_stock=1&min_price=5&max_price=12.5");
        let canonical = query.to_query_string();
        assert_eq!(
            canonical,
            "q=linen+shirt&category=bags&min_price=5&max_price=12.50&in_stock=true&sort=price_desc&page=3"
        );
        assert_eq!(parse(&canonical), query);
    }

    #[test]
    fn defaults_are_left_out_of_the_query_string() {
        assert_eq!(
            parse("sort=newest&page=1&in_stock=false").to_query_string(),
            ""
        );
    }

    #[test]
    fn search_text_is_trimmed_and_whitespace_collapsed() {
        assert_eq!(
            parse("q=%20%20red%20%20%20mug%20").q.as_deref(),
            Some("red mug")
        );
        assert_eq!(parse("q=%20%20").q, None);
    }

    #[test]
    fn unknown_parameters_are_ignored() {
        assert_eq!(parse("utm_source=mail"), ListingQuery::default());
    }

    #[test]
    fn invalid_parameters_are_named() {
        assert_eq!(error_field("page=0"), "page");
        assert_eq!(error_field("page=-1"), "page");
        assert_eq!(error_field("page=two"), "page");
        assert_eq!(error_field("sort=cheapest"), "sort");
        assert_eq!(error_field("min_price=-5"), "min_price");
        assert_eq!(error_field("max_price=1.234"), "max_price");
        assert_eq!(error_field("max_price=12."), "max_price");
        assert_eq!(error_field("max_price=99999999"), "max_price");
        assert_eq!(error_field("in_stock=maybe"), "in_stock");
        assert_eq!(error_field("category=Books!"), "category");
        assert_eq!(error_field(&format!("q={}", "a".repeat(101))), "q");
    }

    #[test]
    fn min_price_above_max_price_is_rejected() {
        let error = ListingQuery::parse("min_price=50&max_price=10").unwrap_err();
        assert_eq!(error.field, "min_price");
        assert!(error.message.contains("maximum (10)"), "{}", error.message);
    }

    #[test]
    fn amounts_are_exact_hundredths() {
        assert_eq!(Amount::parse("p", "12.5").unwrap().hundredths(), 1250);
        assert_eq!(Amount::parse("p", "0.05").unwrap().hundredths(), 5);
        assert_eq!(Amount::parse("p", "7").unwrap().to_string(), "7");
        assert_eq!(Amount::parse("p", "7.05").unwrap().to_string(), "7.05");
    }
}
