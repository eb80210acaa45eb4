//! Signing in (`/account/sign-in`) and creating an account (`/account/sign-up`): one
//! screen in two modes, as they differ only in their fields and words. Each form is checked
//! here with the contract's rules before it is sent; each message stands at its field, and
//! a summary at the top takes the focus (as on the cart's checkout). A wrong email or
//! password gets one answer for both; an email that has an account already is said at the
//! email field, with the way to sign in instead.
//!
//! Afterwards every MFE is told (`account:signed-in`) and the shopper goes where they
//! wanted to (`?next=`): an account page is shown in place, any other page is loaded, so its
//! slice reads the new identity from the start.

use crate::api::{self, Credentials};
use crate::app::{go_on, sign_in_href, sign_up_href};
use crate::components::states::{error_panel, Fetch};
use crate::components::{
    error_summary, field_id, on_typing, reveal_button, submit_button, text_field, use_focus,
    Extras, Field,
};
use crate::form::Form;
use crate::pages::{use_me, For};
use crate::session;
use account_api::{codes, fields, FieldError, SignInForm, SignUpForm};
use yew::prelude::*;

/// Which of the two forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    SignIn,
    SignUp,
}

/// What a mode shows.
struct Screen {
    form_id: &'static str,
    title: &'static str,
    intro: &'static str,
    fields: &'static [Field],
    refused: &'static str,
    submit: &'static str,
    sending: &'static str,
    switch_question: &'static str,
    switch_link: &'static str,
}

const NAME: Field = Field {
    name: fields::NAME,
    label: "Your name",
    kind: "text",
    autocomplete: "name",
    hint: None,
    required: true,
};

const SIGN_IN: Screen = Screen {
    form_id: "sign-in",
    title: "Sign in",
    intro: "Sign in to see your orders and use your saved addresses at checkout.",
    fields: &[
        Field {
            name: fields::EMAIL,
            label: "Email address",
            kind: "email",
            autocomplete: "username",
            hint: None,
            required: true,
        },
        Field {
            name: fields::PASSWORD,
            label: "Password",
            kind: "password",
            autocomplete: "current-password",
            hint: None,
            required: true,
        },
    ],
    refused: "We couldn't sign you in",
    submit: "Sign in",
    sending: "Signing you in…",
    switch_question: "New here? ",
    switch_link: "Create an account",
};

const SIGN_UP: Screen = Screen {
    form_id: "sign-up",
    title: "Create an account",
    intro: "Save your addresses for a quicker checkout and find every order in one place.",
    fields: &[
        NAME,
        Field {
            name: fields::EMAIL,
            label: "Email address",
            kind: "email",
            autocomplete: "email",
            hint: None,
            required: true,
        },
        Field {
            name: fields::PASSWORD,
            label: "Password",
            kind: "password",
            autocomplete: "new-password",
            // account_api::MIN_PASSWORD_LEN (a test keeps them equal).
            hint: Some("At least 10 characters. A few words you remember make a good password."),
            required: true,
        },
    ],
    refused: "We couldn't create your account",
    submit: "Create account",
    sending: "Creating your account…",
    switch_question: "Already have an account? ",
    switch_link: "Sign in",
};

/// What a 401 to a sign-in says: the same for an unknown email and a wrong password.
pub const NOT_RIGHT: &str = "The email or password is not right.";

impl Mode {
    fn screen(self) -> &'static Screen {
        match self {
            Mode::SignIn => &SIGN_IN,
            Mode::SignUp => &SIGN_UP,
        }
    }

    /// The other mode's page, with the same `next`.
    fn other_href(self, next: Option<&str>) -> String {
        match self {
            Mode::SignIn => sign_up_href(next),
            Mode::SignUp => sign_in_href(next),
        }
    }
}

