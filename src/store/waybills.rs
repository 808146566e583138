//! Transport orders read and changed as waybills: by transport number, consigner phone,
//! customer number or cargo number; the paged list of `query_orders`; the snapshot a
//! subscription message carries.

use super::PgConnection;
use crate::domain::client::Tenant;
use crate::domain::waybill::{TripRef, WaybillRef};
use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder};

/// A waybill with its trip and the times its statuses were first reached.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WaybillRow {
    pub id: i64,
    pub hx_order_no: String,
    pub transport_no: String,
    pub order_code: String,
    pub status: String,
    pub pre_cancel_status: Option<String>,
    pub request: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub pack_number: Option<String>,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub plate_no: Option<String>,
    pub fleet: Option<String>,
    pub receive_time: Option<DateTime<Utc>>,
    pub shipment_time: Option<DateTime<Utc>>,
    pub signed_time: Option<DateTime<Utc>>,
    pub signer: Option<String>,
    pub printed_at: Option<DateTime<Utc>>,
    pub labels_printed_at: Option<DateTime<Utc>>,
    /// Whether an exception was reported.
    pub abnormal: Option<bool>,
    /// Whether sign-off images or receipt photos are stored.
    pub has_images: Option<bool>,
}

const SELECT: &str = r#"SELECT o.id, o.hx_order_no, o.transport_no, o.order_code, o.status,
       o.pre_cancel_status, o.request, o.created_at, o.updated_at,
       t.pack_number, t.driver_name, t.driver_phone, t.plate_no, t.fleet,
       (SELECT min(COALESCE(e.occurred_at, e.created_at)) FROM order_events e WHERE e.order_id = o.id AND e.status = 'CONFIRMED') AS receive_time,
       (SELECT min(COALESCE(e.occurred_at, e.created_at)) FROM order_events e WHERE e.order_id = o.id AND e.status = 'IN_TRANSIT') AS shipment_time,
       (SELECT min(COALESCE(e.occurred_at, e.created_at)) FROM order_events e WHERE e.order_id = o.id AND e.status = 'SIGNED') AS signed_time,
       (SELECT s.signer FROM sign_offs s WHERE s.order_id = o.id AND s.sign_status = 'SIGNED'
         ORDER BY s.sign_time DESC LIMIT 1) AS signer,
       o.printed_at, o.labels_printed_at,
       EXISTS (SELECT 1 FROM waybill_exceptions x WHERE x.order_id = o.id) AS abnormal,
       EXISTS (SELECT 1 FROM sign_images i WHERE i.order_id = o.id) AS has_images
  FROM orders o LEFT JOIN trips t ON t.id = o.trip_id AND t.deleted_at IS NULL
 WHERE o.kind = 'TRANSPORT' AND o.transport_no IS NOT NULL AND o.tenant = "#;

fn note_rows(rows: &[WaybillRow]) {
    for r in rows {
        crate::context::add_order(r.id);
    }
}

/// What `find_order/v2` looks for; every given part must match.
#[derive(Debug, Clone, Default)]
pub struct FindBy {
    pub numbers: Vec<String>,
    pub consigner_phone: Option<String>,
    pub customer_order_no: Option<String>,
}

pub async fn find(
    conn: &mut PgConnection,
    tenant: &Tenant,
    by: &FindBy,
    limit: i64,
) -> sqlx::Result<Vec<WaybillRow>> {
    let mut q = QueryBuilder::<Postgres>::new(SELECT);
    q.push_bind(tenant.as_str());
    if !by.numbers.is_empty() {
        q.push(" AND o.transport_no = ANY(")
            .push_bind(by.numbers.clone())
            .push(")");
    }
    if let Some(p) = &by.consigner_phone {
        q.push(" AND o.request -> 'consigner' ->> 'phone' = ")
            .push_bind(p.clone());
    }
    if let Some(c) = &by.customer_order_no {
        q.push(" AND o.request ->> 'customerOrderNo' = ")
            .push_bind(c.clone());
    }
    q.push(" ORDER BY o.created_at DESC, o.id DESC LIMIT ")
        .push_bind(limit);
    let rows: Vec<WaybillRow> = q.build_query_as().fetch_all(conn).await?;
    note_rows(&rows);
    Ok(rows)
}

