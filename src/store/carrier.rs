//! Carrier routes, sign-offs, sign-off images and DWS scans.

use super::PgConnection;
use crate::domain::carrier::NamedBy;
use crate::domain::client::Tenant;
use chrono::{DateTime, SubsecRound, Utc};
use rust_decimal::Decimal;
use std::collections::HashMap;
use uuid::Uuid;

/// The order a waybill belongs to, through a shipment package or a transport order.
#[derive(Debug, Clone)]
pub struct WaybillLink {
    pub order_id: i64,
    pub tenant: String,
    pub order_code: String,
    pub hx_order_no: String,
    pub order_type: String,
    pub inventory_code: Option<String>,
    pub subbase_code: Option<String>,
    pub kind: String,
    pub status: String,
    pub carrier_code: Option<String>,
}

/// Finds the order of a waybill (the newest, should a number ever be reused), locking it.
/// The order whose package or transport waybill `waybill_no` names `carrier`, locked. A waybill
/// that names another carrier, or none, is not this carrier's: carriers act only on their own.
pub async fn waybill_link(
    conn: &mut PgConnection,
    waybill_no: &str,
    carrier: &str,
) -> sqlx::Result<Option<WaybillLink>> {
    sqlx::query_as!(
        WaybillLink,
        r#"SELECT o.id AS "order_id!", o.tenant AS "tenant!", o.order_code AS "order_code!",
                  o.hx_order_no AS "hx_order_no!", o.order_type AS "order_type!", o.inventory_code, o.subbase_code,
                  o.kind AS "kind!", o.status AS "status!", x.carrier_code
             FROM (SELECT order_id, carrier_code, created_at FROM packages
                    WHERE waybill_no = $1 AND carrier_code = $2
                   UNION ALL
                   SELECT id, carrier_code, created_at FROM orders
                    WHERE waybill_no = $1 AND carrier_code = $2) x
             JOIN orders o ON o.id = x.order_id
            WHERE hxgw_is_sandbox(o.tenant) = hxgw_is_sandbox($2)
            ORDER BY x.created_at DESC LIMIT 1
              FOR UPDATE OF o"#,
        waybill_no,
        carrier
    )
    .fetch_optional(conn)
    .await
    .inspect(|l| {
        if let Some(l) = l {
            crate::context::add_order(l.order_id);
        }
    })
}

/// A route node as received.
#[derive(Debug, Clone)]
pub struct Node {
    pub node_type: String,
    pub node_time: DateTime<Utc>,
    pub location: Option<String>,
    pub description: String,
    pub operator: Option<String>,
    pub operator_phone: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct RouteRow {
    pub waybill_no: String,
    pub carrier_code: String,
    pub node_type: String,
    pub node_time: DateTime<Utc>,
    pub location: Option<String>,
    pub description: String,
    pub operator: Option<String>,
    pub operator_phone: Option<String>,
    pub lng: Option<f64>,
    pub lat: Option<f64>,
}

/// Inserts the nodes not seen before; returns those that are new.
pub async fn insert_routes(
    conn: &mut PgConnection,
    carrier_code: &str,
    waybill_no: &str,
    nodes: &[Node],
    link: Option<(&str, i64)>,
) -> sqlx::Result<Vec<RouteRow>> {
    let t: Vec<String> = nodes.iter().map(|n| n.node_type.clone()).collect();
    let at: Vec<DateTime<Utc>> = nodes.iter().map(|n| n.node_time).collect();
    let loc: Vec<Option<String>> = nodes.iter().map(|n| n.location.clone()).collect();
    let desc: Vec<String> = nodes.iter().map(|n| n.description.clone()).collect();
    let op: Vec<Option<String>> = nodes.iter().map(|n| n.operator.clone()).collect();
    let phone: Vec<Option<String>> = nodes.iter().map(|n| n.operator_phone.clone()).collect();
    let lng: Vec<Option<f64>> = nodes.iter().map(|n| n.lng).collect();
    let lat: Vec<Option<f64>> = nodes.iter().map(|n| n.lat).collect();
    sqlx::query_as!(
        RouteRow,
        r#"INSERT INTO routes (carrier_code, waybill_no, node_type, node_time, location, description, operator,
               operator_phone, lng, lat, tenant, order_id)
           SELECT $1, $2, u.t, u.at, u.loc, u.descr, u.op, u.phone, u.lng, u.lat, $11, $12
             FROM UNNEST($3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::float8[], $10::float8[]) AS u(t, at, loc, descr, op, phone, lng, lat)
           ON CONFLICT ON CONSTRAINT routes_node_key DO NOTHING
           RETURNING waybill_no, carrier_code, node_type, node_time, location, description, operator,
                     operator_phone, lng, lat"#,
        carrier_code,
        waybill_no,
        &t,
        &at,
        &loc as &[Option<String>],
        &desc,
        &op as &[Option<String>],
        &phone as &[Option<String>],
        &lng as &[Option<f64>],
        &lat as &[Option<f64>],
        link.map(|l| l.0),
        link.map(|l| l.1)
    )
    .fetch_all(conn)
    .await
}

