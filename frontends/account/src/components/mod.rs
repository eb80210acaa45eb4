//! Pieces the account pages share: the signed-in frame with its sub-navigation, form
//! fields with their messages, and the error summary at the top of a form.

pub mod states;

use crate::form::Form;
use account_api::{ACCOUNT_PAGE, ADDRESSES_PAGE, ORDERS_PAGE};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

/// `aria-describedby` for a control with up to two descriptions (a hint, an error).
pub fn described_by(first: Option<&str>, second: Option<&str>) -> Option<String> {
    match (first, second) {
        (Some(first), Some(second)) => Some(format!("{first} {second}")),
        (one, other) => one.or(other).map(str::to_owned),
    }
}

/// A part of the signed-in account, as the sub-navigation names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Profile,
    Orders,
    Addresses,
}

const SECTIONS: [(Section, &str, &str); 3] = [
    (Section::Profile, ACCOUNT_PAGE, "Profile"),
    (Section::Orders, ORDERS_PAGE, "Orders"),
    (Section::Addresses, ADDRESSES_PAGE, "Addresses"),
];

/// A signed-in page: its heading, the sub-navigation (Profile · Orders · Addresses) and
/// `body`.
pub fn account_frame(section: Section, title: &str, body: Html) -> Html {
    html! {
        <section class="account-frame" aria-labelledby="account-title">
            // Focused when what it heads changed under the shopper (an address deleted).
            <h1 id="account-title" class="account-heading" tabindex="-1">{ title }</h1>
            <nav class="account-nav" aria-label="Your account">
                <ul>
                    { for SECTIONS.iter().map(|(each, href, label)| html! {
                        <li>
                            <a href={*href} aria-current={(*each == section).then_some("page")}>{ *label }</a>
                        </li>
                    }) }
                </ul>
            </nav>
            <div class="account-body">{ body }</div>
        </section>
    }
}

/// A text field of a form.
pub struct Field {
    /// Its name in the contract (`email`, `address_line1`).
    pub name: &'static str,
    pub label: &'static str,
    /// The input's `type`.
    pub kind: &'static str,
    pub autocomplete: &'static str,
    pub hint: Option<&'static str>,
    pub required: bool,
}

/// The element id of a form's field: `sign-in-email`.
pub fn field_id(form: &str, name: &str) -> String {
    format!("{form}-{name}")
}

/// What a field shows besides its label, input and messages.
#[derive(Default)]
pub struct Extras {
    /// Replaces the field's input type (a password shown as text).
    pub kind: Option<&'static str>,
    /// Beside the input (the password's show/hide button).
    pub beside: Html,
    /// Under the field's error, when it has one (a way forward).
    pub note: Html,
}

/// A labelled input of form `form_id` with its hint and error; the error is announced with
/// the input (`aria-describedby`) and marks it invalid.
pub fn text_field(form_id: &str, field: &Field, form: &Form, extras: Extras) -> Html {
    let id = field_id(form_id, field.name);
    let error = form.error(field.name);
    let hint_id = field.hint.map(|_| format!("{id}-hint"));
    let error_id = error.map(|_| format!("{id}-error"));
    let described_by = described_by(hint_id.as_deref(), error_id.as_deref());
    let kind = extras.kind.unwrap_or(field.kind);
    let input = html! {
        <input
            type={kind}
            id={id.clone()}
            name={field.name}
            value={form.value(field.name).to_owned()}
            autocomplete={field.autocomplete}
            required={field.required}
            aria-invalid={error.map(|_| "true")}
            aria-describedby={described_by}
        />
    };
    html! {
        <div class={if error.is_some() { "field has-error" } else { "field" }}>
            <label for={id}>{ field.label }</label>
            if let (Some(hint), Some(hint_id)) = (field.hint, hint_id) {
                <p id={hint_id} class="field-hint">{ hint }</p>
            }
            if let (Some(error), Some(error_id)) = (error, error_id) {
                <p id={error_id} class="field-error">{ error.to_owned() }{ extras.note }</p>
            }
            if extras.kind.is_some() || field.kind == "password" {
                <div class="with-button">{ input }{ extras.beside }</div>
            } else {
                { input }
            }
        </div>
    }
}

/// The password's show/hide button for input `input_id`.
pub fn reveal_button(input_id: String, shown: bool, on_toggle: Callback<MouseEvent>) -> Html {
    html! {
        <button type="button" class="reveal" aria-controls={input_id} onclick={on_toggle}>
            { if shown { "Hide" } else { "Show" } }
            <span class="visually-hidden">{ " password" }</span>
        </button>
    }
}