/// Which time `query_orders` filters on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    Created,
    /// The planned pickup time (`yyyy-MM-dd HH:mm:ss` in UTC+08:00, compared as text).
    Pickup,
    /// The appointed arrival time (same form).
    AppointArrive,
    Signed,
}

/// The filters of `query_orders`.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub statuses: Vec<String>,
    pub time: Option<(TimeField, DateTime<Utc>, DateTime<Utc>)>,
    pub transport_no: Option<String>,
    pub customer_order_no: Option<String>,
    pub pack_number: Option<String>,
    pub consigner_name: Option<String>,
    pub consigner_phone: Option<String>,
    pub consignee_name: Option<String>,
    pub consignee_phone: Option<String>,
    pub driver_name: Option<String>,
    pub driver_phone: Option<String>,
    pub plate_no: Option<String>,
}

fn contract_text(t: DateTime<Utc>) -> String {
    crate::domain::time::format(t)
}

fn push_filter(q: &mut QueryBuilder<'_, Postgres>, f: &ListFilter) {
    q.push(" AND o.status = ANY(")
        .push_bind(f.statuses.clone())
        .push(")");
    if let Some((field, from, to)) = f.time {
        match field {
            TimeField::Created => {
                q.push(" AND o.created_at BETWEEN ")
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
                q.push(format!(" AND o.request ->> '{key}' BETWEEN "))
                    .push_bind(contract_text(from))
                    .push(" AND ")
                    .push_bind(contract_text(to));
            }
            TimeField::Signed => {
                q.push(
                    " AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id \
                     AND e.status = 'SIGNED' AND e.created_at BETWEEN ",
                )
                .push_bind(from)
                .push(" AND ")
                .push_bind(to)
                .push(")");
            }
        }
    }
    let eq = |q: &mut QueryBuilder<'_, Postgres>, expr: &str, v: &Option<String>| {
        if let Some(v) = v {
            q.push(format!(" AND {expr} = ")).push_bind(v.clone());
        }
    };
    eq(q, "o.transport_no", &f.transport_no);
    eq(q, "o.request ->> 'customerOrderNo'", &f.customer_order_no);
    eq(q, "t.pack_number", &f.pack_number);
    eq(q, "o.request -> 'consigner' ->> 'name'", &f.consigner_name);
    eq(
        q,
        "o.request -> 'consigner' ->> 'phone'",
        &f.consigner_phone,
    );
    eq(q, "t.driver_name", &f.driver_name);
    eq(q, "t.driver_phone", &f.driver_phone);
    eq(q, "t.plate_no", &f.plate_no);
    // Any consignee of the list counts.
    for (key, v) in [("name", &f.consignee_name), ("phone", &f.consignee_phone)] {
        if let Some(v) = v {
            q.push(format!(
                " AND (o.request -> 'consignee' ->> '{key}' = "
            ))
            .push_bind(v.clone())
            .push(format!(
                " OR EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(o.request -> 'moreConsignees', '[]')) c \
                  WHERE c ->> '{key}' = "
            ))
            .push_bind(v.clone())
            .push("))");
        }
    }
}

/// One page of the tenant's waybills (newest first) and how many match in all.
pub async fn list(
    conn: &mut PgConnection,
    tenant: &Tenant,
    f: &ListFilter,
    page: i64,
    size: i64,
) -> sqlx::Result<(Vec<WaybillRow>, i64)> {
    let mut count = QueryBuilder::<Postgres>::new(
        "SELECT count(*) FROM orders o LEFT JOIN trips t ON t.id = o.trip_id AND t.deleted_at IS NULL \
         WHERE o.kind = 'TRANSPORT' AND o.transport_no IS NOT NULL AND o.tenant = ",
    );
    count.push_bind(tenant.as_str());
    push_filter(&mut count, f);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut q = QueryBuilder::<Postgres>::new(SELECT);
    q.push_bind(tenant.as_str());
    push_filter(&mut q, f);
    q.push(" ORDER BY o.created_at DESC, o.id DESC LIMIT ")
        .push_bind(size)
        .push(" OFFSET ")
        .push_bind((page - 1) * size);
    let rows: Vec<WaybillRow> = q.build_query_as().fetch_all(conn).await?;
    note_rows(&rows);
    Ok((rows, total))
}