/// Links nodes that arrived before their waybill was known; returns them in time order.
pub async fn link_early_routes(
    conn: &mut PgConnection,
    waybill_no: &str,
    carrier_code: &str,
    tenant: &str,
    order_id: i64,
) -> sqlx::Result<Vec<RouteRow>> {
    sqlx::query_as!(
        RouteRow,
        r#"UPDATE routes SET tenant = $3, order_id = $4
            WHERE waybill_no = $1 AND order_id IS NULL AND carrier_code = $2
           RETURNING waybill_no, carrier_code, node_type, node_time, location, description, operator,
                     operator_phone, lng, lat"#,
        waybill_no,
        carrier_code,
        tenant,
        order_id
    )
    .fetch_all(conn)
    .await
}

/// Links sign-off images that arrived before their waybill was known; returns (id,
/// content type, sha256) of each, oldest first.
pub async fn link_early_images(
    conn: &mut PgConnection,
    waybill_no: &str,
    carrier_code: &str,
    tenant: &str,
    order_id: i64,
) -> sqlx::Result<Vec<(Uuid, String, String)>> {
    let rows = sqlx::query!(
        r#"UPDATE sign_images SET tenant = $3, order_id = $4
            WHERE waybill_no = $1 AND order_id IS NULL AND carrier_code = $2
           RETURNING id, content_type, sha256, created_at"#,
        waybill_no,
        carrier_code,
        tenant,
        order_id
    )
    .fetch_all(conn)
    .await?;
    let mut rows: Vec<_> = rows
        .into_iter()
        .map(|r| (r.created_at, r.id, r.content_type, r.sha256))
        .collect();
    rows.sort();
    Ok(rows
        .into_iter()
        .map(|(_, id, ct, sha)| (id, ct, sha))
        .collect())
}

pub async fn insert_sign_off(
    conn: &mut PgConnection,
    tenant: &str,
    order_id: i64,
    r: &RouteRow,
) -> sqlx::Result<bool> {
    let n = sqlx::query!(
        r#"INSERT INTO sign_offs (tenant, order_id, waybill_no, carrier_code, sign_status, signer, sign_time, remark)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT ON CONSTRAINT sign_offs_key DO NOTHING"#,
        tenant,
        order_id,
        r.waybill_no,
        r.carrier_code,
        r.node_type,
        r.operator,
        r.node_time,
        r.description
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Routes of one of the tenant's waybills, or of all waybills of one of its orders.
///
/// Two branches, of which one runs: by waybill (`routes_waybill_idx`), or, when no waybill is
/// given, by order code (`orders_code_idx`, then `routes_order_idx`). Written as one join with
/// `($2 IS NULL OR …) AND ($3 IS NULL OR …)`, the generic plan read all of the tenant's routes and
/// all its orders for every query (tests/api/plans.rs).
pub async fn routes_of(
    conn: &mut PgConnection,
    tenant: &Tenant,
    waybill_no: Option<&str>,
    order_code: Option<&str>,
) -> sqlx::Result<Vec<(RouteRow, Option<String>, Option<String>)>> {
    let rows = sqlx::query!(
        r#"SELECT waybill_no AS "waybill_no!", carrier_code AS "carrier_code!", node_type AS "node_type!",
                  node_time AS "node_time!", location, description AS "description!", operator, operator_phone,
                  lng, lat, order_code AS "order_code?", status AS "status?"
             FROM ((SELECT r.id, r.waybill_no, r.carrier_code, r.node_type, r.node_time, r.location, r.description,
                           r.operator, r.operator_phone, r.lng, r.lat, o.order_code, o.status
                      FROM routes r JOIN orders o ON o.id = r.order_id
                     WHERE r.waybill_no = $2 AND r.tenant = $1 AND ($3::text IS NULL OR o.order_code = $3))
                   UNION ALL
                   (SELECT r.id, r.waybill_no, r.carrier_code, r.node_type, r.node_time, r.location, r.description,
                           r.operator, r.operator_phone, r.lng, r.lat, o.order_code, o.status
                      FROM orders o JOIN routes r ON r.order_id = o.id
                     WHERE $2::text IS NULL AND o.order_code = $3 AND o.tenant = $1 AND r.tenant = $1)) r
            ORDER BY node_time, id"#,
        tenant.as_str(),
        waybill_no,
        order_code
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                RouteRow {
                    waybill_no: r.waybill_no,
                    carrier_code: r.carrier_code,
                    node_type: r.node_type,
                    node_time: r.node_time,
                    location: r.location,
                    description: r.description,
                    operator: r.operator,
                    operator_phone: r.operator_phone,
                    lng: r.lng,
                    lat: r.lat,
                },
                r.order_code,
                r.status,
            )
        })
        .collect())
}

