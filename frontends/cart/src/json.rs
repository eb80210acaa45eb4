//! The BFF's answers and the shop events' details, read by hand into the contract's types,
//! and the requests and events the cart sends, written by hand from them.
//!
//! serde's derived code for these types was a fifth of the cart's wasm: a field-name
//! matcher, a slot and an early return (with the drops of everything read so far) per
//! field. Here a field is one call. A field that is missing or of another type reads as
//! its type's default and spoils the whole value, which then reads as `None`, like a
//! serde misfit: the same values are accepted and the same ones refused (a misfit is an
//! `ApiError::Decode`, or an ignored event, as before).
//!
//! The readers build the contract's own types and the writers take them apart, so a field
//! added to one does not compile until it is read and written here; the tests read what
//! serde writes for every type and compare what is written here with what serde writes
//! (the JSON names come from the contract, not from here). Writing by hand also leaves
//! serde-wasm-bindgen's serializer out of the cart's wasm.

use crate::fragments::HostData;
use cart_api::{
    fields, Added, CartLineView, CartView, CheckoutForm, MiniCart, OrderHistory, OrderLineView,
    OrderState, OrderView, SetQuantity,
};
use gloo_events::EventListener;
use mfe_kit::events::{
    AddToCart, AddToCartFailed, AddressSelected, CartChanged, PickedAddress, ShopEvent,
};
use mfe_kit::http::{FromJson, ToJson};
use wasm_bindgen::{JsCast, JsValue};

/// A JSON value as parsed: the browser's in the MFE, `serde_json`'s in the tests.
pub trait Source: Sized {
    /// The value of `key`, when this is an object that has it.
    fn get(&self, key: &str) -> Option<Self>;
    /// An object (arrays included, as for serde).
    fn is_object(&self) -> bool;
    /// `null` (or `undefined`).
    fn is_null(&self) -> bool;
    fn string(&self) -> Option<String>;
    fn number(&self) -> Option<f64>;
    fn boolean(&self) -> Option<bool>;
    fn items(&self) -> Option<Vec<Self>>;
}

impl Source for JsValue {
    fn get(&self, key: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        js_sys::Reflect::get(self, &JsValue::from_str(key))
            .ok()
            .filter(|value| !value.is_undefined())
    }

    fn is_object(&self) -> bool {
        JsValue::is_object(self)
    }

    fn is_null(&self) -> bool {
        JsValue::is_null(self) || self.is_undefined()
    }

    fn string(&self) -> Option<String> {
        self.as_string()
    }

    fn number(&self) -> Option<f64> {
        self.as_f64()
    }

    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn items(&self) -> Option<Vec<Self>> {
        self.dyn_ref::<js_sys::Array>()
            .map(|array| array.iter().collect())
    }
}

/// The server's JSON (rendering on the server), and the tests'.
#[cfg(any(test, feature = "ssr"))]
impl Source for serde_json::Value {
    fn get(&self, key: &str) -> Option<Self> {
        serde_json::Value::get(self, key).cloned()
    }

    fn is_object(&self) -> bool {
        serde_json::Value::is_object(self) || self.is_array()
    }

    fn is_null(&self) -> bool {
        serde_json::Value::is_null(self)
    }

    fn string(&self) -> Option<String> {
        self.as_str().map(str::to_owned)
    }

    fn number(&self) -> Option<f64> {
        self.as_f64()
    }

    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }
}

/// A type of the contract, read by hand (see the module docs).
pub trait Read: Sized {
    fn read<S: Source>(value: S) -> Option<Self>;
}

/// An answer of the BFF as the browser parsed it — or, rendering on the server, as
/// serde_json did — to be read by hand (see [`mfe_kit::http::FromJson`]).
pub enum Raw {
    Js(JsValue),
    #[cfg(feature = "ssr")]
    Server(serde_json::Value),
}

impl Raw {
    /// The answer read as `T` (see [`Read`]).
    pub fn read<T: Read>(self) -> Option<T> {
        match self {
            Raw::Js(value) => T::read(value),
            #[cfg(feature = "ssr")]
            Raw::Server(value) => T::read(value),
        }
    }
}

