//! Saved addresses: one default, at most twenty, only ever the owner's. On SQLite and
//! PostgreSQL.

// A failed expectation in a test is that test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use account_service_api::{codes, paths, Address, AddressInput, AddressList, PostalAddress};
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use test_support::account::AccountService;
use tokio::task::JoinSet;

test_support::on_both_databases!(test_support::account::spawn_service =>
    the_first_address_is_the_default_and_the_rest_follow_oldest_first,
    an_address_asked_to_be_the_default_takes_it_over,
    deleting_the_default_makes_the_oldest_left_the_default,
    changing_an_address_trims_it_and_keeps_one_default,
    invalid_addresses_name_every_field_and_store_nothing,
    another_users_address_is_not_found,
    a_user_keeps_at_most_twenty_addresses,
    concurrent_adds_keep_the_limit_and_one_default,
    an_unknown_user_has_no_addresses,
);

fn postal(name: &str) -> PostalAddress {
    PostalAddress {
        name: name.into(),
        address_line1: "Hauptstraße 1".into(),
        address_line2: String::new(),
        postal_code: "10115".into(),
        city: "Berlin".into(),
        country: "DE".into(),
    }
}

fn input(name: &str, make_default: bool) -> Value {
    serde_json::to_value(AddressInput {
        address: postal(name),
        make_default,
    })
    .unwrap()
}

async fn add(service: &AccountService, user_id: &str, body: &Value) -> Answer {
    send(
        client()
            .post(url(service, &paths::addresses(user_id)))
            .json(body),
    )
    .await
}

