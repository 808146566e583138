//! Acceptance slips and their segments.

use super::PgConnection;
use crate::domain::client::Tenant;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct SlipRow {
    pub id: i64,
    pub tenant: String,
    pub number: String,
    pub original_order_no: Option<String>,
    pub state: String,
    pub content: serde_json::Value,
    pub fingerprint: String,
    pub device_number: Option<String>,
    pub bound_devices: Vec<String>,
    pub client_id: Option<i64>,
    pub first_sign_time: Option<DateTime<Utc>>,
    pub last_sign_time: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new slip numbered `S` + yyMMdd (UTC+08:00) + a 10-digit sequence; `None` when the
/// tenant has a slip with this original order number already.
pub async fn insert(
    conn: &mut PgConnection,
    tenant: &Tenant,
    original_order_no: Option<&str>,
    content: &serde_json::Value,
    fingerprint: &str,
    device: Option<&str>,
    client_id: i64,
) -> sqlx::Result<Option<SlipRow>> {
    sqlx::query_as!(
        SlipRow,
        r#"INSERT INTO slips (tenant, number, original_order_no, state, content, fingerprint, device_number,
                              bound_devices, client_id)
           VALUES ($1, 'S' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYMMDD')
                          || lpad(nextval('slip_number_seq')::text, 10, '0'),
                   $2, 'PENDING', $3, $4, $5,
                   CASE WHEN $5::text IS NULL THEN '{}'::text[] ELSE ARRAY[$5::text] END, $6)
           ON CONFLICT (tenant, original_order_no) WHERE original_order_no IS NOT NULL DO NOTHING
           RETURNING id, tenant, number, original_order_no, state, content, fingerprint, device_number,
                     bound_devices, client_id, first_sign_time, last_sign_time, created_at, updated_at"#,
        tenant.as_str(),
        original_order_no,
        content,
        fingerprint,
        device,
        client_id
    )
    .fetch_optional(conn)
    .await
}

pub async fn lock_by_original(
    conn: &mut PgConnection,
    tenant: &Tenant,
    original_order_no: &str,
) -> sqlx::Result<Option<SlipRow>> {
    sqlx::query_as!(
        SlipRow,
        r#"SELECT id, tenant, number, original_order_no, state, content, fingerprint, device_number,
                  bound_devices, client_id, first_sign_time, last_sign_time, created_at, updated_at
             FROM slips WHERE tenant = $1 AND original_order_no = $2 FOR UPDATE"#,
        tenant.as_str(),
        original_order_no
    )
    .fetch_optional(conn)
    .await
}

pub async fn lock(
    conn: &mut PgConnection,
    tenant: &Tenant,
    number: &str,
) -> sqlx::Result<Option<SlipRow>> {
    sqlx::query_as!(
        SlipRow,
        r#"SELECT id, tenant, number, original_order_no, state, content, fingerprint, device_number,
                  bound_devices, client_id, first_sign_time, last_sign_time, created_at, updated_at
             FROM slips WHERE tenant = $1 AND number = $2 FOR UPDATE"#,
        tenant.as_str(),
        number
    )
    .fetch_optional(conn)
    .await
}

pub async fn lock_by_id(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<SlipRow>> {
    sqlx::query_as!(
        SlipRow,
        r#"SELECT id, tenant, number, original_order_no, state, content, fingerprint, device_number,
                  bound_devices, client_id, first_sign_time, last_sign_time, created_at, updated_at
             FROM slips WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await
}

/// Replaces a slip's content and bound device (a new device joins the history).
pub async fn set_content(
    conn: &mut PgConnection,
    id: i64,
    original_order_no: Option<&str>,
    content: &serde_json::Value,
    device: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE slips SET content = $2, original_order_no = $3, device_number = $4,
                  bound_devices = CASE WHEN $4::text IS NULL OR $4 = ANY(bound_devices) THEN bound_devices
                                       ELSE array_append(bound_devices, $4) END
            WHERE id = $1"#,
        id,
        content,
        original_order_no,
        device
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_state(
    conn: &mut PgConnection,
    id: i64,
    state: &str,
    signed_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE slips SET state = $2,
                  first_sign_time = COALESCE(first_sign_time, $3),
                  last_sign_time = COALESCE($3, last_sign_time)
            WHERE id = $1"#,
        id,
        state,
        signed_at
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn unbind(conn: &mut PgConnection, id: i64) -> sqlx::Result<()> {
    sqlx::query!("UPDATE slips SET device_number = NULL WHERE id = $1", id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The slip a transport order is a segment of.
pub async fn of_order(conn: &mut PgConnection, order_id: i64) -> sqlx::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar!("SELECT slip_id FROM orders WHERE id = $1", order_id)
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

/// A slip's segments: (order id, transport number, status, content), in order.
pub async fn segments(
    conn: &mut PgConnection,
    slip_id: i64,
) -> sqlx::Result<Vec<(i64, String, String, serde_json::Value)>> {
    let rows = sqlx::query!(
        r#"SELECT id, transport_no AS "transport_no!", status, request FROM orders
            WHERE slip_id = $1 AND transport_no IS NOT NULL ORDER BY id FOR UPDATE"#,
        slip_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.transport_no, r.status, r.request))
        .collect())
}

pub async fn link_segment(
    conn: &mut PgConnection,
    order_id: i64,
    slip_id: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE orders SET slip_id = $2 WHERE id = $1",
        order_id,
        slip_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether a tracker is bound to a live slip of a tenant other than `tenant`. Taken under a
/// transaction-scoped lock on the device, so two tenants binding it at once are serialised.
pub async fn held_by_other(
    conn: &mut PgConnection,
    tenant: &str,
    device: &str,
) -> sqlx::Result<bool> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('hxgw:tracker:' || $1, 0)) AS locked",
        device
    )
    .fetch_one(&mut *conn)
    .await?;
    let other = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM slips
            WHERE device_number = $1 AND state IN ('PENDING', 'IN_PROGRESS') AND tenant <> $2
              AND hxgw_is_sandbox(tenant) = hxgw_is_sandbox($2)) AS "other!""#,
        device,
        tenant
    )
    .fetch_one(conn)
    .await?;
    Ok(other)
}

