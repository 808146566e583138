//! Carrier intake: route nodes (deduplicated, linked to the customer's order through its
//! waybill, possibly later), sign-offs and sign-off images, with their pushes.

use super::{outbox, transaction, Outcome, ReplayKey, ServiceError};
use crate::domain::carrier::{is_sign_off, status_after};
use crate::domain::client::Tenant;
use crate::domain::event::{DomainEvent, ImageRef, OrderRef, RouteNode};
use crate::domain::order::{OrderKind, OrderStatus};
use crate::store::carrier::{Node, RouteRow, WaybillLink};
use crate::store::{self, PgConnection, PgPool};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

fn node(r: &RouteRow) -> RouteNode {
    RouteNode {
        node_type: r.node_type.clone(),
        node_time: r.node_time,
        location: r.location.clone(),
        description: r.description.clone(),
        operator: r.operator.clone(),
        operator_phone: r.operator_phone.clone(),
        lng: r.lng,
        lat: r.lat,
    }
}

/// The order of a waybill as events name it.
fn order_ref(l: &WaybillLink) -> OrderRef {
    OrderRef {
        order_code: l.order_code.clone(),
        hx_order_no: l.hx_order_no.clone(),
        kind: OrderKind::parse(&l.kind).unwrap_or(OrderKind::Out),
        order_type: l.order_type.clone(),
        inventory_code: l.inventory_code.clone(),
        subbase_code: l.subbase_code.clone(),
    }
}

/// The waybill's order when the waybill names this carrier. Otherwise (unknown, another
/// carrier's, or one without a carrier, which only the ops API may move) the carrier's nodes
/// and images are kept unlinked, exactly as for a waybill nobody knows yet: the answer is the
/// same, names no order, and they link only if the waybill later names this carrier.
async fn link_for(
    tx: &mut PgConnection,
    carrier: &str,
    waybill_no: &str,
) -> Result<Option<WaybillLink>, ServiceError> {
    Ok(store::carrier::waybill_link(tx, waybill_no, carrier).await?)
}

/// Pushes new nodes of a linked waybill (`routePush`), records sign-offs (`signInfoPush`) and
/// moves the order along its lifecycle.
pub(super) async fn apply_nodes(
    tx: &mut PgConnection,
    l: &WaybillLink,
    nodes: &[RouteRow],
) -> Result<(), ServiceError> {
    let Some(first) = nodes.first() else {
        return Ok(());
    };
    let tenant = Tenant(l.tenant.clone());
    let mut sorted: Vec<&RouteRow> = nodes.iter().collect();
    sorted.sort_by_key(|n| n.node_time);
    let event = DomainEvent::RouteNodes {
        order: order_ref(l),
        waybill_no: first.waybill_no.clone(),
        carrier_code: first.carrier_code.clone(),
        nodes: sorted.iter().map(|n| node(n)).collect(),
    };
    outbox::about_order(tx, l.order_id, &tenant, &event).await?;
    let kind = OrderKind::parse(&l.kind);
    let mut status = OrderStatus::parse(&l.status);
    for n in sorted {
        if is_sign_off(&n.node_type)
            && store::carrier::insert_sign_off(tx, &l.tenant, l.order_id, n).await?
        {
            let event = DomainEvent::SignedOff {
                order: order_ref(l),
                waybill_no: n.waybill_no.clone(),
                sign_status: n.node_type.clone(),
                signer: n.operator.clone(),
                sign_time: n.node_time,
                remark: Some(n.description.clone()),
            };
            outbox::about_order(tx, l.order_id, &tenant, &event).await?;
        }
        if let (Some(k), Some(s)) = (kind, status) {
            if let Some(next) = status_after(k, s, &n.node_type) {
                super::waybill_events::set_status_at(
                    tx,
                    l.order_id,
                    next,
                    None,
                    Some(&format!("route {}", n.node_type)),
                    Some(n.node_time),
                )
                .await?;
                status = Some(next);
            }
        }
    }
    Ok(())
}

/// Writes `SignImages` for new images (id, content type, sha256) of a linked waybill.
async fn push_images(
    tx: &mut PgConnection,
    l: &WaybillLink,
    waybill_no: &str,
    images: &[(Uuid, String, String)],
) -> Result<(), ServiceError> {
    if images.is_empty() {
        return Ok(());
    }
    let event = DomainEvent::SignImages {
        order: order_ref(l),
        waybill_no: waybill_no.to_string(),
        images: images
            .iter()
            .map(|(id, ct, sha)| ImageRef {
                image_id: *id,
                content_type: ct.clone(),
                sha256: sha.clone(),
            })
            .collect(),
    };
    outbox::about_order(tx, l.order_id, &Tenant(l.tenant.clone()), &event).await
}

