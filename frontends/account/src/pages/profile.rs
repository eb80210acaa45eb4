//! The profile (`/account`): the shopper's name, in a field they can change and save, their
//! email and since when they are a member; and signing out — here, or on every device.

use crate::api;
use crate::app::{redirect, Route};
use crate::components::states::is_signed_out;
use crate::components::{
    account_frame, error_summary, on_typing, submit_button, text_field, use_focus, Extras, Field,
    Section,
};
use crate::form::Form;
use crate::pages::{signed_in, use_me, For};
use crate::session;
use account_api::{fields, ProfileForm};
use yew::prelude::*;

const FORM_ID: &str = "profile";
const TITLE: &str = "Your account";

const NAME: Field = Field {
    name: fields::NAME,
    label: "Your name",
    kind: "text",
    autocomplete: "name",
    hint: None,
    required: true,
};

/// What the page says besides the profile.
#[derive(Debug, Default)]
struct Notes {
    /// Whether the name field holds the profile's name yet.
    filled: bool,
    /// What was last said about a change (a polite live region).
    said: &'static str,
    /// A sign-out is on its way.
    signing_out: bool,
    /// Why the last sign-out failed.
    sign_out_problem: Option<String>,
}

#[function_component]
pub fn ProfilePage() -> Html {
    let (me, retry) = use_me(For::SignedIn);
    let notes = use_mut_ref(Notes::default);
    let form = use_mut_ref(|| Form::new(&[(fields::NAME, "")]));
    let redraw = use_force_update();
    use_focus(form.clone(), FORM_ID);

    let profile = match signed_in(&me, Section::Profile, TITLE, "your account", &retry) {
        Ok(profile) => profile,
        Err(instead) => return instead,
    };
    if !notes.borrow().filled {
        notes.borrow_mut().filled = true;
        form.borrow_mut().set(fields::NAME, profile.name.clone());
    }

    let (oninput, onchange) = on_typing(&form);
    let onsubmit = {
        let (notes, form, redraw) = (notes.clone(), form.clone(), redraw.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let rename = ProfileForm {
                name: form.borrow().value(fields::NAME).trim().to_owned(),
            };
            notes.borrow_mut().said = "";
            let send = form.borrow_mut().submit(rename.problems());
            redraw.force_update();
            if !send {
                return;
            }
            let (notes, form, redraw) = (notes.clone(), form.clone(), redraw.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::update_profile(&rename).await {
                    Ok(profile) => {
                        // The header greets them by the new name.
                        session::signed_in(&profile.first_name);
                        form.borrow_mut().accepted();
                        notes.borrow_mut().said = "Your name is saved.";
                    }
                    Err(error) if is_signed_out(&error) => {
                        return redirect(Route::sign_in_returning_here())
                    }
                    Err(error) => form.borrow_mut().refused(&error),
                }
                redraw.force_update();
            });
        })
    };

    let sign_out = |everywhere: bool| {
        let (notes, redraw) = (notes.clone(), redraw.clone());
        Callback::from(move |_: MouseEvent| {
            if notes.borrow().signing_out {
                return;
            }
            notes.borrow_mut().signing_out = true;
            notes.borrow_mut().sign_out_problem = None;
            redraw.force_update();
            let (notes, redraw) = (notes.clone(), redraw.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = if everywhere {
                    api::sign_out_everywhere().await
                } else {
                    api::sign_out().await
                };
                match answer {
                    Ok(()) => {
                        session::signed_out();
                        redirect(Route::SignIn { next: None });
                    }
                    Err(error) => {
                        let mut notes = notes.borrow_mut();
                        notes.signing_out = false;
                        notes.sign_out_problem = Some(error.message());
                        drop(notes);
                        redraw.force_update();
                    }
                }
            });
        })
    };

    let notes = notes.borrow();
    let form = form.borrow();
    let body = html! {
        <>
            <section class="panel" aria-labelledby="profile-details-title">
                <h2 id="profile-details-title">{ "Your details" }</h2>
                <form class="name-form" novalidate=true {oninput} {onchange} {onsubmit} aria-labelledby="profile-details-title">
                    { error_summary(FORM_ID, "We couldn't save your name", &form) }
                    { text_field(FORM_ID, &NAME, &form, Extras::default()) }
                    <div class="form-actions">
                        { submit_button("Save name", "Saving…", form.sending) }
                    </div>
                </form>
                <p class="said" role="status">{ notes.said }</p>
                <dl class="facts">
                    <div class="fact"><dt>{ "Email" }</dt><dd>{ &profile.email }</dd></div>
                    <div class="fact"><dt>{ "Member since" }</dt><dd>{ &profile.member_since }</dd></div>
                </dl>
            </section>
            <section class="panel" aria-labelledby="profile-sign-out-title">
                <h2 id="profile-sign-out-title">{ "Signing out" }</h2>
                <p class="panel-text">{ "Signing out everywhere ends your sessions on every device and browser, this one too." }</p>
                <div class="form-actions">
                    <button type="button" class="button secondary" disabled={notes.signing_out} onclick={sign_out(false)}>{ "Sign out" }</button>
                    <button type="button" class="button secondary" disabled={notes.signing_out} onclick={sign_out(true)}>{ "Sign out everywhere" }</button>
                </div>
                if let Some(problem) = &notes.sign_out_problem {
                    <p class="form-problem" role="alert">{ problem }</p>
                }
            </section>
        </>
    };
    account_frame(Section::Profile, TITLE, body)
}