/// A sign-off image to store.
pub struct NewImage<'a> {
    pub id: Uuid,
    pub carrier_code: &'a str,
    pub waybill_no: &'a str,
    pub sha256: &'a str,
    pub content_type: &'a str,
    pub file_name: Option<&'a str>,
    pub bytes: &'a [u8],
    pub signer: Option<&'a str>,
    pub sign_time: DateTime<Utc>,
    pub link: Option<(&'a str, i64)>,
}

/// Stores an image unless the same bytes were stored for this waybill; returns the image id
/// (the existing one for a duplicate) and whether it is new.
pub async fn insert_image(conn: &mut PgConnection, i: &NewImage<'_>) -> sqlx::Result<(Uuid, bool)> {
    let new = sqlx::query_scalar!(
        r#"INSERT INTO sign_images (id, carrier_code, waybill_no, sha256, content_type, file_name, size_bytes, bytes,
               signer, sign_time, tenant, order_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT ON CONSTRAINT sign_images_dedupe_key DO NOTHING RETURNING id"#,
        i.id,
        i.carrier_code,
        i.waybill_no,
        i.sha256,
        i.content_type,
        i.file_name,
        i.bytes.len() as i32,
        i.bytes,
        i.signer,
        i.sign_time,
        i.link.map(|l| l.0),
        i.link.map(|l| l.1)
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = new {
        return Ok((id, true));
    }
    let id = sqlx::query_scalar!(
        "SELECT id FROM sign_images WHERE waybill_no = $1 AND sha256 = $2",
        i.waybill_no,
        i.sha256
    )
    .fetch_one(conn)
    .await?;
    Ok((id, false))
}

/// An image's type and bytes, for its download link.
pub async fn image(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    let r = sqlx::query!(
        "SELECT content_type, bytes FROM sign_images WHERE id = $1",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.content_type, r.bytes)))
}

/// A DWS scan as received.
#[derive(Debug, Clone)]
pub struct Scan {
    pub barcode: String,
    pub weight_kg: Decimal,
    pub length_cm: Option<Decimal>,
    pub width_cm: Option<Decimal>,
    pub height_cm: Option<Decimal>,
    pub volume_cm3: Option<Decimal>,
    pub scan_time: DateTime<Utc>,
}

