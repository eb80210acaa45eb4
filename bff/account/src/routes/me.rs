use super::live_session;
use crate::{cookies, presenter, startup::State};
use account_api::Me;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::Result;

/// `GET /api/account/me` — who is signed in, always a 200 [`Me`] (a guest when there is no
/// live session) unless account-service cannot say (503). The header's account menu asks
/// on every page, so this is also where the identity cookie is renewed (`renewed`).
pub async fn me(request: HttpRequest, state: web::Data<State>) -> Result<HttpResponse> {
    let Some(session) = live_session(&request, &state).await? else {
        let mut response = HttpResponse::Ok().json(Me::default());
        if cookies::has_any(&request) {
            cookies::forget(&mut response, &request);
        }
        return Ok(response);
    };
    let now = identity::now();
    let renewed = cookies::identity_needs_renewal(&state.verifier, &request, &session.state, now);
    let me = Me {
        user: Some(presenter::profile(session.state.user)),
        renewed,
    };
    let mut response = HttpResponse::Ok().json(me);
    if renewed {
        cookies::keep_identity(&mut response, &request, &session.state.identity, now);
    }
    Ok(response)
}
