//! Inventory arithmetic: allocating order lines to stock, FIFO by expiry.

use chrono::NaiveDate;

/// Available stock in one balance, as the allocator sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct StockSlot {
    pub balance_id: i64,
    pub item_code: String,
    pub inventory_type: String,
    pub batch_code: String,
    pub product_date: Option<NaiveDate>,
    pub expire_date: Option<NaiveDate>,
    pub available: i64,
}

/// What one order line asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    pub line_no: String,
    pub item_code: String,
    pub inventory_type: String,
    /// A pinned batch; `None` takes any batch, earliest expiry first.
    pub batch_code: Option<String>,
    pub qty: i64,
}

/// A quantity of one balance given to one line (index into the demands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocation {
    pub line: usize,
    pub balance_id: i64,
    pub qty: i64,
}

/// A line that could not be covered in full.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortage {
    pub line_no: String,
    pub item_code: String,
    pub inventory_type: String,
    pub batch_code: Option<String>,
    pub requested: i64,
    pub available: i64,
}

/// Allocates demands in line order to the slots, each line taking the matching slots
/// first-expiring first (no expiry last), then earliest production, batch code, balance id.
/// Returns the allocations and the lines left short.
pub fn allocate(demands: &[Demand], slots: &[StockSlot]) -> (Vec<Allocation>, Vec<Shortage>) {
    let mut order: Vec<usize> = (0..slots.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&slots[a], &slots[b]);
        // `None` sorts after every date.
        let key = |s: &StockSlot| {
            (
                s.expire_date.is_none(),
                s.expire_date,
                s.product_date.is_none(),
                s.product_date,
                s.batch_code.clone(),
                s.balance_id,
            )
        };
        key(x).cmp(&key(y))
    });
    let mut left: Vec<i64> = slots.iter().map(|s| s.available.max(0)).collect();
    let mut allocations = Vec::new();
    let mut shortages = Vec::new();
    for (i, d) in demands.iter().enumerate() {
        let mut need = d.qty;
        for &s in &order {
            if need == 0 {
                break;
            }
            let slot = &slots[s];
            let matches = slot.item_code == d.item_code
                && slot.inventory_type == d.inventory_type
                && d.batch_code.as_ref().is_none_or(|b| *b == slot.batch_code);
            if !matches || left[s] == 0 {
                continue;
            }
            let take = need.min(left[s]);
            left[s] -= take;
            need -= take;
            allocations.push(Allocation {
                line: i,
                balance_id: slot.balance_id,
                qty: take,
            });
        }
        if need > 0 {
            shortages.push(Shortage {
                line_no: d.line_no.clone(),
                item_code: d.item_code.clone(),
                inventory_type: d.inventory_type.clone(),
                batch_code: d.batch_code.clone(),
                requested: d.qty,
                available: d.qty - need,
            });
        }
    }
    (allocations, shortages)
}

/// What an order line holds reserved of one balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub line_no: String,
    pub balance_id: i64,
    pub qty: i64,
}

/// A quantity taken out of a balance for a line: from its reservation or from free stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Take {
    pub line_no: String,
    pub balance_id: i64,
    pub qty: i64,
    pub from_reserved: bool,
}

