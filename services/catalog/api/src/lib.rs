//! What catalog-service answers, in the service's own terms: prices in integer minor units
//! with their currency, stock as a count. Clients shape this for their screens.

mod stock;

pub use stock::*;

use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest `per_page` the service accepts.
pub const MAX_PER_PAGE: u32 = 100;
pub const DEFAULT_PER_PAGE: u32 = 20;
/// Longest search text accepted, in characters.
pub const MAX_SEARCH_LEN: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// In the currency's minor unit (cents).
    pub price_minor: i64,
    /// ISO 4217, e.g. `EUR`.
    pub currency: String,
    pub stock: i32,
    pub category: CategoryRef,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRef {
    pub slug: String,
    pub name: String,
}

/// A page of products and the size of the whole result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductList {
    pub items: Vec<Product>,
    pub page: u32,
    pub per_page: u32,
    pub total: u64,
}

/// A category with how many products match the filters it was asked with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryCount {
    pub slug: String,
    pub name: String,
    pub product_count: u64,
}

/// Orders the product list can come in.
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
    const ALL: [Sort; 4] = [Sort::Newest, Sort::PriceAsc, Sort::PriceDesc, Sort::Name];

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::PriceAsc => "price_asc",
            Sort::PriceDesc => "price_desc",
            Sort::Name => "name",
        }
    }
}

/// The parameters of `GET /products` (all of them) and `GET /categories` (all but
/// `category`, `sort` and paging).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductQuery {
    pub q: Option<String>,
    pub category: Option<String>,
    pub min_price: Option<i64>,
    pub max_price: Option<i64>,
    pub in_stock: bool,
    pub sort: Sort,
    pub page: u32,
    pub per_page: u32,
}