/// The form as typed (emails and names without surrounding spaces), ready to send, and
/// its problems by the contract's rules.
fn credentials(mode: Mode, form: &Form) -> (Credentials, Vec<FieldError>) {
    let email = form.value(fields::EMAIL).trim().to_owned();
    let password = form.take(fields::PASSWORD);
    match mode {
        Mode::SignIn => {
            let sign_in = SignInForm { email, password };
            let problems = sign_in.problems();
            (Credentials::SignIn(sign_in), problems)
        }
        Mode::SignUp => {
            let sign_up = SignUpForm {
                name: form.value(fields::NAME).trim().to_owned(),
                email,
                password,
            };
            let problems = sign_up.problems();
            (Credentials::SignUp(sign_up), problems)
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct AuthProps {
    pub mode: Mode,
    /// Where to go afterwards (`?next=`), as given: checked by `app::destination`.
    pub next: Option<String>,
}

#[function_component]
pub fn AuthPage(props: &AuthProps) -> Html {
    let (mode, screen) = (props.mode, props.mode.screen());
    // A signed-in visitor goes on as after signing in.
    let (me, retry) = use_me(For::Guests {
        next: props.next.clone(),
    });
    let form = use_mut_ref(|| {
        let names: Vec<_> = screen.fields.iter().map(|field| (field.name, "")).collect();
        Form::new(&names)
    });
    let shown = use_mut_ref(|| false);
    let redraw = use_force_update();
    use_focus(form.clone(), screen.form_id);

    let (oninput, onchange) = on_typing(&form);
    let onsubmit = {
        let (form, redraw, next) = (form.clone(), redraw.clone(), props.next.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (credentials, problems) = credentials(mode, &form.borrow());
            let send = form.borrow_mut().submit(problems);
            redraw.force_update();
            if !send {
                return;
            }
            let (form, redraw, next) = (form.clone(), redraw.clone(), next.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::authenticate(&credentials).await {
                    Ok(me) => {
                        form.borrow_mut().accepted();
                        if let Some(user) = &me.user {
                            session::signed_in(&user.first_name);
                        }
                        go_on(next.as_deref());
                    }
                    Err(error) if mode == Mode::SignIn && error.status() == Some(401) => {
                        form.borrow_mut().refused_with(NOT_RIGHT)
                    }
                    Err(error) => form.borrow_mut().refused(&error),
                }
                redraw.force_update();
            });
        })
    };
    let on_reveal = {
        let (shown, redraw) = (shown.clone(), redraw.clone());
        Callback::from(move |_| {
            let now = !*shown.borrow();
            *shown.borrow_mut() = now;
            redraw.force_update();
        })
    };
    let other = mode.other_href(props.next.as_deref());

    // The form shows at once, while `me` is asked: it needs nothing from the answer, and
    // a placeholder it replaced would move the page under the shopper's eyes.
    let body = match &me {
        Fetch::Failed(error) => error_panel(error, "this form", &retry),
        Fetch::Loaded(me) if me.signed_in() => html! {},
        Fetch::Loading | Fetch::Loaded(_) => {
            let form = form.borrow();
            let shown = *shown.borrow();
            // The email cannot be used (it has an account, and that is not its password):
            // the way to sign in is offered beside it.
            let refused = form.code.as_deref() == Some(codes::SIGN_UP_REFUSED);
            let field = |field: &Field| {
                let extras = match field.name {
                    fields::PASSWORD => Extras {
                        kind: Some(if shown { "text" } else { "password" }),
                        beside: reveal_button(
                            field_id(screen.form_id, field.name),
                            shown,
                            on_reveal.clone(),
                        ),
                        note: html! {},
                    },
                    fields::EMAIL if refused => Extras {
                        note: html! { <>{ " " }<a href={other.clone()}>{ "Go to sign in" }</a></> },
                        ..Extras::default()
                    },
                    _ => Extras::default(),
                };
                text_field(screen.form_id, field, &form, extras)
            };
            html! {
                // POST: without JavaScript (a page rendered on the server) a submitted form
                // must never put the password in an address.
                <form class="auth-form" method="post" novalidate=true {oninput} {onchange} {onsubmit} aria-labelledby="auth-title">
                    { error_summary(screen.form_id, screen.refused, &form) }
                    { for screen.fields.iter().map(field) }
                    { submit_button(screen.submit, screen.sending, form.sending) }
                </form>
            }
        }
    };

    html! {
        <section class="auth" aria-labelledby="auth-title">
            <div class="auth-card">
                <h1 id="auth-title" class="account-heading">{ screen.title }</h1>
                <p class="auth-intro">{ screen.intro }</p>
                <p class="without-scripts">{ "Signing in needs JavaScript: please turn it on." }</p>
                { body }
                <p class="auth-switch">
                    { screen.switch_question }
                    <a href={other}>{ screen.switch_link }</a>
                </p>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use account_api::MIN_PASSWORD_LEN;

    fn autocomplete(screen: &Screen) -> Vec<(&str, &str)> {
        screen
            .fields
            .iter()
            .map(|field| (field.name, field.autocomplete))
            .collect()
    }

    #[test]
    fn signing_in_autofills_saved_credentials() {
        assert_eq!(
            autocomplete(&SIGN_IN),
            [("email", "username"), ("password", "current-password")]
        );
    }

    #[test]
    fn a_new_account_autofills_as_new_credentials() {
        assert_eq!(
            autocomplete(&SIGN_UP),
            [
                ("name", "name"),
                ("email", "email"),
                ("password", "new-password")
            ]
        );
    }

    #[test]
    fn the_password_hint_says_the_contracts_minimum() {
        let hint = SIGN_UP.fields[2].hint.unwrap_or_default();
        assert!(hint.starts_with(&format!("At least {MIN_PASSWORD_LEN} characters")));
    }

    #[test]
    fn each_mode_links_to_the_other_with_the_same_next() {
        assert_eq!(
            Mode::SignIn.other_href(Some("/checkout")),
            "/account/sign-up?next=/checkout"
        );
        assert_eq!(Mode::SignUp.other_href(None), "/account/sign-in");
    }

    #[test]
    fn each_form_is_checked_by_its_own_rules() {
        let mut form = Form::new(&[("name", ""), ("email", ""), ("password", "")]);
        form.set("email", " ada@example.com ".into());
        form.set("password", "short".into());
        let (sent, problems) = credentials(Mode::SignIn, &form);
        assert!(problems.is_empty());
        assert!(
            matches!(sent, Credentials::SignIn(SignInForm { email, .. }) if email == "ada@example.com")
        );
        let (_, problems) = credentials(Mode::SignUp, &form);
        let named: Vec<_> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(named, ["name", "password"]);
    }
}
