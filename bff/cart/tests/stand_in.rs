//! cart-bff against a stand-in cart-service, for answers the real one gives only in rare
//! moments: an order that is paid but still being finished.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_web::{web, App, HttpResponse, HttpServer};
use cart_api::{OrderState, OrderView};
use cart_service_api::{Address, Order, OrderLine, OrderStatus, Owner};
use common::{spawn_bff, valid_form, Shopper, UPSTREAM_TIMEOUT};
use reqwest::StatusCode;
use test_support::keys::IdentityKeys;

/// A cart-service that answers every request with `status` and `body`; its address.
fn stand_in(status: u16, body: serde_json::Value) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move || {
            let status = actix_web::http::StatusCode::from_u16(status).unwrap();
            let body = body.clone();
            async move { HttpResponse::build(status).json(body) }
        }))
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    address
}

fn order(owner: Owner, status: OrderStatus) -> Order {
    Order {
        id: "5e1f0c2a-0000-4000-8000-000000000001".into(),
        owner,
        status,
        failure: None,
        lines: vec![OrderLine {
            product_id: 7,
            slug: "oak-desk".into(),
            name: "Oak desk".into(),
            quantity: 1,
            unit_price_minor: 1_250,
            line_total_minor: 1_250,
        }],
        subtotal_minor: 1_250,
        shipping_minor: 490,
        total_minor: 1_740,
        currency: "EUR".into(),
        shipping_address: Address {
            name: "Ada Lovelace".into(),
            line1: "Hauptstraße 1".into(),
            line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        },
        card_last4: "4242".into(),
        created_at: "2026-11-30T10:00:00Z".into(),
        placed_at: None,
    }
}

#[tokio::test]
async fn a_paid_order_still_being_finished_is_a_202_processing() {
    let paid = order(Owner::guest("cart-1"), OrderStatus::Paid);
    let service = stand_in(202, serde_json::to_value(&paid).unwrap());
    let bff = spawn_bff(&service, UPSTREAM_TIMEOUT, &IdentityKeys::generate());
    let mut shopper = Shopper::with_cookie(&bff.address, "cart_id=cart-1");
    let answer = shopper.checkout("paid-1", &valid_form()).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.text);
    let view: OrderView = answer.json();
    assert_eq!(view.state, OrderState::Processing);
    assert_eq!(view.status_label, "Being finished");
    assert_eq!(view.id, paid.id);
    assert_eq!(view.number, "5E1F0C2A");
}

#[tokio::test]
async fn an_order_of_another_cart_is_a_404_even_when_the_service_has_it() {
    let theirs = order(Owner::guest("someone-else"), OrderStatus::Placed);
    let service = stand_in(200, serde_json::to_value(&theirs).unwrap());
    let bff = spawn_bff(&service, UPSTREAM_TIMEOUT, &IdentityKeys::generate());
    let mut shopper = Shopper::with_cookie(&bff.address, "cart_id=cart-1");
    let answer = shopper.get(&cart_api::order_url(&theirs.id)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.text);
    assert!(!answer.text.contains("Ada"), "{}", answer.text);
    let mut owner = Shopper::with_cookie(&bff.address, "cart_id=someone-else");
    assert_eq!(
        owner.get(&cart_api::order_url(&theirs.id)).await.status,
        StatusCode::OK
    );
}
