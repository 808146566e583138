//! A 3TMS shipper's organisation tree: set by the warehouse (ops API), read by the shipper.
//! Without a tree of its own a shipper has the root alone (`0`, 总部).

use super::{transaction, ServiceError};
use crate::domain::client::Tenant;
use crate::domain::validation::FieldErrors;
use crate::store::{self, tms::OrgNode, PgPool};

/// The tree every shipper has until one is set.
pub fn root() -> OrgNode {
    OrgNode {
        node_id: 0,
        name: "总部".into(),
        path: "0".into(),
    }
}

pub async fn list(pool: &PgPool, tenant: &Tenant) -> Result<Vec<OrgNode>, ServiceError> {
    let nodes = store::tms::organizations(pool, tenant.as_str()).await?;
    Ok(if nodes.is_empty() {
        vec![root()]
    } else {
        nodes
    })
}

/// The path of the shipper's root (the node with the shortest path): what a waybill without an
/// `organizationPath` belongs to, and shows.
pub async fn root_path(pool: &PgPool, tenant: &Tenant) -> Result<String, ServiceError> {
    Ok(list(pool, tenant)
        .await?
        .into_iter()
        .min_by_key(|n| (n.path.split('-').count(), n.path.clone()))
        .map_or_else(|| root().path, |n| n.path))
}

/// A path is `0` or `0-<id>-<id>…` of digits; its last id must be the node's.
pub fn check(nodes: &[OrgNode]) -> FieldErrors {
    let mut e = FieldErrors::default();
    let mut ids = std::collections::HashSet::new();
    let mut paths = std::collections::HashSet::new();
    for (i, n) in nodes.iter().enumerate() {
        let p = |f: &str| format!("nodes[{i}].{f}");
        let parts: Vec<&str> = n.path.split('-').collect();
        let well_formed = parts
            .iter()
            .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
            && parts.first() == Some(&"0");
        if !well_formed {
            e.invalid(p("path"), format!("{:?} is not a path like 0-11", n.path));
        } else if parts.len() > 1 && parts.last() != Some(&n.node_id.to_string().as_str()) {
            e.invalid(
                p("path"),
                format!("must end with the node's id {}", n.node_id),
            );
        }
        if n.node_id < 0 {
            e.invalid(p("nodeId"), "must be ≥ 0");
        }
        if n.name.trim().is_empty() || n.name.chars().count() > 100 {
            e.invalid(p("name"), "must be 1–100 characters");
        }
        if !ids.insert(n.node_id) {
            e.invalid(p("nodeId"), "is used twice");
        }
        if !paths.insert(n.path.clone()) {
            e.invalid(p("path"), "is used twice");
        }
    }
    e
}

pub async fn replace(
    pool: &PgPool,
    tenant: &Tenant,
    nodes: &[OrgNode],
) -> Result<(), ServiceError> {
    let e = check(nodes);
    if !e.is_empty() {
        return Err(ServiceError::Invalid(e));
    }
    transaction(pool, None, async |tx| {
        Ok(store::tms::replace_organizations(tx, tenant.as_str(), nodes).await?)
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(id: i64, path: &str) -> OrgNode {
        OrgNode {
            node_id: id,
            name: "网点".into(),
            path: path.into(),
        }
    }

    #[test]
    fn paths_are_checked() {
        assert!(check(&[n(0, "0"), n(11, "0-11"), n(12, "0-11-12")]).is_empty());
        assert!(!check(&[n(11, "0-12")]).is_empty());
        assert!(!check(&[n(11, "1-11")]).is_empty());
        assert!(!check(&[n(11, "0-x")]).is_empty());
        assert!(!check(&[n(11, "0-11"), n(11, "0-11")]).is_empty());
    }
}