/// The tenant's waybill by transport number, locked.
#[derive(Debug, Clone)]
pub struct LockedWaybill {
    pub id: i64,
    pub hx_order_no: String,
    pub transport_no: String,
    pub order_code: String,
    pub status: String,
    pub request: serde_json::Value,
    pub trip_id: Option<i64>,
}

pub async fn lock_by_number(
    conn: &mut PgConnection,
    tenant: &Tenant,
    transport_no: &str,
) -> sqlx::Result<Option<LockedWaybill>> {
    let r = sqlx::query_as!(
        LockedWaybill,
        r#"SELECT id, hx_order_no, transport_no AS "transport_no!", order_code, status, request, trip_id
             FROM orders WHERE tenant = $1 AND kind = 'TRANSPORT' AND transport_no = $2 FOR UPDATE"#,
        tenant.as_str(),
        transport_no
    )
    .fetch_optional(conn)
    .await?;
    if let Some(w) = &r {
        crate::context::add_order(w.id);
    }
    Ok(r)
}

/// `/cargo/add` names the waybill by its transport number, customer number or order code
/// (wms number), in that order of precedence.
pub async fn lock_by_any_number(
    conn: &mut PgConnection,
    tenant: &Tenant,
    number: &str,
) -> sqlx::Result<Vec<LockedWaybill>> {
    let rows = sqlx::query_as!(
        LockedWaybill,
        // Three lookups, each served by its index, in order of precedence.
        r#"SELECT id, hx_order_no, transport_no AS "transport_no!", order_code, status, request, trip_id
             FROM orders
            WHERE id IN (
                    (SELECT id FROM orders WHERE transport_no = $2 AND tenant = $1 AND kind = 'TRANSPORT')
                    UNION ALL
                    (SELECT id FROM orders WHERE tenant = $1 AND kind = 'TRANSPORT'
                        AND request ->> 'customerOrderNo' = $2)
                    UNION ALL
                    (SELECT id FROM orders WHERE tenant = $1 AND kind = 'TRANSPORT' AND order_code = $2))
              AND transport_no IS NOT NULL
            ORDER BY (transport_no = $2) DESC, (request ->> 'customerOrderNo' = $2) IS TRUE DESC, id
            FOR UPDATE"#,
        tenant.as_str(),
        number
    )
    .fetch_all(conn)
    .await?;
    for w in &rows {
        crate::context::add_order(w.id);
    }
    Ok(rows)
}

/// The tenant's waybills holding goods with this cargo number, locked.
pub async fn lock_by_cargo_no(
    conn: &mut PgConnection,
    tenant: &Tenant,
    cargo_no: &str,
) -> sqlx::Result<Vec<LockedWaybill>> {
    let probe = serde_json::json!([{ "cargoNo": cargo_no }]);
    let rows = sqlx::query_as!(
        LockedWaybill,
        r#"SELECT id, hx_order_no, transport_no AS "transport_no!", order_code, status, request, trip_id
             FROM orders
            WHERE tenant = $1 AND kind = 'TRANSPORT' AND transport_no IS NOT NULL
              AND request -> 'cargo' @> $2
            ORDER BY id FOR UPDATE"#,
        tenant.as_str(),
        probe
    )
    .fetch_all(conn)
    .await?;
    for w in &rows {
        crate::context::add_order(w.id);
    }
    Ok(rows)
}