/// Takes each demand first from what its line holds reserved (in the order given), then from
/// free stock like [`allocate`] (a backordered line, say). Returns the takes and the shortages;
/// stock never goes below zero because nothing is taken that is not there.
pub fn consume(
    demands: &[Demand],
    held: &[Held],
    slots: &[StockSlot],
) -> (Vec<Take>, Vec<Shortage>) {
    let mut held_left: Vec<i64> = held.iter().map(|h| h.qty).collect();
    let mut takes = Vec::new();
    let mut rest = Vec::new();
    for d in demands {
        let mut need = d.qty;
        for (i, h) in held.iter().enumerate() {
            if need == 0 {
                break;
            }
            if h.line_no != d.line_no || held_left[i] == 0 {
                continue;
            }
            let t = need.min(held_left[i]);
            held_left[i] -= t;
            need -= t;
            takes.push(Take {
                line_no: d.line_no.clone(),
                balance_id: h.balance_id,
                qty: t,
                from_reserved: true,
            });
        }
        if need > 0 {
            rest.push(Demand {
                qty: need,
                ..d.clone()
            });
        }
    }
    let (allocations, mut shortages) = allocate(&rest, slots);
    for a in allocations {
        takes.push(Take {
            line_no: rest[a.line].line_no.clone(),
            balance_id: a.balance_id,
            qty: a.qty,
            from_reserved: false,
        });
    }
    // Report shortages against the whole demand of the line, not the remainder.
    for s in &mut shortages {
        if let Some(d) = demands.iter().find(|d| d.line_no == s.line_no) {
            s.available += d.qty - s.requested;
            s.requested = d.qty;
        }
    }
    (takes, shortages)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(id: i64, batch: &str, expire: Option<&str>, available: i64) -> StockSlot {
        StockSlot {
            balance_id: id,
            item_code: "A".into(),
            inventory_type: "ZP".into(),
            batch_code: batch.into(),
            product_date: None,
            expire_date: expire.map(|d| d.parse().unwrap()),
            available,
        }
    }

    fn demand(line: &str, batch: Option<&str>, qty: i64) -> Demand {
        Demand {
            line_no: line.into(),
            item_code: "A".into(),
            inventory_type: "ZP".into(),
            batch_code: batch.map(Into::into),
            qty,
        }
    }

    #[test]
    fn earliest_expiry_goes_first_and_undated_stock_last() {
        let slots = [
            slot(1, "", None, 10),
            slot(2, "B2", Some("2027-06-01"), 3),
            slot(3, "B1", Some("2027-01-01"), 3),
        ];
        let (a, s) = allocate(&[demand("1", None, 8)], &slots);
        assert!(s.is_empty());
        let taken: Vec<(i64, i64)> = a.iter().map(|x| (x.balance_id, x.qty)).collect();
        assert_eq!(taken, vec![(3, 3), (2, 3), (1, 2)]);
    }

    #[test]
    fn a_pinned_batch_takes_only_that_batch() {
        let slots = [slot(1, "B1", Some("2027-01-01"), 5), slot(2, "B2", None, 5)];
        let (a, s) = allocate(&[demand("1", Some("B2"), 7)], &slots);
        assert_eq!(
            a,
            vec![Allocation {
                line: 0,
                balance_id: 2,
                qty: 5
            }]
        );
        assert_eq!(s[0].requested, 7);
        assert_eq!(s[0].available, 5);
    }

    #[test]
    fn lines_of_one_item_share_the_stock_in_order() {
        let slots = [slot(1, "", None, 5)];
        let (a, s) = allocate(&[demand("1", None, 4), demand("2", None, 4)], &slots);
        assert_eq!(a.iter().map(|x| x.qty).sum::<i64>(), 5);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].line_no.as_str(), s[0].available), ("2", 1));
    }

    #[test]
    fn consumption_takes_the_reservation_first_then_free_stock() {
        let held = [Held {
            line_no: "1".into(),
            balance_id: 1,
            qty: 2,
        }];
        let slots = [slot(1, "", None, 0), slot(2, "X", None, 5)];
        let (t, s) = consume(&[demand("1", None, 3)], &held, &slots);
        assert!(s.is_empty());
        assert_eq!(
            t,
            vec![
                Take {
                    line_no: "1".into(),
                    balance_id: 1,
                    qty: 2,
                    from_reserved: true
                },
                Take {
                    line_no: "1".into(),
                    balance_id: 2,
                    qty: 1,
                    from_reserved: false
                },
            ]
        );
        let (_, s) = consume(&[demand("1", None, 9)], &held, &slots);
        assert_eq!((s[0].requested, s[0].available), (9, 7));
    }

    #[test]
    fn other_items_and_inventory_types_do_not_match() {
        let mut damaged = slot(1, "", None, 5);
        damaged.inventory_type = "CC".into();
        let (a, s) = allocate(&[demand("1", None, 1)], &[damaged]);
        assert!(a.is_empty());
        assert_eq!(s[0].available, 0);
    }
}