/// Links route nodes and sign-off images that arrived before the waybill was known (called
/// when a shipment or a transport confirmation names it), and pushes them.
pub(crate) async fn link_waybill(
    tx: &mut PgConnection,
    order_id: i64,
    waybill_no: &str,
    carrier_code: Option<&str>,
) -> Result<(), ServiceError> {
    // Without a carrier nothing a carrier posted may attach.
    let Some(carrier_code) = carrier_code else {
        return Ok(());
    };
    // The link's own rules decide (the carrier named, sandbox with sandbox, real with real):
    // the early nodes and images follow it.
    let Some(l) = store::carrier::waybill_link(tx, waybill_no, carrier_code).await? else {
        return Ok(());
    };
    if l.order_id != order_id {
        return Ok(());
    }
    let early =
        store::carrier::link_early_routes(tx, waybill_no, carrier_code, &l.tenant, order_id)
            .await?;
    apply_nodes(tx, &l, &early).await?;
    let images =
        store::carrier::link_early_images(tx, waybill_no, carrier_code, &l.tenant, order_id)
            .await?;
    push_images(tx, &l, waybill_no, &images).await
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoutesAccepted {
    pub waybill_no: String,
    pub accepted: u32,
    pub duplicates: u32,
    pub order_code: Option<String>,
}

/// 承运商路由推送.
pub async fn receive_routes(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    carrier: &str,
    waybill_no: &str,
    nodes: &[Node],
) -> Result<Outcome<RoutesAccepted>, ServiceError> {
    transaction(pool, replay, async |tx| {
        let link = link_for(tx, carrier, waybill_no).await?;
        let new = store::carrier::insert_routes(
            tx,
            carrier,
            waybill_no,
            nodes,
            link.as_ref().map(|l| (l.tenant.as_str(), l.order_id)),
        )
        .await?;
        if let Some(l) = &link {
            apply_nodes(tx, l, &new).await?;
        }
        Ok(RoutesAccepted {
            waybill_no: waybill_no.into(),
            accepted: new.len() as u32,
            duplicates: (nodes.len() - new.len()) as u32,
            order_code: link.map(|l| l.order_code),
        })
    })
    .await
}

/// One decoded, checked sign-off image.
#[derive(Debug, Clone)]
pub struct Image {
    pub file_name: Option<String>,
    pub content_type: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Which waybill the images sign off, by whom and when.
#[derive(Debug, Clone, Copy)]
pub struct SignOff<'a> {
    pub waybill_no: &'a str,
    pub signer: Option<&'a str>,
    pub sign_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredImage {
    pub image_id: Uuid,
    pub sha256: String,
    pub content_type: String,
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImagesAccepted {
    pub waybill_no: String,
    pub order_code: Option<String>,
    pub images: Vec<StoredImage>,
}

/// 签收图片推送: stores the images (duplicates by waybill and sha256 ignored) and pushes
/// `signImagePush` (its download links are made when it is delivered). Images of a waybill
/// not known yet are linked and pushed when the waybill appears.
pub async fn receive_images(
    pool: &PgPool,
    replay: Option<ReplayKey<'_>>,
    carrier: &str,
    sign_off: &SignOff<'_>,
    images: &[Image],
) -> Result<Outcome<ImagesAccepted>, ServiceError> {
    let SignOff {
        waybill_no,
        signer,
        sign_time,
    } = *sign_off;
    transaction(pool, replay, async |tx| {
        let link = link_for(tx, carrier, waybill_no).await?;
        let mut stored = Vec::new();
        for i in images {
            let (id, new) = store::carrier::insert_image(
                tx,
                &store::carrier::NewImage {
                    id: Uuid::now_v7(),
                    carrier_code: carrier,
                    waybill_no,
                    sha256: &i.sha256,
                    content_type: &i.content_type,
                    file_name: i.file_name.as_deref(),
                    bytes: &i.bytes,
                    signer,
                    sign_time,
                    link: link.as_ref().map(|l| (l.tenant.as_str(), l.order_id)),
                },
            )
            .await?;
            stored.push(StoredImage {
                image_id: id,
                sha256: i.sha256.clone(),
                content_type: i.content_type.clone(),
                duplicate: !new,
            });
        }
        if let Some(l) = &link {
            let fresh: Vec<(Uuid, String, String)> = stored
                .iter()
                .filter(|s| !s.duplicate)
                .map(|s| (s.image_id, s.content_type.clone(), s.sha256.clone()))
                .collect();
            push_images(tx, l, waybill_no, &fresh).await?;
        }
        Ok(ImagesAccepted {
            waybill_no: waybill_no.into(),
            order_code: link.map(|l| l.order_code),
            images: stored,
        })
    })
    .await
}

/// An image's type and bytes for its download link.
pub async fn image(pool: &PgPool, id: Uuid) -> Result<Option<(String, Vec<u8>)>, ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::carrier::image(&mut conn, id).await?)
}

/// 路由查询: the routes of one of the tenant's waybills or orders.
pub async fn routes(
    pool: &PgPool,
    tenant: &Tenant,
    waybill_no: Option<&str>,
    order_code: Option<&str>,
) -> Result<Vec<(RouteRow, Option<String>, Option<String>)>, ServiceError> {
    let mut conn = pool.acquire().await?;
    Ok(store::carrier::routes_of(&mut conn, tenant, waybill_no, order_code).await?)
}
