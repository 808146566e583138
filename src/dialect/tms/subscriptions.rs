//! Subscriptions (`/order/subscribe/v2`, `/order/orderPack/subscribe`,
//! `/customer_order/subscribe` and their `unsubscribe`): which states go to which callback
//! URL. Subscribing again replaces the scope's subscription.

use super::answer::{invalid, Answer};
use super::call::{body, service_failure, Account};
use super::states::{ORDER_STATES, PACK_STATES, SLIP_STATES};
use crate::domain::validation::FieldErrors;
use crate::service::subscriptions;
use crate::service::waybill_events::{ORDER_SCOPE, PACK_SCOPE};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

const SLIP_SCOPE: &str = "customer_order";

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeDto {
    /// States, comma-separated.
    pub states: Option<String>,
    pub callback_url: Option<String>,
    /// Orders: `v1`.
    pub version: Option<String>,
    /// Acceptance slips, state 602 only: the 小黑卡 company id.
    #[serde(rename = "xhkID")]
    pub xhk_id: Option<String>,
}

/// The states as the core's change names, each checked against the scope's list.
fn changes(e: &mut FieldErrors, states: Option<String>, known: &[(i64, &str)]) -> Vec<String> {
    let Some(s) = states.filter(|s| !s.trim().is_empty()) else {
        e.missing("states");
        return Vec::new();
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        let found = part
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|n| known.iter().find(|(k, _)| *k == n));
        match found {
            Some((_, c)) => {
                if !out.iter().any(|x: &String| x == c) {
                    out.push(c.to_string());
                }
            }
            None => {
                let all: Vec<String> = known.iter().map(|(n, _)| n.to_string()).collect();
                e.invalid(
                    "states",
                    format!("{part:?} is not one of {}", all.join(", ")),
                );
            }
        }
    }
    out
}

async fn subscribe(
    app: &AppState,
    client_id: i64,
    scope: &str,
    dto: SubscribeDto,
    known: &[(i64, &str)],
) -> Answer {
    let mut e = FieldErrors::default();
    let changes = changes(&mut e, dto.states, known);
    let url = dto.callback_url.filter(|s| !s.is_empty());
    if url.is_none() {
        e.missing("callbackUrl");
    }
    if let Some(v) = dto
        .version
        .as_deref()
        .filter(|v| !v.is_empty() && *v != "v1")
    {
        e.invalid("version", format!("must be v1 (got {v:?})"));
    }
    let mut params = json!({});
    if scope == SLIP_SCOPE && changes.iter().any(|c| c == "GPS") {
        match dto.xhk_id.filter(|s| !s.is_empty()) {
            None => e.missing_because("xhkID", "is required to subscribe to 602"),
            Some(x) => params = json!({ "xhkID": x }),
        }
    }
    let Some(url) = url.filter(|_| e.is_empty()) else {
        return invalid(&e);
    };
    match subscriptions::subscribe(&app.db, client_id, scope, &changes, &url, &params).await {
        Ok(()) => Answer::Done(None),
        Err(e) => service_failure(e),
    }
}

fn read(b: Result<Bytes, BytesRejection>) -> Result<SubscribeDto, Answer> {
    body(b)
}

fn names<T: Copy>(list: &[(i64, T)], name: fn(T) -> &'static str) -> Vec<(i64, &'static str)> {
    list.iter().map(|(n, c)| (*n, name(*c))).collect()
}

/// 订单订阅: states 0, 1, 2, 3, 4, 210, 8000, 8001, 8002.
#[utoipa::path(post, path = "/order/subscribe/v2", tag = "tms", security(("tms_token" = [])),
    request_body = SubscribeDto,
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 400, description = "{status: 500, message}: unknown state, callbackUrl not http(s)"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn order(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    match read(b) {
        Ok(d) => {
            subscribe(
                &app,
                who.id,
                ORDER_SCOPE,
                d,
                &names(&ORDER_STATES, |c| c.as_str()),
            )
            .await
        }
        Err(a) => a,
    }
}

/// 车次订阅: states 19000, 40000, 40001.
#[utoipa::path(post, path = "/order/orderPack/subscribe", tag = "tms", security(("tms_token" = [])),
    request_body = SubscribeDto,
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn pack(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    match read(b) {
        Ok(d) => {
            subscribe(
                &app,
                who.id,
                PACK_SCOPE,
                d,
                &names(&PACK_STATES, |c| c.as_str()),
            )
            .await
        }
        Err(a) => a,
    }
}

/// 受理单订阅: states 600, 601, 602 (with xhkID).
#[utoipa::path(post, path = "/customer_order/subscribe", tag = "tms", security(("tms_token" = [])),
    request_body = SubscribeDto,
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 400, description = "{status: 500, message}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn slip(
    Account(who): Account,
    State(app): State<AppState>,
    b: Result<Bytes, BytesRejection>,
) -> Answer {
    match read(b) {
        Ok(d) => subscribe(&app, who.id, SLIP_SCOPE, d, &SLIP_STATES).await,
        Err(a) => a,
    }
}

async fn unsubscribe(app: &AppState, client_id: i64, scope: &str) -> Answer {
    match subscriptions::unsubscribe(&app.db, client_id, scope).await {
        Ok(_) => Answer::Done(None),
        Err(e) => service_failure(e),
    }
}

/// 取消订单订阅.
#[utoipa::path(post, path = "/order/unsubscribe", tag = "tms", security(("tms_token" = [])),
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn order_off(Account(who): Account, State(app): State<AppState>) -> Answer {
    unsubscribe(&app, who.id, ORDER_SCOPE).await
}

/// 取消车次订阅.
#[utoipa::path(post, path = "/order/orderPack/unsubscribe", tag = "tms", security(("tms_token" = [])),
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn pack_off(Account(who): Account, State(app): State<AppState>) -> Answer {
    unsubscribe(&app, who.id, PACK_SCOPE).await
}

/// 取消受理单订阅.
#[utoipa::path(post, path = "/customer_order/unsubscribe", tag = "tms", security(("tms_token" = [])),
    responses((status = 200, description = "{code: 200, message: null}"),
              (status = 401, description = "missing, wrong or expired access_token")))]
pub async fn slip_off(Account(who): Account, State(app): State<AppState>) -> Answer {
    unsubscribe(&app, who.id, SLIP_SCOPE).await
}