impl FromJson for Raw {
    fn from_json(value: JsValue) -> Option<Self> {
        Some(Raw::Js(value))
    }

    #[cfg(feature = "ssr")]
    fn from_json_text(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok().map(Raw::Server)
    }
}

/// Calls `handle` for every `E` sent on this page until the returned listener is dropped,
/// like `mfe_kit::events::listen`, with `E`'s detail read by hand. Events whose detail does
/// not have `E`'s shape are ignored.
pub fn listen<E: ShopEvent + Read + 'static>(
    handle: impl Fn(E) + 'static,
) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, E::NAME, move |event| {
        if let Some(detail) = event
            .dyn_ref::<web_sys::CustomEvent>()
            .and_then(|custom| E::read(custom.detail()))
        {
            handle(detail);
        }
    }))
}

/// A JSON value being written: the browser's in the MFE, `serde_json`'s in the tests.
pub trait Sink: Sized {
    fn object() -> Self;
    /// Adds `key` to an object.
    fn set(&mut self, key: &str, value: Self);
    fn string(value: &str) -> Self;
    fn number(value: f64) -> Self;
}

impl Sink for JsValue {
    fn object() -> Self {
        js_sys::Object::new().into()
    }

    fn set(&mut self, key: &str, value: Self) {
        let _ = js_sys::Reflect::set(self, &JsValue::from_str(key), &value);
    }

    fn string(value: &str) -> Self {
        JsValue::from_str(value)
    }

    fn number(value: f64) -> Self {
        JsValue::from_f64(value)
    }
}

/// A type of the contract, written by hand (see the module docs): an object with the keys
/// serde writes, or `None` for a value JSON cannot hold (an `i64` beyond what a double
/// holds exactly, which serde-wasm-bindgen refuses too).
pub trait Write {
    fn write<S: Sink>(&self) -> Option<S>;
}

/// A request body written by hand (see [`mfe_kit::http::ToJson`]).
pub struct Body<'a, T>(pub &'a T);

impl<T: Write> ToJson for Body<'_, T> {
    fn to_json(&self) -> Option<JsValue> {
        self.0.write()
    }
}

/// Sends `event` to every MFE on the page, like `mfe_kit::events::dispatch`, with its
/// detail written by hand (`null` when it cannot be written, as there).
pub fn dispatch<E: ShopEvent + Write>(event: &E) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&event.write().unwrap_or(JsValue::NULL));
    if let Ok(custom) = web_sys::CustomEvent::new_with_event_init_dict(E::NAME, &init) {
        let _ = window.dispatch_event(&custom);
    }
}

/// An `i64` as a JSON number, if a double holds it exactly.
fn integer<S: Sink>(value: i64) -> Option<S> {
    (value.unsigned_abs() <= MAX_SAFE_INTEGER as u64).then(|| S::number(value as f64))
}

/// The largest integer a double holds exactly, and all below it (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

impl Write for CheckoutForm {
    fn write<S: Sink>(&self) -> Option<S> {
        let CheckoutForm {
            name,
            address_line1,
            address_line2,
            postal_code,
            city,
            country,
            card_number,
            card_expiry,
            card_cvc,
        } = self;
        let mut form = S::object();
        for (key, value) in [
            (fields::NAME, name),
            (fields::ADDRESS_LINE1, address_line1),
            (fields::ADDRESS_LINE2, address_line2),
            (fields::POSTAL_CODE, postal_code),
            (fields::CITY, city),
            (fields::COUNTRY, country),
            (fields::CARD_NUMBER, card_number),
            (fields::CARD_EXPIRY, card_expiry),
            (fields::CARD_CVC, card_cvc),
        ] {
            form.set(key, S::string(value));
        }
        Some(form)
    }
}

impl Write for cart_api::AddToCart {
    fn write<S: Sink>(&self) -> Option<S> {
        let cart_api::AddToCart {
            product_id,
            quantity,
        } = self;
        let mut request = S::object();
        request.set("product_id", integer(*product_id)?);
        request.set("quantity", S::number(f64::from(*quantity)));
        Some(request)
    }
}

