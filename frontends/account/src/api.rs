//! The account BFF, as typed calls. Components never build URLs: `account_api` spells them,
//! and `mfe_kit::http` picks up a request the shell may already have started.

use account_api::{
    AddressForm, Addresses, Me, Profile, ProfileForm, SavedAddress, SignInForm, SignUpForm,
    ADDRESSES_PATH, ME_PATH, PROFILE_PATH, SIGN_IN_PATH, SIGN_OUT_EVERYWHERE_PATH, SIGN_OUT_PATH,
    SIGN_UP_PATH,
};
use mfe_kit::http::{delete, get_json, patch_json, post_json, put_json, take_ready, ApiError};
use serde::de::IgnoredAny;
use serde::Serialize;

/// The body of a POST that carries none: `{}` (the kit's client always sends one).
#[derive(Serialize)]
struct Nothing {}

/// Who is signed in.
pub async fn me() -> Result<Me, ApiError> {
    get_json(ME_PATH).await
}

/// [`me`] if it is already here (the shell asked for it while the page loaded).
pub fn ready_me() -> Option<Result<Me, ApiError>> {
    take_ready(ME_PATH)
}

/// A sign-in or a sign-up, sent as the form it holds.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Credentials {
    SignIn(SignInForm),
    SignUp(SignUpForm),
}

/// Signs in or up; either way the answer says who is signed in now. (One call for both:
/// each typed call costs the bundle its own copy of the client.)
pub async fn authenticate(credentials: &Credentials) -> Result<Me, ApiError> {
    let path = match credentials {
        Credentials::SignIn(_) => SIGN_IN_PATH,
        Credentials::SignUp(_) => SIGN_UP_PATH,
    };
    post_json(path, credentials).await
}

/// Ends this session. Whatever the answer holds, the shopper is a guest after it.
pub async fn sign_out() -> Result<(), ApiError> {
    post_json::<_, IgnoredAny>(SIGN_OUT_PATH, &Nothing {})
        .await
        .map(drop)
}

/// Ends every session of the shopper, this one too.
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    post_json::<_, IgnoredAny>(SIGN_OUT_EVERYWHERE_PATH, &Nothing {})
        .await
        .map(drop)
}

/// Renames the shopper.
pub async fn update_profile(form: &ProfileForm) -> Result<Profile, ApiError> {
    patch_json(PROFILE_PATH, form).await
}

/// The saved addresses, the default first.
pub async fn addresses() -> Result<Addresses, ApiError> {
    get_json(ADDRESSES_PATH).await
}

/// [`addresses`] if it is already here.
pub fn ready_addresses() -> Option<Result<Addresses, ApiError>> {
    take_ready(ADDRESSES_PATH)
}

/// Saves a new address (`id: None`) or changes one.
pub async fn save_address(id: Option<&str>, form: &AddressForm) -> Result<SavedAddress, ApiError> {
    match id {
        None => post_json(ADDRESSES_PATH, form).await,
        Some(id) => put_json(&account_api::address_url(id), form).await,
    }
}

/// Deletes an address; answers the ones left.
pub async fn delete_address(id: &str) -> Result<Addresses, ApiError> {
    delete(&account_api::address_url(id)).await
}

/// Makes an address the default; answers them all.
pub async fn make_default(id: &str) -> Result<Addresses, ApiError> {
    post_json(&account_api::default_address_url(id), &Nothing {}).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_sent_as_the_contracts_forms() {
        let sign_in = SignInForm {
            email: "ada@example.com".into(),
            password: "correct horse".into(),
        };
        let sign_up = SignUpForm {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: "correct horse".into(),
        };
        assert_eq!(
            serde_json::to_value(Credentials::SignIn(sign_in.clone())).unwrap(),
            serde_json::to_value(sign_in).unwrap()
        );
        assert_eq!(
            serde_json::to_value(Credentials::SignUp(sign_up.clone())).unwrap(),
            serde_json::to_value(sign_up).unwrap()
        );
    }

    #[test]
    fn a_bodiless_post_sends_an_empty_object() {
        assert_eq!(serde_json::to_string(&Nothing {}).unwrap(), "{}");
    }
}
