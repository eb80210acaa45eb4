use super::{for_shopper, live_session, refuse, signed_out};
use crate::{cookies, presenter, startup::State};
use account_api::ProfileForm;
use account_service_api::{paths, SessionState, User, UserUpdate, SESSION_HEADER};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use platform::upstream::HttpMethod;
use platform::Result;

/// `GET /api/account/profile` — the signed-in shopper's [`account_api::Profile`]; 401
/// `signed_out` for a guest.
pub async fn view(request: HttpRequest, state: web::Data<State>) -> Result<HttpResponse> {
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let profile = presenter::profile(session.state.user.clone());
    Ok(for_shopper(
        &request,
        &state,
        &session.state,
        StatusCode::OK,
        &profile,
    ))
}

/// `PATCH /api/account/profile` — renames the shopper: the new
/// [`account_api::Profile`]. The identity cookie greets by the old name until renewed, so
/// it is renewed at once (from the session as it is now).
pub async fn update(
    request: HttpRequest,
    form: web::Json<ProfileForm>,
    state: web::Data<State>,
) -> Result<HttpResponse> {
    let form = form.into_inner();
    refuse(form.problems())?;
    let Some(session) = live_session(&request, &state).await? else {
        return Ok(signed_out(&request));
    };
    let update = UserUpdate {
        name: form.name.trim().to_owned(),
    };
    let user = state
        .account
        .call(HttpMethod::PATCH, &paths::user(&session.state.user.id))
        .json(&update)?
        .send::<User>()
        .await?;
    let profile = presenter::profile(user);
    let renamed = state
        .account
        .call(HttpMethod::GET, paths::SESSION)
        .header(SESSION_HEADER, &session.secret)
        .send::<SessionState>()
        .await;
    match renamed {
        Ok(now_state) => {
            let mut response = HttpResponse::Ok().json(profile);
            cookies::keep_identity(
                &mut response,
                &request,
                &now_state.identity,
                identity::now(),
            );
            Ok(response)
        }
        // Renamed all the same; the old greeting lasts until the next renewal.
        Err(error) => {
            tracing::info!(%error, "the identity cookie was not renewed after a rename");
            Ok(for_shopper(
                &request,
                &state,
                &session.state,
                StatusCode::OK,
                &profile,
            ))
        }
    }
}
