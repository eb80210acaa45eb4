use crate::{presenter, startup::State};
use actix_web::{web, HttpRequest, HttpResponse};
use catalog_api::{ListingPage, ListingQuery};
use catalog_service_api::{paths, CategoryCount, ProductList, ProductQuery, Sort};
use platform::{Error, Result};

/// Cards per listing page: four full rows on a wide screen, twelve of two on a phone.
pub const PER_PAGE: u32 = 24;

/// `GET /api/catalog/products?q&category&min_price&max_price&in_stock&sort&page` — one
/// listing screen: the page of cards and the category facets, fetched side by side.
pub async fn listing(request: HttpRequest, state: web::Data<State>) -> Result<HttpResponse> {
    let query = ListingQuery::parse(request.query_string())
        .map_err(|invalid| Error::invalid(invalid.field, invalid.message))?;
    Ok(HttpResponse::Ok().json(listing_page(&state, query).await?))
}

/// The listing screen for `query` (also rendered on the server: see `fragments`).
pub async fn listing_page(state: &State, query: ListingQuery) -> Result<ListingPage> {
    let products = service_query(&query);
    // Facets count what the search and filters match in every category.
    let facets = ProductQuery {
        category: None,
        ..service_query(&ListingQuery {
            page: Default::default(),
            ..query
        })
    };
    let (products_path, facets_path) = (paths::products(&products), paths::categories(&facets));
    let (list, categories) = tokio::join!(
        state.catalog.get_json::<ProductList>(&products_path),
        state.catalog.get_json::<Vec<CategoryCount>>(&facets_path),
    );
    let list = list?;
    let categories = categories?;
    Ok(ListingPage {
        paging: presenter::paging(&list),
        price_range: presenter::price_range(query.min_price, query.max_price),
        products: list.items.into_iter().map(presenter::card).collect(),
        categories: categories.into_iter().map(presenter::facet).collect(),
    })
}

/// The shopper's query in the service's terms: amounts in cents, a fixed page size.
fn service_query(query: &ListingQuery) -> ProductQuery {
    let cents =
        |amount: catalog_api::Amount| i64::try_from(amount.hundredths()).unwrap_or(i64::MAX);
    ProductQuery {
        q: query.q.clone(),
        category: query.category.clone(),
        min_price: query.min_price.map(cents),
        max_price: query.max_price.map(cents),
        in_stock: query.in_stock,
        sort: match query.sort {
            catalog_api::Sort::Newest => Sort::Newest,
            catalog_api::Sort::PriceAsc => Sort::PriceAsc,
            catalog_api::Sort::PriceDesc => Sort::PriceDesc,
            catalog_api::Sort::Name => Sort::Name,
        },
        page: query.page.get(),
        per_page: PER_PAGE,
    }
}
