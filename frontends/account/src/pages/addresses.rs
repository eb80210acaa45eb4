//! Saved addresses (`/account/addresses`): the list, the default first; adding one, changing
//! one in place, deleting one after a confirmation, and choosing the default. Every change
//! is said in a live region, and the focus goes where the shopper will act next (the form
//! that opened, the card that changed, the button that opened a form that closed).

use crate::api;
use crate::app::{redirect, Route};
use crate::components::states::{
    account_icon, error_panel, is_signed_out, leaving, panel, skeleton, Panel, EMPTY,
};
use crate::components::{
    account_frame, described_by, error_summary, field_id, on_typing, submit_button, text_field,
    use_focus, Extras, Field, Section,
};
use crate::form::Form;
use account_api::MAX_ADDRESSES;
use account_api::{codes, AddressForm, Addresses, PostalAddress, SavedAddress, COUNTRIES};
use mfe_kit::http::{use_first_answer, ApiError};
use postal_address::fields;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

const FORM_ID: &str = "address";
/// The form's checkbox (not a field of the postal address).
const MAKE_DEFAULT: &str = "make_default";
const ADD_ID: &str = "addresses-add";
const LIST_TITLE_ID: &str = "account-title";

const NAME: Field = Field {
    name: fields::NAME,
    label: "Full name",
    kind: "text",
    autocomplete: "shipping name",
    hint: None,
    required: true,
};
const ADDRESS_LINE1: Field = Field {
    name: fields::ADDRESS_LINE1,
    label: "Street and number",
    kind: "text",
    autocomplete: "shipping address-line1",
    hint: None,
    required: true,
};
const ADDRESS_LINE2: Field = Field {
    name: fields::ADDRESS_LINE2,
    label: "Apartment, floor, etc. (optional)",
    kind: "text",
    autocomplete: "shipping address-line2",
    hint: None,
    required: false,
};
const POSTAL_CODE: Field = Field {
    name: fields::POSTAL_CODE,
    label: "Postal code",
    kind: "text",
    autocomplete: "shipping postal-code",
    hint: None,
    required: true,
};
const CITY: Field = Field {
    name: fields::CITY,
    label: "Town or city",
    kind: "text",
    autocomplete: "shipping address-level2",
    hint: None,
    required: true,
};

/// Which address the form is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Editing {
    New,
    Existing(String),
}

/// Whether the list could be read.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Load {
    #[default]
    Loading,
    Failed(ApiError),
    Ready,
}

/// The page's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressBook {
    pub load: Load,
    /// The default first.
    pub items: Vec<SavedAddress>,
    pub editing: Option<Editing>,
    /// The address whose deletion waits for a confirmation.
    pub confirming: Option<String>,
    /// Whether a delete or a change of default is on its way.
    pub busy: bool,
    /// What was last said about a change (a polite live region).
    pub said: String,
    /// Why the last delete or change of default failed.
    pub problem: Option<String>,
    /// The BFF says nobody is signed in.
    pub signed_out: bool,
}

impl AddressBook {
    /// The list as read (first, or again).
    pub fn read(&mut self, answer: Result<Addresses, ApiError>) {
        match answer {
            Ok(addresses) => {
                self.items = addresses.items;
                self.load = Load::Ready;
            }
            Err(error) if is_signed_out(&error) => self.signed_out = true,
            Err(error) => self.load = Load::Failed(error),
        }
    }

    /// A saved address (new or changed) joins the list; a new default goes first.
    pub fn saved(&mut self, saved: SavedAddress) {
        if saved.is_default {
            for item in &mut self.items {
                item.is_default = false;
            }
        }
        match self.items.iter().position(|item| item.id == saved.id) {
            Some(at) => self.items[at] = saved,
            None => self.items.push(saved),
        }
        if let Some(at) = self.items.iter().position(|item| item.is_default) {
            let default = self.items.remove(at);
            self.items.insert(0, default);
        }
    }

    /// A delete or a change of default failed.
    pub fn failed(&mut self, error: &ApiError) {
        self.busy = false;
        if is_signed_out(error) {
            self.signed_out = true;
        } else {
            self.problem = Some(error.message());
        }
    }

