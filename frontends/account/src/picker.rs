//! The address picker, nested by the cart's checkout page inside its form: the shopper's
//! saved addresses as a radio group, the default chosen, plus "A new address". The choice
//! goes to the checkout as `account:address-selected` once the list is read and after each
//! change; the checkout fills (or empties) its own address fields with it.
//!
//! It never stands in the way of checking out: a guest gets a line about signing in, and
//! when the addresses cannot be read it shows nothing (the shopper types the address).

use crate::api;
use crate::components::states::is_signed_out;
use account_api::{sign_in_page_returning_to, SavedAddress};
use mfe_kit::events::{self, AddressSelected, PickedAddress};
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Where a guest comes back to after signing in.
const CHECKOUT_PAGE: &str = "/checkout";
/// The radio group's name: unlike any field of the checkout form around it, which reads
/// its own controls by name.
const GROUP: &str = "account-delivery-address";
/// The value of "A new address" (saved addresses have ids).
const NEW: &str = "";

/// What the picker shows.
#[derive(Debug, Clone, PartialEq)]
enum Picker {
    Loading,
    /// Nothing to offer (no saved address, or they could not be read).
    Nothing,
    Guest,
    /// The saved addresses and the one chosen (`None`: a new address).
    Ready {
        items: Vec<SavedAddress>,
        chosen: Option<String>,
    },
}

/// A saved address as the checkout takes it.
pub fn picked(saved: &SavedAddress) -> PickedAddress {
    let address = &saved.address;
    PickedAddress {
        name: address.name.clone(),
        line1: address.address_line1.clone(),
        line2: address.address_line2.clone(),
        postal_code: address.postal_code.clone(),
        city: address.city.clone(),
        country: address.country.clone(),
    }
}

/// The address chosen first: the default (listed first), else the first.
fn first_choice(items: &[SavedAddress]) -> Option<&SavedAddress> {
    items.iter().find(|item| item.is_default).or(items.first())
}

/// Tells the checkout which address is chosen (`None`: a new one).
fn announce(choice: Option<&SavedAddress>) {
    events::dispatch(&AddressSelected {
        address: choice.map(picked),
    });
}

#[function_component]
pub fn AddressPicker() -> Html {
    let picker = use_mut_ref(|| Picker::Loading);
    let redraw = use_force_update();

    {
        let (picker, redraw) = (picker.clone(), redraw.clone());
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let next = match api::addresses().await {
                    Ok(addresses) => match first_choice(&addresses.items) {
                        Some(first) => {
                            announce(Some(first));
                            Picker::Ready {
                                chosen: Some(first.id.clone()),
                                items: addresses.items,
                            }
                        }
                        None => Picker::Nothing,
                    },
                    Err(error) if is_signed_out(&error) => Picker::Guest,
                    Err(_) => Picker::Nothing,
                };
                *picker.borrow_mut() = next;
                redraw.force_update();
            });
        });
    }

    let onchange = {
        let picker = picker.clone();
        Callback::from(move |event: Event| {
            let Some(value) = event
                .target()
                .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|input| input.value())
            else {
                return;
            };
            if let Picker::Ready { items, chosen } = &mut *picker.borrow_mut() {
                let choice = items.iter().find(|item| item.id == value);
                announce(choice);
                *chosen = choice.map(|item| item.id.clone());
            }
        })
    };

    let picker = picker.borrow();
    let (items, chosen) = match &*picker {
        Picker::Loading | Picker::Nothing => {
            return html! { <div class="account account-picker"></div> }
        }
        Picker::Guest => {
            return html! {
                <p class="account account-picker picker-hint">
                    { "Have an account? " }
                    <a href={sign_in_page_returning_to(CHECKOUT_PAGE)}>{ "Sign in" }</a>
                    { " to use your saved addresses." }
                </p>
            }
        }
        Picker::Ready { items, chosen } => (items, chosen.as_deref()),
    };

    // The radios keep their own checked state between draws: nothing here draws again on
    // a change.
    let option = |id: &str, label: Html| {
        let input_id = format!("account-pick-{id}");
        html! {
            <div class="pick">
                <input type="radio" id={input_id.clone()} name={GROUP} value={id.to_owned()}
                    checked={chosen.unwrap_or(NEW) == id} onchange={onchange.clone()} />
                <label for={input_id}>{ label }</label>
            </div>
        }
    };
    html! {
        <fieldset class="account account-picker picker">
            <legend>{ "Deliver to" }</legend>
            { for items.iter().map(|item| option(&item.id, html! {
                <>
                    <span class="pick-name">
                        { &item.address.name }
                        if item.is_default {
                            <span class="default-tag">{ "Default" }</span>
                        }
                    </span>
                    <span class="pick-lines">{ one_line(item) }</span>
                </>
            })) }
            { option(NEW, html! { <span class="pick-name">{ "A new address" }</span> }) }
        </fieldset>
    }
}

/// The address on one line: `Hauptstraße 1, Apt 2, 10115 Berlin, Germany`.
pub fn one_line(item: &SavedAddress) -> String {
    let address = &item.address;
    let mut parts = vec![address.address_line1.as_str()];
    if !address.address_line2.is_empty() {
        parts.push(&address.address_line2);
    }
    let town = format!("{} {}", address.postal_code, address.city);
    parts.push(&town);
    parts.push(&item.country_name);
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use account_api::PostalAddress;

    fn saved(id: &str, line2: &str, is_default: bool) -> SavedAddress {
        SavedAddress {
            id: id.into(),
            address: PostalAddress {
                name: "Ada Lovelace".into(),
                address_line1: "Hauptstraße 1".into(),
                address_line2: line2.into(),
                postal_code: "10115".into(),
                city: "Berlin".into(),
                country: "DE".into(),
            },
            country_name: "Germany".into(),
            is_default,
        }
    }

    #[test]
    fn the_default_is_chosen_first() {
        let items = [saved("a", "", false), saved("b", "", true)];
        assert_eq!(first_choice(&items).map(|i| i.id.as_str()), Some("b"));
        let items = [saved("a", "", false)];
        assert_eq!(first_choice(&items).map(|i| i.id.as_str()), Some("a"));
        assert_eq!(first_choice(&[]), None);
    }

    #[test]
    fn the_checkout_gets_every_line_of_the_address() {
        let picked = picked(&saved("a", "Apt 2", true));
        assert_eq!(picked.line1, "Hauptstraße 1");
        assert_eq!(picked.line2, "Apt 2");
        assert_eq!(picked.postal_code, "10115");
        assert_eq!(picked.country, "DE");
    }

    #[test]
    fn an_address_reads_on_one_line() {
        assert_eq!(
            one_line(&saved("a", "", true)),
            "Hauptstraße 1, 10115 Berlin, Germany"
        );
        assert_eq!(
            one_line(&saved("a", "Apt 2", true)),
            "Hauptstraße 1, Apt 2, 10115 Berlin, Germany"
        );
    }
}