impl Write for SetQuantity {
    fn write<S: Sink>(&self) -> Option<S> {
        let SetQuantity { quantity } = self;
        let mut request = S::object();
        request.set("quantity", S::number(f64::from(*quantity)));
        Some(request)
    }
}

impl Write for CartChanged {
    fn write<S: Sink>(&self) -> Option<S> {
        let CartChanged { item_count } = self;
        let mut detail = S::object();
        detail.set("itemCount", S::number(f64::from(*item_count)));
        Some(detail)
    }
}

impl Write for AddToCartFailed {
    fn write<S: Sink>(&self) -> Option<S> {
        let AddToCartFailed {
            product_id,
            message,
        } = self;
        let mut detail = S::object();
        detail.set("productId", integer(*product_id)?);
        detail.set("message", S::string(message));
        Some(detail)
    }
}

/// An object's fields, read one by one; any misfit spoils the whole (see the module docs).
struct Fields<S> {
    object: S,
    fit: bool,
}

impl<S: Source> Fields<S> {
    fn of(object: S) -> Self {
        let fit = object.is_object();
        Fields { object, fit }
    }

    fn need<T: Default>(&mut self, value: Option<T>) -> T {
        if value.is_none() {
            self.fit = false;
        }
        value.unwrap_or_default()
    }

    fn string(&mut self, key: &str) -> String {
        let value = self.object.get(key).and_then(|value| value.string());
        self.need(value)
    }

    /// Missing or `null` is `None`.
    fn optional_string(&mut self, key: &str) -> Option<String> {
        let value = self.object.get(key).filter(|value| !value.is_null())?;
        let string = value.string();
        if string.is_none() {
            self.fit = false;
        }
        string
    }

    /// A whole number from `min` to `max` (which a double holds exactly).
    fn integer(&mut self, key: &str, min: f64, max: f64) -> f64 {
        let value = self
            .object
            .get(key)
            .and_then(|value| value.number())
            .filter(|n| n.fract() == 0.0 && (min..=max).contains(n));
        self.need(value)
    }

    fn u32(&mut self, key: &str) -> u32 {
        self.integer(key, 0.0, f64::from(u32::MAX)) as u32
    }

    /// As serde reads an `i64` from a JS number: a safe integer.
    fn i64(&mut self, key: &str) -> i64 {
        const SAFE: f64 = 9_007_199_254_740_991.0;
        self.integer(key, -SAFE, SAFE) as i64
    }

    fn bool(&mut self, key: &str) -> bool {
        let value = self.object.get(key).and_then(|value| value.boolean());
        self.need(value)
    }

    fn list<T>(&mut self, key: &str, read: impl Fn(S) -> Option<T>) -> Vec<T> {
        let value = self
            .object
            .get(key)
            .and_then(|value| value.items())
            .and_then(|items| items.into_iter().map(read).collect());
        self.need(value)
    }

    fn done<T>(self, value: T) -> Option<T> {
        self.fit.then_some(value)
    }
}

impl Read for MiniCart {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = MiniCart {
            item_count: f.u32("item_count"),
            subtotal: f.string("subtotal"),
        };
        f.done(value)
    }
}

impl Read for Added {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let mini_cart = f.object.get("mini_cart").and_then(MiniCart::read);
        let value = Added {
            mini_cart: f.need(mini_cart),
            product_name: f.string("product_name"),
            quantity_in_cart: f.u32("quantity_in_cart"),
        };
        f.done(value)
    }
}

impl Read for CartView {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = CartView {
            lines: f.list("lines", CartLineView::read),
            item_count: f.u32("item_count"),
            subtotal: f.string("subtotal"),
            shipping: f.string("shipping"),
            total: f.string("total"),
            shipping_note: f.optional_string("shipping_note"),
            checked: f.bool("checked"),
            can_checkout: f.bool("can_checkout"),
        };
        f.done(value)
    }
}

