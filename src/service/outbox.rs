//! Writing domain events to the outbox in the caller's transaction. Who receives an event is
//! decided here: an event about an order goes to the identity that created the order (or, if
//! that identity is gone, to the tenant's identities), ordered with the order's other events;
//! an event about no order goes to every active customer identity of the tenant that has a
//! callback URL. Each receiver's dialect renders the event when it is delivered.

use super::ServiceError;
use crate::domain::client::{Dialect, Tenant};
use crate::domain::event::DomainEvent;
use crate::store::{self, PgConnection};

/// The outbox's ordering key of an order: its events are delivered in the order they happened.
pub fn order_key(order_id: i64) -> String {
    format!("{ORDER_KEY_PREFIX}{order_id}")
}

/// What [`order_key`] puts before the id (a one-statement write appends the id in SQL).
pub const ORDER_KEY_PREFIX: &str = "order:";

/// One push of `event` per recipient, in the caller's transaction.
async fn enqueue(
    tx: &mut PgConnection,
    recipients: &[i64],
    tenant: &Tenant,
    order_key: Option<&str>,
    event: &DomainEvent,
) -> Result<(), ServiceError> {
    let payload =
        serde_json::to_value(event).map_err(|e| ServiceError::Internal(format!("event: {e}")))?;
    store::pushes::enqueue(
        tx,
        recipients,
        tenant,
        event.name(),
        order_key,
        uuid::Uuid::now_v7(),
        &payload,
    )
    .await?;
    Ok(())
}

/// An event about an order.
pub async fn about_order(
    tx: &mut PgConnection,
    order_id: i64,
    tenant: &Tenant,
    event: &DomainEvent,
) -> Result<(), ServiceError> {
    let recipients = match store::pushes::order_recipient(tx, order_id).await? {
        Some((c, dialect)) => {
            if Dialect::parse(&dialect).is_some_and(Dialect::receives_order_events) {
                vec![c]
            } else {
                Vec::new()
            }
        }
        None => store::pushes::tenant_recipients(tx, tenant).await?,
    };
    enqueue(tx, &recipients, tenant, Some(&order_key(order_id)), event).await?;
    Ok(())
}

/// An event about no order (a stock adjustment, a yard vehicle): to every identity of the
/// tenant with a callback URL. `order_key` keeps related events in order (a vehicle's).
/// Returns how many identities will receive it.
pub async fn about_tenant(
    tx: &mut PgConnection,
    tenant: &Tenant,
    order_key: Option<&str>,
    event: &DomainEvent,
) -> Result<usize, ServiceError> {
    let recipients = store::pushes::tenant_recipients(tx, tenant).await?;
    enqueue(tx, &recipients, tenant, order_key, event).await?;
    Ok(recipients.len())
}

/// An event for one identity (the one that asked for what it answers); when that identity is
/// gone, for the tenant's identities.
pub async fn to_client(
    tx: &mut PgConnection,
    client_id: Option<i64>,
    tenant: &Tenant,
    order_key: Option<&str>,
    event: &DomainEvent,
) -> Result<(), ServiceError> {
    let recipients = match client_id {
        Some(c) => vec![c],
        None => store::pushes::tenant_recipients(tx, tenant).await?,
    };
    enqueue(tx, &recipients, tenant, order_key, event).await?;
    Ok(())
}

/// An event for the identities that subscribed to it (found by the caller in the same
/// transaction), ordered with the order's other events when it is about one.
pub async fn to_subscribers(
    tx: &mut PgConnection,
    recipients: &[i64],
    tenant: &Tenant,
    order_key: Option<&str>,
    event: &DomainEvent,
) -> Result<(), ServiceError> {
    if recipients.is_empty() {
        return Ok(());
    }
    enqueue(tx, recipients, tenant, order_key, event).await?;
    Ok(())
}