/// The live slips a tracker is bound to: (tenant, number). A device is held by one tenant at a
/// time (`held_by_other`); should rows of an older binding remain, only the tenant that bound
/// it first among live slips receives its points.
///
/// Sandbox slips' tracker numbers are a namespace of their own (#22): a real tracker's
/// positions reach only real slips, the simulated tracker's only sandbox ones.
pub async fn bound_to(
    conn: &mut PgConnection,
    device: &str,
    sandbox: bool,
) -> sqlx::Result<Vec<(String, String)>> {
    let rows = sqlx::query!(
        r#"SELECT tenant, number FROM slips
            WHERE device_number = $1 AND state IN ('PENDING', 'IN_PROGRESS')
              AND tenant = (SELECT tenant FROM slips WHERE device_number = $1
                               AND state IN ('PENDING', 'IN_PROGRESS') AND hxgw_is_sandbox(tenant) = $2
                             ORDER BY id LIMIT 1)
            ORDER BY id"#,
        device,
        sandbox
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.tenant, r.number)).collect())
}

/// The filters of `query_customer_orders`.
#[derive(Debug, Clone, Default)]
pub struct SlipFilter {
    pub state: Option<String>,
    pub number: Option<String>,
    pub original_order_no: Option<String>,
    /// created, pickup (contract text), appointed arrival (contract text), signed (last).
    pub time: Option<(super::waybills::TimeField, DateTime<Utc>, DateTime<Utc>)>,
    pub device_number: Option<String>,
    pub consigner_name: Option<String>,
    pub consigner_phone: Option<String>,
    pub consigner_address: Option<String>,
    pub consignee_name: Option<String>,
    pub consignee_phone: Option<String>,
    pub consignee_address: Option<String>,
    pub organization_paths: Vec<String>,
}

fn push_filter(q: &mut QueryBuilder<'_, Postgres>, f: &SlipFilter) {
    use super::waybills::TimeField;
    let mut eq = |expr: &str, v: &Option<String>| {
        if let Some(v) = v {
            q.push(format!(" AND {expr} = ")).push_bind(v.clone());
        }
    };
    eq("s.state", &f.state);
    eq("s.number", &f.number);
    eq("s.original_order_no", &f.original_order_no);
    eq("s.device_number", &f.device_number);
    eq("s.content -> 'consigner' ->> 'name'", &f.consigner_name);
    eq("s.content -> 'consigner' ->> 'phone'", &f.consigner_phone);
    eq(
        "s.content -> 'consigner' ->> 'address'",
        &f.consigner_address,
    );
    eq("s.content -> 'consignee' ->> 'name'", &f.consignee_name);
    eq("s.content -> 'consignee' ->> 'phone'", &f.consignee_phone);
    eq(
        "s.content -> 'consignee' ->> 'address'",
        &f.consignee_address,
    );
    if !f.organization_paths.is_empty() {
        q.push(" AND COALESCE(s.content ->> 'organizationPath', '0') = ANY(")
            .push_bind(f.organization_paths.clone())
            .push(")");
    }
    if let Some((field, from, to)) = f.time {
        let text = |t: DateTime<Utc>| crate::domain::time::format(t);
        match field {
            TimeField::Created => {
                q.push(" AND s.created_at BETWEEN ")
                    .push_bind(from)
                    .push(" AND ")
                    .push_bind(to);
            }
            TimeField::Signed => {
                q.push(" AND s.last_sign_time BETWEEN ")
                    .push_bind(from)
                    .push(" AND ")
                    .push_bind(to);
            }
            TimeField::Pickup | TimeField::AppointArrive => {
                let key = if field == TimeField::Pickup {
                    "pickupTime"
                } else {
                    "expectedArriveTime"
                };
                q.push(format!(" AND s.content ->> '{key}' BETWEEN "))
                    .push_bind(text(from))
                    .push(" AND ")
                    .push_bind(text(to));
            }
        }
    }
}

/// One page of the tenant's slips (newest first) and how many match in all.
pub async fn list(
    conn: &mut PgConnection,
    tenant: &Tenant,
    f: &SlipFilter,
    page: i64,
    size: i64,
) -> sqlx::Result<(Vec<SlipRow>, i64)> {
    let mut count = QueryBuilder::<Postgres>::new("SELECT count(*) FROM slips s WHERE s.tenant = ");
    count.push_bind(tenant.as_str());
    push_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut q = QueryBuilder::<Postgres>::new(
        "SELECT s.id, s.tenant, s.number, s.original_order_no, s.state, s.content, s.fingerprint, \
         s.device_number, s.bound_devices, s.client_id, s.first_sign_time, s.last_sign_time, \
         s.created_at, s.updated_at FROM slips s WHERE s.tenant = ",
    );
    q.push_bind(tenant.as_str());
    push_filter(&mut q, f);
    q.push(" ORDER BY s.created_at DESC, s.id DESC LIMIT ")
        .push_bind(size)
        .push(" OFFSET ")
        .push_bind((page - 1) * size);
    let rows = q.build_query_as().fetch_all(conn).await?;
    Ok((rows, total))
}