    /// The form for `editing`, filled with the address it changes.
    pub fn form_for(&self, editing: &Editing) -> Form {
        let existing = match editing {
            Editing::New => None,
            Editing::Existing(id) => self.items.iter().find(|item| &item.id == id),
        };
        let blank = PostalAddress::default();
        let address = existing.map_or(&blank, |item| &item.address);
        Form::new(&[
            (fields::NAME, &address.name),
            (fields::ADDRESS_LINE1, &address.address_line1),
            (fields::ADDRESS_LINE2, &address.address_line2),
            (fields::POSTAL_CODE, &address.postal_code),
            (fields::CITY, &address.city),
            (fields::COUNTRY, &address.country),
            (MAKE_DEFAULT, ""),
        ])
    }

    fn name_of(&self, id: &str) -> String {
        self.items
            .iter()
            .find(|item| item.id == id)
            .map(|item| item.address.name.clone())
            .unwrap_or_default()
    }
}

/// The contract's form from what was typed.
pub fn address_form(form: &Form) -> AddressForm {
    AddressForm::new(
        PostalAddress {
            name: form.take(fields::NAME),
            address_line1: form.take(fields::ADDRESS_LINE1),
            address_line2: form.take(fields::ADDRESS_LINE2),
            postal_code: form.take(fields::POSTAL_CODE),
            city: form.take(fields::CITY),
            country: form.take(fields::COUNTRY),
        }
        .trimmed(),
        form.value(MAKE_DEFAULT) == "true",
    )
}

fn card_title_id(id: &str) -> String {
    format!("address-{id}-title")
}

fn edit_button_id(id: &str) -> String {
    format!("address-{id}-edit")
}

fn delete_button_id(id: &str) -> String {
    format!("address-{id}-delete")
}

type Shared<T> = Rc<RefCell<T>>;

/// What the page's buttons need.
#[derive(Clone)]
struct Handles {
    book: Shared<AddressBook>,
    form: Shared<Form>,
    redraw: UseForceUpdateHandle,
    focus_after: Shared<Option<String>>,
}

/// A change to the page: the book and the form, changed together.
type Change<'a> = Box<dyn FnOnce(&mut AddressBook, &mut Form) + 'a>;

impl Handles {
    /// Changes the book and the form, then draws them, focusing `focus` after. When the
    /// BFF said nobody is signed in, the visitor goes to sign in instead.
    fn change(&self, focus: Option<String>, change: Change) {
        let signed_out = self.book.borrow().signed_out;
        change(&mut self.book.borrow_mut(), &mut self.form.borrow_mut());
        if !signed_out && self.book.borrow().signed_out {
            return redirect(Route::sign_in_returning_here());
        }
        if focus.is_some() {
            *self.focus_after.borrow_mut() = focus;
        }
        self.redraw.force_update();
    }