/// The listeners that keep `form` up to date with what is typed, for the `<form>` element:
/// each control is found by its `name`. Typing fires `input`; a select, autofill and some
/// assistive tools may fire only `change`: both are read.
pub fn on_typing(form: &Rc<RefCell<Form>>) -> (Callback<InputEvent>, Callback<Event>) {
    let read = {
        let form = form.clone();
        move |target: Option<web_sys::EventTarget>| {
            let Some(control) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
                return;
            };
            let value = if control.get_attribute("type").as_deref() == Some("checkbox") {
                let checked = js_sys::Reflect::get(&control, &"checked".into())
                    .ok()
                    .and_then(|checked| checked.as_bool());
                checked.map(|on| if on { "true" } else { "" }.to_owned())
            } else {
                js_sys::Reflect::get(&control, &"value".into())
                    .ok()
                    .and_then(|value| value.as_string())
            };
            if let (Some(name), Some(value)) = (control.get_attribute("name"), value) {
                form.borrow_mut().set(&name, value);
            }
        }
    };
    let on_input = {
        let read = read.clone();
        Callback::from(move |event: InputEvent| read(event.target()))
    };
    (
        on_input,
        Callback::from(move |event: Event| read(event.target())),
    )
}

/// Focus for a page with form `form_id`: after each render, its error summary takes the
/// focus when the form was refused again, else the element whose id was put into the
/// returned cell (a form that opened, the button that opened a form that closed).
#[hook]
pub fn use_focus(form: Rc<RefCell<Form>>, form_id: &'static str) -> Rc<RefCell<Option<String>>> {
    let pending = use_mut_ref(|| None::<String>);
    let seen_refusals = use_mut_ref(|| 0_u32);
    {
        let pending = pending.clone();
        use_effect(move || {
            let refusals = form.borrow().refusals;
            let target = if refusals != *seen_refusals.borrow() {
                *seen_refusals.borrow_mut() = refusals;
                Some(summary_id(form_id))
            } else {
                pending.borrow_mut().take()
            };
            if let Some(id) = target {
                focus_id(&id);
            }
        });
    }
    pending
}

/// The id of form `form_id`'s error summary.
fn summary_id(form_id: &str) -> String {
    format!("{form_id}-errors")
}

/// Moves the keyboard focus to the element with `id`, if there is one.
pub fn focus_id(id: &str) {
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// What is wrong with the last attempt, at the top of form `form_id` (focused after each
/// refusal: see [`use_focus`]): the problem with the
/// whole form (`title` heads it), and each field's message as a link to that field.
pub fn error_summary(form_id: &str, title: &str, form: &Form) -> Html {
    if !form.has_errors() {
        return html! {};
    }
    let focus_field = Callback::from(|event: MouseEvent| {
        let field = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a").ok().flatten())
            .and_then(|anchor| anchor.get_attribute("href"));
        if let Some(id) = field.as_deref().and_then(|href| href.strip_prefix('#')) {
            event.prevent_default();
            focus_id(id);
        }
    });
    let title = match form.errors.len() {
        0 => title.to_owned(),
        1 => "Please correct 1 field".to_owned(),
        n => format!("Please correct {n} fields"),
    };
    let title_id = format!("{form_id}-errors-title");
    html! {
        <div class="error-summary" id={summary_id(form_id)} tabindex="-1" aria-labelledby={title_id.clone()}>
            <h2 id={title_id}>{ title }</h2>
            if let Some(problem) = &form.problem {
                <p>{ problem }</p>
            }
            if !form.errors.is_empty() {
                <ul>
                    { for form.errors.iter().map(|error| html! {
                        <li>
                            <a href={format!("#{}", field_id(form_id, &error.field))} onclick={focus_field.clone()}>
                                { &error.message }
                            </a>
                        </li>
                    }) }
                </ul>
            }
        </div>
    }
}

/// The form's main button, which says what is happening while it is sent.
pub fn submit_button(label: &'static str, sending_label: &'static str, sending: bool) -> Html {
    html! {
        <>
            <button type="submit" class="button primary submit" disabled={sending}>
                { if sending { sending_label } else { label } }
            </button>
            <p class="visually-hidden" role="status">{ if sending { sending_label } else { "" } }</p>
        </>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_control_is_described_by_each_id_given() {
        assert_eq!(described_by(None, None), None);
        assert_eq!(described_by(Some("a"), None).as_deref(), Some("a"));
        assert_eq!(described_by(Some("a"), Some("b")).as_deref(), Some("a b"));
    }

    #[test]
    fn field_ids_follow_the_contracts_names() {
        assert_eq!(
            field_id("address", account_api::fields::NAME),
            "address-name"
        );
    }
}