/// Stores the scans not seen before (device, barcode, scan time), in the order given (callers
/// sort them, so concurrent calls meet on the unique index in one order). Returns, per scan,
/// its new id, or `None` for a duplicate (of a stored scan or of an earlier one in `scans`).
pub async fn insert_scans(
    conn: &mut PgConnection,
    client_id: i64,
    device_code: &str,
    scans: &[Scan],
) -> sqlx::Result<Vec<Option<i64>>> {
    let barcode: Vec<String> = scans.iter().map(|s| s.barcode.clone()).collect();
    let weight: Vec<Decimal> = scans.iter().map(|s| s.weight_kg).collect();
    let col =
        |f: fn(&Scan) -> Option<Decimal>| -> Vec<Option<Decimal>> { scans.iter().map(f).collect() };
    let time: Vec<DateTime<Utc>> = scans.iter().map(|s| s.scan_time).collect();
    let rows = sqlx::query!(
        r#"INSERT INTO dws_scans (client_id, device_code, barcode, weight_kg, length_cm, width_cm, height_cm, volume_cm3, scan_time)
           SELECT $1, $2, u.barcode, u.w, u.l, u.wd, u.h, u.v, u.t
             FROM UNNEST($3::text[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[], $8::numeric[],
                         $9::timestamptz[]) WITH ORDINALITY AS u(barcode, w, l, wd, h, v, t, i)
            ORDER BY u.i
           ON CONFLICT ON CONSTRAINT dws_scans_key DO NOTHING
           RETURNING id, barcode, scan_time"#,
        client_id,
        device_code,
        &barcode,
        &weight,
        &col(|s| s.length_cm) as &[Option<Decimal>],
        &col(|s| s.width_cm) as &[Option<Decimal>],
        &col(|s| s.height_cm) as &[Option<Decimal>],
        &col(|s| s.volume_cm3) as &[Option<Decimal>],
        &time
    )
    .fetch_all(conn)
    .await?;
    let mut new: HashMap<(String, DateTime<Utc>), i64> = rows
        .into_iter()
        .map(|r| ((r.barcode, r.scan_time), r.id))
        .collect();
    // PostgreSQL keeps microseconds: a finer time given must meet its stored self.
    Ok(scans
        .iter()
        .map(|s| new.remove(&(s.barcode.clone(), s.scan_time.trunc_subsecs(6))))
        .collect())
}

/// A package a barcode names, and how it names it.
#[derive(Debug, Clone)]
pub struct PackageMatch {
    pub id: i64,
    pub order_code: String,
    pub weight_kg: Option<Decimal>,
}

/// Every package each barcode names, by waybill or by package number. Two lookups on their
/// own indexes (`packages_waybill_idx`, `packages_no_idx`) joined by UNION ALL: no `OR`
/// across the two columns, which would leave the planner a scan of all packages.
/// Only packages of sandbox tenants for a sandbox scanner, only real ones for a real one.
/// Each package's order is looked up by its key, in a subquery that `OFFSET 0` keeps from
/// being flattened into a join: as a join, the planner may merge-join the few candidates with
/// all orders in key order, and where the packages' statistics place them on old orders it
/// does, reading every order up to the package's. The bench's packages all hung on order 1:
/// a package of its latest order (of 199,156) took 0.45 s per scan (docs/performance.md,
/// eleventh part).
pub async fn package_candidates(
    conn: &mut PgConnection,
    barcodes: &[String],
    sandbox: bool,
) -> sqlx::Result<HashMap<String, Vec<(NamedBy, PackageMatch)>>> {
    let rows = sqlx::query!(
        r#"SELECT x.barcode AS "barcode!", x.by_waybill AS "by_waybill!", p.id, o.order_code, p.weight_kg
             FROM (SELECT u.b AS barcode, q.id, true AS by_waybill
                     FROM UNNEST($1::text[]) AS u(b) JOIN packages q ON q.waybill_no = u.b
                   UNION ALL
                   SELECT u.b, q.id, false
                     FROM UNNEST($1::text[]) AS u(b) JOIN packages q ON q.package_no = u.b) x
             JOIN packages p ON p.id = x.id
             CROSS JOIN LATERAL (SELECT o.order_code, o.tenant FROM orders o
                                  WHERE o.id = p.order_id OFFSET 0) o
            WHERE hxgw_is_sandbox(o.tenant) = $2
            ORDER BY p.id"#,
        barcodes,
        sandbox
    )
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<String, Vec<(NamedBy, PackageMatch)>> = HashMap::new();
    for r in rows {
        let by = if r.by_waybill {
            NamedBy::Waybill
        } else {
            NamedBy::PackageNo
        };
        out.entry(r.barcode).or_default().push((
            by,
            PackageMatch {
                id: r.id,
                order_code: r.order_code,
                weight_kg: r.weight_kg,
            },
        ));
    }
    Ok(out)
}

/// Marks scans that did not measure a package: `UNMATCHED` or `AMBIGUOUS`.
pub async fn set_scan_status(
    conn: &mut PgConnection,
    ids: &[i64],
    status: &str,
) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "UPDATE dws_scans SET match_status = $2 WHERE id = ANY($1) AND package_id IS NULL",
        ids,
        status
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A scan matched to a package, with the weight deviation worked out for it.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub scan_id: i64,
    pub package_id: i64,
    pub deviation: Option<Decimal>,
    pub flagged: bool,
}

