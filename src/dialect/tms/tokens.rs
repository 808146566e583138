//! `/user/generate_access_token/v2` and `/user/refresh_access_token/v2`.

use super::answer::Answer;
use super::call::{body, sign_in_failure};
use crate::context;
use crate::domain::validation::FieldErrors;
use crate::http::client_address::ClientAddress;
use crate::service::tms_tokens;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GenerateDto {
    pub user_name: Option<String>,
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshDto {
    pub user_name: Option<String>,
    pub refresh_token: Option<String>,
}

fn required(e: &mut FieldErrors, at: &str, v: Option<String>) -> Option<String> {
    e.required(at, v.filter(|s| !s.is_empty()), Ok::<String, String>)
}

/// 获取登陆凭证: the account's token pair, valid a year. Asking again returns the same pair
/// and does not extend it.
#[utoipa::path(post, path = "/user/generate_access_token/v2", tag = "tms",
    request_body = GenerateDto,
    responses((status = 200, description = "{code: 200, data: {accessToken, refreshToken}}"),
              (status = 400, description = "{status: 500, message: \"账号或密码不正确\"}")))]
pub async fn generate(
    State(app): State<AppState>,
    ClientAddress(source): ClientAddress,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    let dto: GenerateDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let user = required(&mut e, "userName", dto.user_name);
    let password = required(&mut e, "password", dto.password);
    let (Some(user), Some(password)) = (user, password) else {
        return super::answer::invalid(&e);
    };
    context::set_business_key(user.clone());
    let limits = app.settings.auth.sign_in_limits();
    let attempt = tms_tokens::Attempt {
        hasher: &app.passwords,
        limits: &limits,
        source: &source,
    };
    let now = app.clock.now();
    match tms_tokens::generate(&app.db, &app.key, &attempt, &user, &password, now).await {
        Ok((pair, _)) => {
            Answer::Ok(json!({"accessToken": pair.access, "refreshToken": pair.refresh}))
        }
        Err(e @ tms_tokens::SignInError::TooMany { .. }) => {
            // Decided at once; answered after the tarpit delay (config: why).
            let delay = app.settings.auth.sign_in_refusal_delay_ms;
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            sign_in_failure(e)
        }
        Err(e) => sign_in_failure(e),
    }
}

/// 更新登陆凭证: a new pair; the old access token stops working at once.
#[utoipa::path(post, path = "/user/refresh_access_token/v2", tag = "tms",
    request_body = RefreshDto,
    responses((status = 200, description = "{code: 200, data: {accessToken, refreshToken}}"),
              (status = 400, description = "{status: 500, message: \"账号或刷新凭证不正确\"}")))]
pub async fn refresh(State(app): State<AppState>, b: Result<Bytes, BytesRejection>) -> Answer {
    let dto: RefreshDto = match body(b) {
        Ok(d) => d,
        Err(a) => return a,
    };
    let mut e = FieldErrors::default();
    let user = required(&mut e, "userName", dto.user_name);
    let token = required(&mut e, "refreshToken", dto.refresh_token);
    let (Some(user), Some(token)) = (user, token) else {
        return super::answer::invalid(&e);
    };
    context::set_business_key(user.clone());
    match tms_tokens::refresh(
        &app.db,
        &app.identities,
        &app.key,
        &user,
        &token,
        app.clock.now(),
    )
    .await
    {
        Ok((pair, _)) => {
            Answer::Ok(json!({"accessToken": pair.access, "refreshToken": pair.refresh}))
        }
        Err(e) => sign_in_failure(e),
    }
}