async fn added(service: &AccountService, user_id: &str, name: &str) -> Address {
    let answer = add(service, user_id, &input(name, false)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    serde_json::from_value(answer.body).unwrap()
}

async fn list(service: &AccountService, user_id: &str) -> AddressList {
    let answer = send(client().get(url(service, &paths::addresses(user_id)))).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    serde_json::from_value(answer.body).unwrap()
}

/// The names of the addresses in list order, and which one is the default.
async fn names(service: &AccountService, user_id: &str) -> (Vec<String>, String) {
    let list = list(service, user_id).await;
    let defaults: Vec<&Address> = list.items.iter().filter(|a| a.is_default).collect();
    assert!(defaults.len() <= 1, "{list:?}");
    let default = defaults
        .first()
        .map(|a| a.address.name.clone())
        .unwrap_or_default();
    if let Some(first) = list.items.first() {
        assert!(first.is_default, "the default comes first: {list:?}");
    }
    (
        list.items.iter().map(|a| a.address.name.clone()).collect(),
        default,
    )
}

async fn make_default(service: &AccountService, user_id: &str, address_id: &str) -> Answer {
    send(client().post(url(service, &paths::default_address(user_id, address_id)))).await
}

async fn the_first_address_is_the_default_and_the_rest_follow_oldest_first(
    service: AccountService,
) {
    let user = sign_up(&service, "Ada Lovelace").await.user;
    assert_eq!(list(&service, &user.id).await, AddressList::default());
    let home = added(&service, &user.id, "Home").await;
    assert!(home.is_default);
    assert!(account_service_api::is_valid_id(&home.id));
    assert_eq!(home.address, postal("Home"));
    let work = added(&service, &user.id, "Work").await;
    assert!(!work.is_default);
    added(&service, &user.id, "Parents").await;
    assert_eq!(
        names(&service, &user.id).await,
        (
            vec!["Home".into(), "Work".into(), "Parents".into()],
            "Home".into()
        )
    );
}

async fn an_address_asked_to_be_the_default_takes_it_over(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await.user;
    added(&service, &user.id, "Home").await;
    let work = added(&service, &user.id, "Work").await;
    let parents = added(&service, &user.id, "Parents").await;

    let answer = make_default(&service, &user.id, &parents.id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let listed: AddressList = serde_json::from_value(answer.body).unwrap();
    assert_eq!(listed, list(&service, &user.id).await);
    assert_eq!(
        names(&service, &user.id).await,
        (
            vec!["Parents".into(), "Home".into(), "Work".into()],
            "Parents".into()
        )
    );
    // Again: nothing changes.
    assert_eq!(
        make_default(&service, &user.id, &parents.id).await.status,
        StatusCode::OK
    );

    let answer = add(&service, &user.id, &input("Holiday", true)).await;
    assert_eq!(answer.status, StatusCode::CREATED);
    assert_eq!(answer.body["is_default"], true);
    assert_eq!(
        names(&service, &user.id).await,
        (
            vec![
                "Holiday".into(),
                "Home".into(),
                "Work".into(),
                "Parents".into()
            ],
            "Holiday".into()
        )
    );
    assert_eq!(
        make_default(&service, &user.id, &work.id).await.status,
        StatusCode::OK
    );
    assert_eq!(names(&service, &user.id).await.1, "Work");
    assert_eq!(
        count(&service.db, "addresses", "is_default = true").await,
        1
    );
}

async fn deleting_the_default_makes_the_oldest_left_the_default(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await.user;
    let home = added(&service, &user.id, "Home").await;
    let work = added(&service, &user.id, "Work").await;
    let parents = added(&service, &user.id, "Parents").await;
    make_default(&service, &user.id, &parents.id).await;
    let delete = |id: String| {
        let url = url(&service, &paths::address(&user.id, &id));
        async move { send(client().delete(url)).await.status }
    };

    assert_eq!(delete(parents.id.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(
        names(&service, &user.id).await,
        (vec!["Home".into(), "Work".into()], "Home".into())
    );
    // Deleting one that is not the default leaves the default alone.
    assert_eq!(delete(work.id.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(
        names(&service, &user.id).await,
        (vec!["Home".into()], "Home".into())
    );
    assert_eq!(delete(home.id.clone()).await, StatusCode::NO_CONTENT);
    assert_eq!(list(&service, &user.id).await, AddressList::default());
    // Gone: 404.
    assert_eq!(delete(home.id.clone()).await, StatusCode::NOT_FOUND);
    // The next one is the default again.
    assert!(added(&service, &user.id, "New home").await.is_default);
}

async fn changing_an_address_trims_it_and_keeps_one_default(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await.user;
    let home = added(&service, &user.id, "Home").await;
    let work = added(&service, &user.id, "Work").await;
    let put = |id: &str, body: Value| {
        let url = url(&service, &paths::address(&user.id, id));
        async move { send(client().put(url).json(&body)).await }
    };

    let answer = put(
        &work.id,
        json!({
            "name": "  Office ", "address_line1": " Rue de Rivoli 2 ", "address_line2": " 3e étage ",
            "postal_code": " 75001 ", "city": " Paris ", "country": " FR ",
        }),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let office: Address = serde_json::from_value(answer.body).unwrap();
    assert_eq!(office.id, work.id);
    assert!(!office.is_default);
    assert_eq!(
        office.address,
        PostalAddress {
            name: "Office".into(),
            address_line1: "Rue de Rivoli 2".into(),
            address_line2: "3e étage".into(),
            postal_code: "75001".into(),
            city: "Paris".into(),
            country: "FR".into(),
        }
    );
    // Asking the default not to be one changes nothing: a user with addresses has one.
    let answer = put(&home.id, input("Home", false)).await;
    assert_eq!(answer.body["is_default"], true);
    let answer = put(&work.id, input("Office", true)).await;
    assert_eq!(answer.body["is_default"], true);
    assert_eq!(
        names(&service, &user.id).await,
        (vec!["Office".into(), "Home".into()], "Office".into())
    );
    let answer = put("0123456789abcdef01234567", input("Nowhere", false)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
}

async fn invalid_addresses_name_every_field_and_store_nothing(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await.user;
    let bad = json!({
        "name": "  ", "address_line1": "x".repeat(101), "address_line2": "y".repeat(101),
        "postal_code": "10<15", "city": "", "country": "US",
    });
    let answer = add(&service, &user.id, &bad).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(
        fields_named(&answer.body),
        [
            "address_line1",
            "address_line2",
            "city",
            "country",
            "name",
            "postal_code"
        ]
    );
    let answer = add(&service, &user.id, &json!({ "name": "Ada" })).await;
    assert!(answer.status.is_client_error(), "{}", answer.body);
    assert!(answer.body["error"]["field"].is_string(), "{}", answer.body);
    assert_eq!(count(&service.db, "addresses", "1 = 1").await, 0);

    let home = added(&service, &user.id, "Home").await;
    let answer = send(
        client()
            .put(url(&service, &paths::address(&user.id, &home.id)))
            .json(&bad),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields_named(&answer.body).len(), 6);
    assert_eq!(list(&service, &user.id).await.items, vec![home]);
}

async fn another_users_address_is_not_found(service: AccountService) {
    let owner = sign_up(&service, "Ada Lovelace").await.user;
    let stranger = sign_up(&service, "Charles Babbage").await.user;
    let home = added(&service, &owner.id, "Home").await;
    added(&service, &owner.id, "Work").await;
    let theirs = url(&service, &paths::address(&stranger.id, &home.id));

    let answer = send(client().put(&theirs).json(&input("Mine now", false))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    assert_eq!(answer.body["error"]["code"], "not_found");
    assert_eq!(
        send(client().delete(&theirs)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        make_default(&service, &stranger.id, &home.id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(list(&service, &stranger.id).await, AddressList::default());
    assert_eq!(
        names(&service, &owner.id).await,
        (vec!["Home".into(), "Work".into()], "Home".into())
    );
}

async fn a_user_keeps_at_most_twenty_addresses(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await.user;
    for n in 0..20 {
        added(&service, &user.id, &format!("Address {n}")).await;
    }
    let answer = add(&service, &user.id, &input("One too many", true)).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(answer.body["error"]["code"], codes::TOO_MANY_ADDRESSES);
    let (names, default) = names(&service, &user.id).await;
    assert_eq!(names.len(), 20);
    assert_eq!(default, "Address 0");
    // Another user is not held back.
    let other = sign_up(&service, "Charles Babbage").await.user;
    added(&service, &other.id, "Home").await;
}

async fn concurrent_adds_keep_the_limit_and_one_default(service: AccountService) {
    let user = sign_up(&service, "Ada Lovelace").await.user;
    let mut adds = JoinSet::new();
    for n in 0..25 {
        let url = url(&service, &paths::addresses(&user.id));
        let body = input(&format!("Address {n}"), n % 3 == 0);
        adds.spawn(async move { send(client().post(url).json(&body)).await.status });
    }
    let statuses = adds.join_all().await;
    let created = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!((created, refused), (20, 5), "{statuses:?}");
    assert_eq!(list(&service, &user.id).await.items.len(), 20);
    assert_eq!(
        count(&service.db, "addresses", "is_default = true").await,
        1
    );
}

async fn an_unknown_user_has_no_addresses(service: AccountService) {
    let nobody = "0123456789abcdef01234567";
    let answer = send(client().get(url(&service, &paths::addresses(nobody)))).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = add(&service, nobody, &input("Home", false)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = send(client().get(url(&service, "/users/bad%20id/addresses"))).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(count(&service.db, "addresses", "1 = 1").await, 0);
}