/// Links scans to their packages and puts each package's latest scan (by scan time) on it as
/// its measurement. The packages are locked in id order first, the same order in every
/// transaction, so concurrent calls never deadlock.
pub async fn record_measurements(conn: &mut PgConnection, m: &[Measurement]) -> sqlx::Result<()> {
    if m.is_empty() {
        return Ok(());
    }
    let scan: Vec<i64> = m.iter().map(|x| x.scan_id).collect();
    let package: Vec<i64> = m.iter().map(|x| x.package_id).collect();
    let deviation: Vec<Option<Decimal>> = m.iter().map(|x| x.deviation).collect();
    let flagged: Vec<bool> = m.iter().map(|x| x.flagged).collect();
    // One package needs no ordering: the update below locks it (saves a round trip per scan
    // for scanners that post parcel by parcel).
    if package.iter().any(|&p| p != package[0]) {
        sqlx::query!(
            "SELECT id FROM packages WHERE id = ANY($1) ORDER BY id FOR UPDATE",
            &package
        )
        .fetch_all(&mut *conn)
        .await?;
    }
    sqlx::query!(
        r#"WITH u AS (SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::numeric[], $4::bool[])
                        AS u(scan, package, deviation, flagged)),
                s AS (UPDATE dws_scans d SET package_id = u.package, match_status = 'MATCHED' FROM u WHERE d.id = u.scan
                      RETURNING d.id, d.package_id, d.weight_kg, d.length_cm, d.width_cm, d.height_cm,
                                d.volume_cm3, d.scan_time, u.deviation, u.flagged),
                latest AS (SELECT DISTINCT ON (package_id) * FROM s ORDER BY package_id, scan_time DESC, id DESC)
           UPDATE packages p SET measured_weight_kg = l.weight_kg, measured_length_cm = l.length_cm,
                  measured_width_cm = l.width_cm, measured_height_cm = l.height_cm,
                  measured_volume_cm3 = l.volume_cm3, measured_at = l.scan_time,
                  weight_deviation = l.deviation, weight_flagged = l.flagged
             FROM latest l WHERE p.id = l.package_id"#,
        &scan,
        &package,
        &deviation as &[Option<Decimal>],
        &flagged
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Scans not matched to a package (unmatched or ambiguous) whose barcode is one of
/// `barcodes`: (scan id, barcode, weight).
/// Only scans of sandbox scanners for a sandbox tenant's packages, only real ones otherwise.
pub async fn unmatched_scans(
    conn: &mut PgConnection,
    barcodes: &[String],
    sandbox: bool,
) -> sqlx::Result<Vec<(i64, String, Decimal)>> {
    let rows = sqlx::query!(
        "SELECT s.id, s.barcode, s.weight_kg FROM dws_scans s JOIN clients c ON c.id = s.client_id
          WHERE s.package_id IS NULL AND s.barcode = ANY($1) AND c.sandbox = $2
          ORDER BY s.scan_time, s.id",
        barcodes,
        sandbox
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.id, r.barcode, r.weight_kg))
        .collect())
}

/// Remembers the waybill and carrier of a transport order (from its confirmation).
pub async fn set_order_waybill(
    conn: &mut PgConnection,
    order_id: i64,
    waybill_no: &str,
    carrier_code: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE orders SET waybill_no = $2, carrier_code = $3 WHERE id = $1",
        order_id,
        waybill_no,
        carrier_code
    )
    .execute(conn)
    .await?;
    Ok(())
}
