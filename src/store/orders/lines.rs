//! Order lines: planned and confirmed quantities.

use crate::domain::order::OrderLine;
use crate::store::PgConnection;
use chrono::NaiveDate;
use rust_decimal::Decimal;

/// Inserts the lines of an order; returns their ids in line order.
pub async fn insert_lines(
    conn: &mut PgConnection,
    order_id: i64,
    lines: &[OrderLine],
) -> sqlx::Result<Vec<i64>> {
    let line_no: Vec<String> = lines.iter().map(|l| l.line_no.clone()).collect();
    let item: Vec<String> = lines.iter().map(|l| l.item_code.clone()).collect();
    let qty: Vec<i64> = lines.iter().map(|l| l.plan_qty).collect();
    let inv_type: Vec<String> = lines.iter().map(|l| l.inventory_type.clone()).collect();
    let batch: Vec<Option<String>> = lines.iter().map(|l| l.batch_code.clone()).collect();
    let pdate: Vec<Option<NaiveDate>> = lines.iter().map(|l| l.product_date).collect();
    let edate: Vec<Option<NaiveDate>> = lines.iter().map(|l| l.expire_date).collect();
    let produce: Vec<Option<String>> = lines.iter().map(|l| l.produce_code.clone()).collect();
    let price: Vec<Option<Decimal>> = lines.iter().map(|l| l.price).collect();
    let remark: Vec<Option<String>> = lines.iter().map(|l| l.remark.clone()).collect();
    let rows = sqlx::query!(
        r#"INSERT INTO order_lines (order_id, line_no, item_code, plan_qty, inventory_type, batch_code,
               product_date, expire_date, produce_code, price, remark)
           SELECT $1, u.line_no, u.item_code, u.qty, u.inv_type, u.batch, u.pdate, u.edate, u.produce, u.price, u.remark
             FROM UNNEST($2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::date[], $8::date[],
                         $9::text[], $10::numeric[], $11::text[])
                  AS u(line_no, item_code, qty, inv_type, batch, pdate, edate, produce, price, remark)
           RETURNING id, line_no"#,
        order_id,
        &line_no,
        &item,
        &qty,
        &inv_type,
        &batch as &[Option<String>],
        &pdate as &[Option<NaiveDate>],
        &edate as &[Option<NaiveDate>],
        &produce as &[Option<String>],
        &price as &[Option<Decimal>],
        &remark as &[Option<String>]
    )
    .fetch_all(conn)
    .await?;
    let by_no: std::collections::HashMap<String, i64> =
        rows.into_iter().map(|r| (r.line_no, r.id)).collect();
    Ok(line_no.iter().map(|n| by_no[n]).collect())
}

/// A line as the result query and the LPN/SN rules see it.
#[derive(Debug, Clone)]
pub struct LineRow {
    pub id: i64,
    pub order_id: i64,
    pub line_no: String,
    pub item_code: String,
    pub plan_qty: i64,
    pub actual_qty: i64,
    pub inventory_type: String,
    pub batch_code: Option<String>,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
}

pub async fn lines_of(conn: &mut PgConnection, order_ids: &[i64]) -> sqlx::Result<Vec<LineRow>> {
    sqlx::query_as!(
        LineRow,
        r#"SELECT id, order_id, line_no, item_code, plan_qty, actual_qty, inventory_type, batch_code,
                  product_date, expire_date
             FROM order_lines WHERE order_id = ANY($1) ORDER BY order_id, id"#,
        order_ids
    )
    .fetch_all(conn)
    .await
}

/// Adds confirmed quantities to lines: (line id, qty).
pub async fn add_actual(conn: &mut PgConnection, parts: &[(i64, i64)]) -> sqlx::Result<()> {
    let id: Vec<i64> = parts.iter().map(|p| p.0).collect();
    let qty: Vec<i64> = parts.iter().map(|p| p.1).collect();
    sqlx::query!(
        r#"UPDATE order_lines l SET actual_qty = l.actual_qty + s.qty
             FROM (SELECT id, SUM(qty) AS qty FROM UNNEST($1::int8[], $2::int8[]) AS u(id, qty) GROUP BY id) s
            WHERE l.id = s.id"#,
        &id,
        &qty
    )
    .execute(conn)
    .await?;
    Ok(())
}