impl Read for CartLineView {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = CartLineView {
            product_id: f.i64("product_id"),
            name: f.string("name"),
            product_url: f.string("product_url"),
            image_url: f.string("image_url"),
            unit_price: f.string("unit_price"),
            quantity: f.u32("quantity"),
            max_quantity: f.u32("max_quantity"),
            line_total: f.string("line_total"),
            warning: f.optional_string("warning"),
        };
        f.done(value)
    }
}

impl Read for OrderState {
    fn read<S: Source>(value: S) -> Option<Self> {
        match value.string()?.as_str() {
            "placed" => Some(OrderState::Placed),
            "processing" => Some(OrderState::Processing),
            "failed" => Some(OrderState::Failed),
            _ => None,
        }
    }
}

impl Read for OrderView {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let state = f.object.get("state").and_then(OrderState::read);
        let value = OrderView {
            id: f.string("id"),
            number: f.string("number"),
            state: state.unwrap_or(OrderState::Failed),
            status_label: f.string("status_label"),
            failure: f.optional_string("failure"),
            lines: f.list("lines", OrderLineView::read),
            item_count: f.u32("item_count"),
            subtotal: f.string("subtotal"),
            shipping: f.string("shipping"),
            total: f.string("total"),
            shipping_address: f.list("shipping_address", |line| line.string()),
            payment: f.string("payment"),
        };
        f.fit &= state.is_some();
        f.done(value)
    }
}

impl Read for OrderLineView {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = OrderLineView {
            product_id: f.i64("product_id"),
            name: f.string("name"),
            product_url: f.string("product_url"),
            image_url: f.string("image_url"),
            quantity: f.u32("quantity"),
            unit_price: f.string("unit_price"),
            line_total: f.string("line_total"),
        };
        f.done(value)
    }
}

impl Read for OrderHistory {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = OrderHistory {
            orders: f.list("orders", OrderView::read),
        };
        f.done(value)
    }
}

impl Read for HostData {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = HostData {
            order_page: f.optional_string("orderPage"),
            order_id: f.optional_string("orderId"),
        };
        f.done(value)
    }
}

// The shop events' details (their keys are camelCase, see `mfe_kit::events`).

impl Read for AddToCart {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = AddToCart {
            product_id: f.i64("productId"),
            quantity: f.u32("quantity"),
        };
        f.done(value)
    }
}

impl Read for CartChanged {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = CartChanged {
            item_count: f.u32("itemCount"),
        };
        f.done(value)
    }
}

impl Read for PickedAddress {
    fn read<S: Source>(value: S) -> Option<Self> {
        let mut f = Fields::of(value);
        let value = PickedAddress {
            name: f.string("name"),
            line1: f.string("line1"),
            line2: f.string("line2"),
            postal_code: f.string("postalCode"),
            city: f.string("city"),
            country: f.string("country"),
        };
        f.done(value)
    }
}