    /// Reads the list (again).
    fn load(&self) {
        self.change(None, Box::new(|book, _| book.load = Load::Loading));
        let handles = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let answer = api::addresses().await;
            handles.change(None, Box::new(|book, _| book.read(answer)));
        });
    }

    /// A button of the page was pressed: `action` (its `data-action`) on the address `id`
    /// (its `data-id`). One listener for every button keeps the page small.
    fn act(&self, action: &str, id: String) {
        match action {
            "add" | "edit" => {
                let editing = if action == "add" {
                    Editing::New
                } else {
                    Editing::Existing(id)
                };
                self.change(
                    Some(field_id(FORM_ID, fields::NAME)),
                    Box::new(move |book, form| {
                        *form = book.form_for(&editing);
                        book.editing = Some(editing);
                        book.confirming = None;
                        book.problem = None;
                        book.said.clear();
                    }),
                )
            }
            "cancel" => {
                let back_to = match self.book.borrow().editing.as_ref() {
                    Some(Editing::Existing(id)) => edit_button_id(id),
                    _ => ADD_ID.to_owned(),
                };
                self.change(Some(back_to), Box::new(|book, _| book.editing = None))
            }
            "ask" => self.change(
                Some(format!("address-{id}-confirm")),
                Box::new(move |book, _| {
                    book.confirming = Some(id);
                    book.problem = None;
                    book.said.clear();
                }),
            ),
            "keep" => self.change(
                Some(delete_button_id(&id)),
                Box::new(|book, _| book.confirming = None),
            ),
            "delete" | "default" => {
                if self.book.borrow().busy {
                    return;
                }
                self.change(
                    None,
                    Box::new(|book, _| {
                        book.busy = true;
                        book.problem = None;
                    }),
                );
                let (handles, deleting) = (self.clone(), action == "delete");
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = if deleting {
                        api::delete_address(&id).await
                    } else {
                        api::make_default(&id).await
                    };
                    let focus = match (&answer, deleting) {
                        (Ok(_), true) => LIST_TITLE_ID.to_owned(),
                        (Err(_), true) => delete_button_id(&id),
                        (_, false) => card_title_id(&id),
                    };
                    handles.change(
                        Some(focus),
                        Box::new(move |book, _| {
                            let name = book.name_of(&id);
                            book.confirming = None;
                            match answer {
                                Ok(addresses) => {
                                    book.busy = false;
                                    book.items = addresses.items;
                                    book.said = if deleting {
                                        format!("The address for {name} is deleted.")
                                    } else {
                                        format!("The address for {name} is now your default.")
                                    };
                                }
                                Err(error) => book.failed(&error),
                            }
                        }),
                    );
                });
            }
            _ => {}
        }
    }

    /// The address form was sent.
    fn save(&self) {
        let Some(editing) = self.book.borrow().editing.clone() else {
            return;
        };
        let address = address_form(&self.form.borrow());
        let send = self.form.borrow_mut().submit(address.problems());
        self.redraw.force_update();
        if !send {
            return;
        }
        let handles = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let id = match &editing {
                Editing::New => None,
                Editing::Existing(id) => Some(id.as_str()),
            };
            let answer = api::save_address(id, &address).await;
            let focus = answer.as_ref().ok().map(|saved| card_title_id(&saved.id));
            handles.change(
                focus,
                Box::new(|book, form| match answer {
                    Ok(saved) => {
                        form.accepted();
                        book.said = format!("The address for {} is saved.", saved.address.name);
                        book.editing = None;
                        book.saved(saved);
                    }
                    Err(error) if is_signed_out(&error) => book.signed_out = true,
                    Err(error) if error.code() == Some(codes::NOT_FOUND) => {
                        form.refused_with(
                            "This address was deleted meanwhile. Save it again as a new address.",
                        );
                        book.editing = Some(Editing::New);
                    }
                    Err(error) => form.refused(&error),
                }),
            );
        });
    }
}

#[function_component]
pub fn AddressesPage() -> Html {
    let (first, skip_first_fetch) = use_first_answer(api::ready_addresses);
    let book = use_mut_ref(|| {
        let mut book = AddressBook::default();
        if let Some(answer) = first {
            book.read(answer);
        }
        book
    });
    let form = use_mut_ref(Form::default);
    let redraw = use_force_update();
    let focus_after = use_focus(form.clone(), FORM_ID);

    let handles = Handles {
        book: book.clone(),
        form: form.clone(),
        redraw,
        focus_after,
    };

    {
        let handles = handles.clone();
        use_effect_with((), move |_| {
            if !skip_first_fetch.replace(false) {
                handles.load();
            } else if handles.book.borrow().signed_out {
                // The shell's answer said so.
                redirect(Route::sign_in_returning_here());
            }
        });
    }

    let book = book.borrow();
    if book.signed_out {
        return leaving("Taking you to sign in…");
    }
    let body = match &book.load {
        Load::Loading => skeleton("Loading your addresses…", 3),
        Load::Failed(error) => {
            let handles = handles.clone();
            error_panel(
                error,
                "your addresses",
                &Callback::from(move |()| handles.load()),
            )
        }
        Load::Ready => address_book(&book, &form.borrow(), &handles),
    };
    account_frame(Section::Addresses, "Your addresses", body)
}

/// The list with its buttons, and the form when open.
fn address_book(book: &AddressBook, form: &Form, handles: &Handles) -> Html {
    let onclick = {
        let handles = handles.clone();
        Callback::from(move |event: MouseEvent| {
            let button = event
                .target()
                .and_then(|target| target.dyn_into::<Element>().ok())
                .and_then(|element| element.closest("button[data-action]").ok().flatten());
            if let Some(button) = button {
                let action = button.get_attribute("data-action").unwrap_or_default();
                handles.act(&action, button.get_attribute("data-id").unwrap_or_default());
            }
        })
    };
    let editor = || address_editor(book, form, handles);
    let add = html! {
        <button type="button" id={ADD_ID} class="button primary add-address" data-action="add">{ "Add an address" }</button>
    };
    html! {
        <div class="address-book" {onclick}>
            <p class="said" role="status">{ &book.said }</p>
            if let Some(problem) = &book.problem {
                <p class="form-problem" role="alert">{ problem }</p>
            }
            if book.editing == Some(Editing::New) {
                <div class="address-card is-editing">{ editor() }</div>
            } else if book.items.is_empty() {
                { panel(Panel {
                    kind: EMPTY,
                    icon: account_icon(),
                    whole_page: false,
                    title: "No saved addresses yet",
                    text: "Save an address here and choose it at checkout instead of typing it.",
                    action: add,
                }) }
            } else if book.items.len() >= MAX_ADDRESSES {
                <p class="panel-text">{ format!("You have saved {MAX_ADDRESSES} addresses, as many as we keep. Delete one to add another.") }</p>
            } else {
                { add }
            }
            if !book.items.is_empty() {
                <ul class="address-list">
                    { for book.items.iter().map(|item| {
                        if book.editing == Some(Editing::Existing(item.id.clone())) {
                            html! { <li key={item.id.clone()} class="address-card is-editing">{ editor() }</li> }
                        } else {
                            address_card(item, book)
                        }
                    }) }
                </ul>
            }
        </div>
    }
}