/// Replaces a waybill's content (the creation fingerprint stays: a retry of the original
/// create still finds it).
pub async fn set_content(
    conn: &mut PgConnection,
    order_id: i64,
    request: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE orders SET request = $2 WHERE id = $1",
        order_id,
        request
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The waybill as a message names it, with its live trip; `None` for other kinds.
pub async fn waybill_ref(
    conn: &mut PgConnection,
    order_id: i64,
) -> sqlx::Result<Option<WaybillRef>> {
    let r = sqlx::query!(
        r#"SELECT o.hx_order_no, o.transport_no AS "transport_no!", o.order_code, o.status,
                  o.request ->> 'customerOrderNo' AS customer_order_no,
                  o.request -> 'deliveryType' AS delivery_type,
                  t.pack_number AS "pack_number?", t.driver_name, t.driver_phone, t.plate_no, t.fleet,
                  t.remark, t.created_at AS "trip_created_at?"
             FROM orders o LEFT JOIN trips t ON t.id = o.trip_id AND t.deleted_at IS NULL
            WHERE o.id = $1 AND o.kind = 'TRANSPORT' AND o.transport_no IS NOT NULL"#,
        order_id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| WaybillRef {
        hx_order_no: r.hx_order_no,
        transport_no: r.transport_no,
        order_code: r.order_code,
        customer_order_no: r.customer_order_no,
        delivery_type: r.delivery_type.and_then(|v| serde_json::from_value(v).ok()),
        status: r.status,
        trip: r.pack_number.map(|pack_number| TripRef {
            pack_number,
            driver_name: r.driver_name,
            driver_phone: r.driver_phone,
            plate_no: r.plate_no,
            fleet: r.fleet,
            remark: r.remark,
            created_at: r.trip_created_at.unwrap_or_default(),
        }),
    }))
}

/// Sign-off images and receipt photos of an order: (id, content type, sha256).
pub async fn images_of(
    conn: &mut PgConnection,
    order_id: i64,
) -> sqlx::Result<Vec<(uuid::Uuid, String, String)>> {
    let rows = sqlx::query!(
        "SELECT id, content_type, sha256 FROM sign_images WHERE order_id = $1 ORDER BY created_at, id",
        order_id
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.content_type, r.sha256))
        .collect())
}

/// The latest signer of an order's waybill.
pub async fn signer_of(conn: &mut PgConnection, order_id: i64) -> sqlx::Result<Option<String>> {
    Ok(sqlx::query_scalar!(
        r#"SELECT signer FROM sign_offs WHERE order_id = $1 AND sign_status = 'SIGNED'
            ORDER BY sign_time DESC LIMIT 1"#,
        order_id
    )
    .fetch_optional(conn)
    .await?
    .flatten())
}

/// A trip's waybills, locked, in creation order.
pub async fn lock_on_trip(
    conn: &mut PgConnection,
    trip_id: i64,
) -> sqlx::Result<Vec<LockedWaybill>> {
    sqlx::query_as!(
        LockedWaybill,
        r#"SELECT id, hx_order_no, transport_no AS "transport_no!", order_code, status, request, trip_id
             FROM orders WHERE trip_id = $1 AND transport_no IS NOT NULL ORDER BY id FOR UPDATE"#,
        trip_id
    )
    .fetch_all(conn)
    .await
}

/// Records an exception report with the waybill.
pub async fn add_exception(
    conn: &mut PgConnection,
    order_id: i64,
    report: &crate::domain::waybill::ExceptionReport,
) -> sqlx::Result<()> {
    let v = serde_json::to_value(report).unwrap_or_default();
    sqlx::query!(
        "INSERT INTO waybill_exceptions (order_id, report) VALUES ($1, $2)",
        order_id,
        v
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Stamps the first print (or label print) of a waybill.
pub async fn mark_printed(
    conn: &mut PgConnection,
    order_id: i64,
    labels: bool,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE orders SET printed_at = CASE WHEN $2 THEN printed_at ELSE COALESCE(printed_at, now()) END,
                             labels_printed_at = CASE WHEN $2 THEN COALESCE(labels_printed_at, now()) ELSE labels_printed_at END
            WHERE id = $1"#,
        order_id,
        labels
    )
    .execute(conn)
    .await?;
    Ok(())
}