impl Read for AddressSelected {
    fn read<S: Source>(value: S) -> Option<Self> {
        if !value.is_object() {
            return None;
        }
        // Missing or `null`: the shopper will type a new address.
        let address = match value.get("address").filter(|address| !address.is_null()) {
            Some(address) => Some(PickedAddress::read(address)?),
            None => None,
        };
        Some(AddressSelected { address })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::{json, Value};

    impl Sink for Value {
        fn object() -> Self {
            Value::Object(serde_json::Map::new())
        }

        fn set(&mut self, key: &str, value: Self) {
            if let Some(object) = self.as_object_mut() {
                object.insert(key.to_owned(), value);
            }
        }

        fn string(value: &str) -> Self {
            Value::from(value)
        }

        fn number(value: f64) -> Self {
            // As in the browser, where every number is a double: whole ones compare as
            // serde writes integers.
            if value.fract() == 0.0 && value.abs() <= MAX_SAFE_INTEGER as f64 {
                Value::from(value as i64)
            } else {
                Value::from(value)
            }
        }
    }

    /// What is written by hand is what serde writes.
    fn writes_as_serde<T: Write + Serialize>(value: T) {
        let by_hand: Option<Value> = value.write();
        assert_eq!(by_hand, serde_json::to_value(&value).ok());
    }

    #[test]
    fn every_request_and_event_is_written_as_serde_writes_it() {
        writes_as_serde(CheckoutForm {
            name: "Ada Lovelace".into(),
            address_line1: "Hauptstraße 1".into(),
            address_line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
            card_number: "4242 4242 4242 4242".into(),
            card_expiry: "12/30".into(),
            card_cvc: "123".into(),
        });
        writes_as_serde(cart_api::AddToCart {
            product_id: 12,
            quantity: 99,
        });
        writes_as_serde(SetQuantity { quantity: 0 });
        writes_as_serde(CartChanged {
            item_count: 4_000_000_000,
        });
        writes_as_serde(AddToCartFailed {
            product_id: -7,
            message: "Only 2 left.".into(),
        });
    }

    #[test]
    fn an_id_beyond_what_a_double_holds_exactly_cannot_be_written() {
        let request = |product_id| cart_api::AddToCart {
            product_id,
            quantity: 1,
        };
        assert!(request(MAX_SAFE_INTEGER).write::<Value>().is_some());
        assert!(request(-MAX_SAFE_INTEGER).write::<Value>().is_some());
        assert_eq!(request(MAX_SAFE_INTEGER + 1).write::<Value>(), None);
        assert_eq!(request(i64::MIN).write::<Value>(), None);
    }

    /// What serde writes for `value` reads back as `value`.
    fn reads_back<T: Read + Serialize + PartialEq + std::fmt::Debug>(value: T) {
        let json = serde_json::to_value(&value).unwrap_or_default();
        assert_eq!(T::read(json).as_ref(), Some(&value));
    }

    fn order(state: OrderState, failure: Option<&str>) -> OrderView {
        OrderView {
            id: "7f3a21c0-1".into(),
            number: "7F3A21C0".into(),
            state,
            status_label: "Placed on 30 November 2026".into(),
            failure: failure.map(str::to_owned),
            lines: vec![OrderLineView {
                product_id: 12,
                name: "Oak desk".into(),
                product_url: "/products/oak-desk".into(),
                image_url: "/images/oak-desk.jpg".into(),
                quantity: 2,
                unit_price: "€120.00".into(),
                line_total: "€240.00".into(),
            }],
            item_count: 2,
            subtotal: "€240.00".into(),
            shipping: "Free".into(),
            total: "€240.00".into(),
            shipping_address: vec!["Ada Lovelace".into(), "10115 Berlin".into()],
            payment: "Card ending 4242".into(),
        }
    }

    fn cart(note: Option<&str>, warning: Option<&str>) -> CartView {
        CartView {
            lines: vec![CartLineView {
                product_id: -3,
                name: "Tea".into(),
                product_url: "/products/tea".into(),
                image_url: String::new(),
                unit_price: "€5.00".into(),
                quantity: 3,
                max_quantity: 99,
                line_total: "€15.00".into(),
                warning: warning.map(str::to_owned),
            }],
            item_count: 3,
            subtotal: "€15.00".into(),
            shipping: "€4.90".into(),
            total: "€19.90".into(),
            shipping_note: note.map(str::to_owned),
            checked: false,
            can_checkout: true,
        }
    }

    #[test]
    fn every_answer_reads_back_as_serde_writes_it() {
        reads_back(MiniCart {
            item_count: 4_000_000_000,
            subtotal: "€24.50".into(),
        });
        reads_back(Added {
            mini_cart: MiniCart::default(),
            product_name: "Oak desk".into(),
            quantity_in_cart: 1,
        });
        reads_back(cart(None, None));
        reads_back(cart(
            Some("Add €12.30 more for free shipping."),
            Some("Only 2 left"),
        ));
        reads_back(CartView::default());
        for state in [OrderState::Placed, OrderState::Processing] {
            reads_back(order(state, None));
        }
        reads_back(order(OrderState::Failed, Some("Your card was declined.")));
        reads_back(OrderHistory {
            orders: vec![
                order(OrderState::Placed, None),
                order(OrderState::Failed, None),
            ],
        });
        reads_back(OrderHistory::default());
    }

    #[test]
    fn every_event_detail_reads_back_as_serde_writes_it() {
        reads_back(AddToCart {
            product_id: 12,
            quantity: 2,
        });
        reads_back(CartChanged { item_count: 0 });
        let address = PickedAddress {
            name: "Ada Lovelace".into(),
            line1: "Hauptstraße 1".into(),
            line2: String::new(),
            postal_code: "10115".into(),
            city: "Berlin".into(),
            country: "DE".into(),
        };
        reads_back(address.clone());
        reads_back(AddressSelected {
            address: Some(address),
        });
        reads_back(AddressSelected { address: None });
        assert_eq!(
            AddressSelected::read(json!({})),
            Some(AddressSelected { address: None })
        );
    }

    #[test]
    fn a_missing_field_or_one_of_another_type_is_refused() {
        let good = serde_json::to_value(cart(Some("note"), None)).unwrap_or_default();
        assert!(CartView::read(good.clone()).is_some());
        for (key, value) in [
            ("total", Value::Null),
            ("total", json!(12)),
            ("item_count", json!(-1)),
            ("item_count", json!(1.5)),
            ("item_count", json!("3")),
            ("checked", json!(1)),
            ("shipping_note", json!(5)),
            ("lines", json!({})),
            ("lines", json!([{ "product_id": 1 }])),
        ] {
            let mut bad = good.clone();
            bad[key] = value;
            assert_eq!(CartView::read(bad), None, "{key}");
        }
        let mut missing = good;
        if let Some(object) = missing.as_object_mut() {
            object.remove("subtotal");
        }
        assert_eq!(CartView::read(missing), None);
        assert_eq!(CartView::read(json!("cart")), None);
        assert_eq!(CartView::read(Value::Null), None);
    }

    #[test]
    fn an_optional_field_may_be_missing_or_null() {
        let mut json = serde_json::to_value(cart(None, None)).unwrap_or_default();
        assert_eq!(json["shipping_note"], Value::Null);
        if let Some(object) = json.as_object_mut() {
            object.remove("shipping_note");
        }
        assert_eq!(CartView::read(json), Some(cart(None, None)));
    }

    #[test]
    fn an_order_in_an_unknown_state_is_refused() {
        let mut json = serde_json::to_value(order(OrderState::Placed, None)).unwrap_or_default();
        json["state"] = json!("lost");
        assert_eq!(OrderView::read(json), None);
    }

    #[test]
    fn ids_beyond_what_a_double_holds_exactly_are_refused() {
        let detail = |product_id: Value| json!({ "productId": product_id, "quantity": 1 });
        assert!(AddToCart::read(detail(json!(9_007_199_254_740_991_i64))).is_some());
        assert_eq!(
            AddToCart::read(detail(json!(9_007_199_254_740_992_i64))),
            None
        );
        assert_eq!(
            AddToCart::read(detail(json!(-9_007_199_254_740_991_i64))).map(|a| a.product_id),
            Some(-9_007_199_254_740_991)
        );
    }

    #[test]
    fn a_host_names_what_the_fragments_show_in_camel_case() {
        assert_eq!(
            HostData::read(json!({ "orderPage": "/account/orders/{id}", "orderId": "o-1" })),
            Some(HostData {
                order_page: Some("/account/orders/{id}".into()),
                order_id: Some("o-1".into()),
            })
        );
        assert_eq!(HostData::read(json!({})), Some(HostData::default()));
        assert_eq!(HostData::read(json!({ "orderId": 7 })), None);
    }

    #[test]
    fn an_address_that_is_not_a_whole_address_is_ignored() {
        assert_eq!(
            AddressSelected::read(json!({ "address": { "name": "Ada" } })),
            None
        );
        assert_eq!(AddressSelected::read(json!({ "address": "Berlin" })), None);
        assert_eq!(AddressSelected::read(Value::Null), None);
    }
}