/// One saved address with its buttons, or the question before deleting it.
fn address_card(item: &SavedAddress, book: &AddressBook) -> Html {
    let id = &item.id;
    let address = &item.address;
    let confirm_id = format!("address-{id}-confirm");
    // Each button's name says whose address it is, so "Edit" is told apart from the next
    // card's; it starts with the button's visible words (what voice control users say).
    let whose = format!(" {}, {}", address.name, address.address_line1);
    let button = |action: &'static str, label: &'static str, element_id: Option<String>| {
        html! {
            <button type="button" id={element_id} class={if action == "ask" { "text-button danger" } else { "text-button" }}
                data-action={action} data-id={id.clone()} aria-label={format!("{label}{whose}")}>
                { label }
            </button>
        }
    };
    html! {
        <li key={id.clone()} class={if item.is_default { "address-card is-default" } else { "address-card" }}>
            <div class="address-head">
                <h2 id={card_title_id(id)} tabindex="-1">{ &address.name }</h2>
                if item.is_default {
                    <span class="default-tag">{ "Default" }</span>
                }
            </div>
            <address>
                <span>{ &address.address_line1 }</span>
                if !address.address_line2.is_empty() {
                    <span>{ &address.address_line2 }</span>
                }
                <span>{ format!("{} {}", address.postal_code, address.city) }</span>
                <span>{ &item.country_name }</span>
            </address>
            if book.confirming.as_ref() == Some(id) {
                <div class="confirm" role="group" aria-labelledby={confirm_id.clone()}>
                    <p id={confirm_id} tabindex="-1">{ "Delete this address?" }</p>
                    <div class="form-actions">
                        <button type="button" class="button danger" disabled={book.busy} data-action="delete" data-id={id.clone()}>
                            { if book.busy { "Deleting…" } else { "Delete" } }
                        </button>
                        <button type="button" class="button secondary" data-action="keep" data-id={id.clone()}>{ "Keep it" }</button>
                    </div>
                </div>
            } else {
                <div class="address-actions">
                    { button("edit", "Edit", Some(edit_button_id(id))) }
                    if !item.is_default {
                        { button("default", "Make default", None) }
                    }
                    { button("ask", "Delete", Some(delete_button_id(id))) }
                </div>
            }
        </li>
    }
}

/// The form to add an address or change one.
fn address_editor(book: &AddressBook, form: &Form, handles: &Handles) -> Html {
    let Some(editing) = &book.editing else {
        return html! {};
    };
    let (oninput, onchange) = on_typing(&handles.form);
    let onsubmit = {
        let handles = handles.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            handles.save();
        })
    };
    let (title, button, first_address) = match editing {
        Editing::New => ("New address", "Save address", book.items.is_empty()),
        Editing::Existing(_) => ("Change address", "Save changes", false),
    };
    let is_default = match editing {
        Editing::New => first_address,
        Editing::Existing(id) => book
            .items
            .iter()
            .any(|item| &item.id == id && item.is_default),
    };
    let check_id = field_id(FORM_ID, MAKE_DEFAULT);
    html! {
        <form class="address-form" novalidate=true {oninput} {onchange} {onsubmit} aria-labelledby="address-form-title">
            <h2 id="address-form-title">{ title }</h2>
            { error_summary(FORM_ID, "We couldn't save the address", form) }
            // The postal code and the town share a row (see account.css).
            { for [&NAME, &ADDRESS_LINE1, &ADDRESS_LINE2, &POSTAL_CODE, &CITY].into_iter().map(|field| text_field(FORM_ID, field, form, Extras::default())) }
            { country_field(form) }
            if is_default {
                <p class="field-hint">{ if first_address { "Your first address is your default." } else { "This is your default address." } }</p>
            } else {
                <div class="check">
                    <input type="checkbox" id={check_id.clone()} name={MAKE_DEFAULT} checked={form.value(MAKE_DEFAULT) == "true"} />
                    <label for={check_id}>{ "Make this my default address" }</label>
                </div>
            }
            <div class="form-actions">
                { submit_button(button, "Saving…", form.sending) }
                <button type="button" class="button secondary" data-action="cancel">{ "Cancel" }</button>
            </div>
        </form>
    }
}

