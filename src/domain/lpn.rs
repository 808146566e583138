//! LPN (pallet/carton labels) of inbound orders, and the rule that the announced quantity
//! per item never exceeds what the order plans.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct LpnItem {
    pub item_code: String,
    pub qty: i64,
    pub batch_code: Option<String>,
    pub sn_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Lpn {
    pub lpn_code: String,
    pub items: Vec<LpnItem>,
}

/// A reason an LPN announcement does not fit its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LpnProblem {
    /// `lpns[lpn].items[item]` names an item the order does not have.
    ItemNotOnOrder {
        lpn: usize,
        item: usize,
        item_code: String,
    },
    /// Over all LPNs the item would exceed its planned quantity.
    OverPlan {
        item_code: String,
        planned: i64,
        announced: i64,
    },
}

/// Checks new LPNs against the order's planned quantities and the LPNs already announced
/// (those being replaced left out).
pub fn check(
    planned: &HashMap<String, i64>,
    already: &HashMap<String, i64>,
    lpns: &[Lpn],
) -> Vec<LpnProblem> {
    let mut problems = Vec::new();
    let mut total = already.clone();
    for (l, lpn) in lpns.iter().enumerate() {
        for (i, it) in lpn.items.iter().enumerate() {
            if !planned.contains_key(&it.item_code) {
                problems.push(LpnProblem::ItemNotOnOrder {
                    lpn: l,
                    item: i,
                    item_code: it.item_code.clone(),
                });
            }
            *total.entry(it.item_code.clone()).or_default() += it.qty;
        }
    }
    let mut over: Vec<_> = total
        .into_iter()
        .filter_map(|(item, announced)| {
            let p = *planned.get(&item)?;
            (announced > p).then_some(LpnProblem::OverPlan {
                item_code: item,
                planned: p,
                announced,
            })
        })
        .collect();
    over.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    problems.extend(over);
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, qty: i64) -> LpnItem {
        LpnItem {
            item_code: code.into(),
            qty,
            batch_code: None,
            sn_codes: vec![],
        }
    }

    #[test]
    fn announced_quantities_may_not_exceed_the_plan() {
        let planned = HashMap::from([("A".to_string(), 10)]);
        let already = HashMap::from([("A".to_string(), 6)]);
        let lpns = [Lpn {
            lpn_code: "P1".into(),
            items: vec![item("A", 5), item("B", 1)],
        }];
        let p = check(&planned, &already, &lpns);
        assert_eq!(
            p,
            vec![
                LpnProblem::ItemNotOnOrder {
                    lpn: 0,
                    item: 1,
                    item_code: "B".into()
                },
                LpnProblem::OverPlan {
                    item_code: "A".into(),
                    planned: 10,
                    announced: 11
                },
            ]
        );
        assert!(check(&planned, &HashMap::new(), &lpns[..0]).is_empty());
    }
}