impl Default for ProductQuery {
    fn default() -> Self {
        Self {
            q: None,
            category: None,
            min_price: None,
            max_price: None,
            in_stock: false,
            sort: Sort::default(),
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

/// A parameter the service cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParameter {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for InvalidParameter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InvalidParameter {}

fn invalid(field: &'static str, message: impl Into<String>) -> InvalidParameter {
    InvalidParameter {
        field,
        message: message.into(),
    }
}

impl ProductQuery {
    /// Reads a query string. Unknown parameters are ignored; known ones must be valid.
    /// Whether `category` exists is for the service to check.
    pub fn parse(query_string: &str) -> Result<Self, InvalidParameter> {
        let mut query = ProductQuery::default();
        for (key, value) in form_urlencoded::parse(query_string.as_bytes()) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_ref() {
                "q" => {
                    let q = value.split_whitespace().collect::<Vec<_>>().join(" ");
                    if q.chars().count() > MAX_SEARCH_LEN {
                        return Err(invalid(
                            "q",
                            format!("q must be at most {MAX_SEARCH_LEN} characters"),
                        ));
                    }
                    query.q = Some(q);
                }
                "category" => query.category = Some(value.to_owned()),
                "min_price" => query.min_price = Some(parse_price("min_price", value)?),
                "max_price" => query.max_price = Some(parse_price("max_price", value)?),
                "in_stock" => {
                    query.in_stock = match value {
                        "true" | "1" => true,
                        "false" | "0" => false,
                        _ => return Err(invalid("in_stock", "in_stock must be true or false")),
                    }
                }
                "sort" => {
                    query.sort = Sort::ALL
                        .into_iter()
                        .find(|sort| sort.as_str() == value)
                        .ok_or_else(|| {
                            invalid(
                                "sort",
                                format!("unknown sort \"{value}\": use newest, price_asc, price_desc or name"),
                            )
                        })?
                }
                "page" => {
                    query.page = value
                        .parse()
                        .ok()
                        .filter(|page| *page >= 1)
                        .ok_or_else(|| invalid("page", "page must be a whole number, 1 or more"))?
                }
                "per_page" => {
                    query.per_page = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                        .ok_or_else(|| {
                            invalid(
                                "per_page",
                                format!("per_page must be a whole number from 1 to {MAX_PER_PAGE}"),
                            )
                        })?
                }
                _ => {}
            }
        }
        if let (Some(min), Some(max)) = (query.min_price, query.max_price) {
            if min > max {
                return Err(invalid(
                    "min_price",
                    format!("min_price ({min}) must not be more than max_price ({max})"),
                ));
            }
        }
        Ok(query)
    }

    /// The query string for this query (defaults left out).
    pub fn to_query_string(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        let defaults = ProductQuery::default();
        if let Some(q) = &self.q {
            out.append_pair("q", q);
        }
        if let Some(category) = &self.category {
            out.append_pair("category", category);
        }
        if let Some(min) = self.min_price {
            out.append_pair("min_price", &min.to_string());
        }
        if let Some(max) = self.max_price {
            out.append_pair("max_price", &max.to_string());
        }
        if self.in_stock {
            out.append_pair("in_stock", "true");
        }
        if self.sort != defaults.sort {
            out.append_pair("sort", self.sort.as_str());
        }
        if self.page != defaults.page {
            out.append_pair("page", &self.page.to_string());
        }
        if self.per_page != defaults.per_page {
            out.append_pair("per_page", &self.per_page.to_string());
        }
        out.finish()
    }
}

fn parse_price(field: &'static str, value: &str) -> Result<i64, InvalidParameter> {
    value
        .parse()
        .ok()
        .filter(|price| *price >= 0)
        .ok_or_else(|| {
            invalid(
                field,
                format!("{field} must be a whole number of cents, 0 or more"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_survives_a_round_trip() {
        let query = ProductQuery {
            q: Some("oak desk".into()),
            category: Some("home-office".into()),
            min_price: Some(500),
            max_price: Some(9000),
            in_stock: true,
            sort: Sort::PriceDesc,
            page: 2,
            per_page: 24,
        };
        assert_eq!(
            ProductQuery::parse(&query.to_query_string()).unwrap(),
            query
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        for (query, field) in [
            ("page=-1", "page"),
            ("page=0", "page"),
            ("per_page=101", "per_page"),
            ("per_page=0", "per_page"),
            ("sort=random", "sort"),
            ("min_price=9&max_price=1", "min_price"),
            ("max_price=ten", "max_price"),
            ("in_stock=yes", "in_stock"),
        ] {
            assert_eq!(
                ProductQuery::parse(query).unwrap_err().field,
                field,
                "{query}"
            );
        }
    }
}

/// `GET` paths of the service, for its clients.
pub mod paths {
    use super::ProductQuery;

    /// The product list for `query`.
    pub fn products(query: &ProductQuery) -> String {
        with_query("/products", &query.to_query_string())
    }

    /// Category counts for `query`'s search, price and stock filters.
    pub fn categories(query: &ProductQuery) -> String {
        with_query("/categories", &query.to_query_string())
    }

    pub fn product(slug: &str) -> String {
        format!("/products/{}", segment(slug))
    }

    pub fn product_image(slug: &str) -> String {
        format!("/products/{}/image", segment(slug))
    }

    /// `GET`: the current offer for each of `ids` that exists.
    pub fn offers(ids: &[i64]) -> String {
        let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
        format!("/offers?ids={}", ids.join(","))
    }

    /// `PUT` a [`crate::ReservationRequest`] (reserve), `GET` (look).
    pub fn reservation(id: &str) -> String {
        format!("/reservations/{}", segment(id))
    }

    /// `POST`, empty body: the reserved units are sold.
    pub fn commit_reservation(id: &str) -> String {
        format!("/reservations/{}/commit", segment(id))
    }

    /// `POST`, empty body: the reserved units go back to stock.
    pub fn release_reservation(id: &str) -> String {
        format!("/reservations/{}/release", segment(id))
    }

    fn with_query(path: &str, query: &str) -> String {
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }

    /// A slug as one path segment, whatever a shopper typed into the address bar.
    fn segment(slug: &str) -> String {
        form_urlencoded::byte_serialize(slug.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn slugs_cannot_escape_their_segment() {
            assert_eq!(super::product("../admin"), "/products/..%2Fadmin");
        }
    }
}