/// The country, one of those the shop delivers to.
fn country_field(form: &Form) -> Html {
    let id = field_id(FORM_ID, fields::COUNTRY);
    let error = form.error(fields::COUNTRY);
    let error_id = format!("{id}-error");
    let chosen = form.value(fields::COUNTRY);
    html! {
        <div class={if error.is_some() { "field has-error" } else { "field" }}>
            <label for={id.clone()}>{ "Country" }</label>
            if let Some(error) = error {
                <p id={error_id.clone()} class="field-error">{ error.to_owned() }</p>
            }
            <select
                id={id}
                name={fields::COUNTRY}
                autocomplete="shipping country"
                required=true
                aria-invalid={error.map(|_| "true")}
                aria-describedby={described_by(error.map(|_| error_id.as_str()), None)}
            >
                <option value="" selected={chosen.is_empty()}>{ "Choose a country" }</option>
                { for COUNTRIES.iter().map(|(code, name)| html! {
                    <option value={*code} selected={chosen == *code}>{ *name }</option>
                }) }
            </select>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(id: &str, name: &str, is_default: bool) -> SavedAddress {
        SavedAddress {
            id: id.into(),
            address: PostalAddress {
                name: name.into(),
                address_line1: "Hauptstraße 1".into(),
                address_line2: String::new(),
                postal_code: "10115".into(),
                city: "Berlin".into(),
                country: "DE".into(),
            },
            country_name: "Germany".into(),
            is_default,
        }
    }

    fn book(items: Vec<SavedAddress>) -> AddressBook {
        let mut book = AddressBook::default();
        book.read(Ok(Addresses { items }));
        book
    }

    fn ids(book: &AddressBook) -> Vec<(&str, bool)> {
        book.items
            .iter()
            .map(|item| (item.id.as_str(), item.is_default))
            .collect()
    }

    #[test]
    fn a_new_address_joins_the_end_of_the_list() {
        let mut book = book(vec![saved("a", "Ada", true)]);
        book.saved(saved("b", "Bob", false));
        assert_eq!(ids(&book), [("a", true), ("b", false)]);
    }

    #[test]
    fn a_new_default_goes_first_and_is_the_only_one() {
        let mut book = book(vec![saved("a", "Ada", true), saved("b", "Bob", false)]);
        book.saved(saved("b", "Bobby", true));
        assert_eq!(ids(&book), [("b", true), ("a", false)]);
        assert_eq!(book.items[0].address.name, "Bobby");
    }

    #[test]
    fn the_edit_form_is_filled_with_the_address() {
        let book = book(vec![saved("a", "Ada", true)]);
        let form = book.form_for(&Editing::Existing("a".into()));
        assert_eq!(form.value(fields::NAME), "Ada");
        assert_eq!(form.value(fields::COUNTRY), "DE");
        assert_eq!(book.form_for(&Editing::New).value(fields::NAME), "");
    }

    #[test]
    fn what_is_typed_is_sent_trimmed_with_the_default_choice() {
        let mut form = AddressBook::default().form_for(&Editing::New);
        form.set(fields::NAME, " Ada ".into());
        form.set(MAKE_DEFAULT, "true".into());
        let sent = address_form(&form);
        assert_eq!(sent.name, "Ada");
        assert!(sent.make_default);
        assert_eq!(
            sent.problems().first().map(|p| p.field.as_str()),
            Some(fields::ADDRESS_LINE1)
        );
    }

    #[test]
    fn a_signed_out_answer_sends_the_visitor_to_sign_in() {
        let mut book = AddressBook::default();
        book.read(Err(ApiError::Status {
            status: 401,
            error: None,
        }));
        assert!(book.signed_out);
        assert_eq!(book.load, Load::Loading);
    }
}
