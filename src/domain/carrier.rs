//! Carrier and DWS intake rules: route node types (Appendix 3), what nodes do to orders,
//! sign-off image types by their bytes, and the DWS weight check.

use super::order::{OrderKind, OrderStatus};

/// Appendix 3.
pub const NODE_TYPES: &[&str] = &[
    "ACCEPT",
    "PICKUP",
    "DEPART",
    "IN_TRANSIT",
    "ARRIVE",
    "DELIVERING",
    "SIGNED",
    "REJECTED",
    "EXCEPTION",
    "RETURNED",
];

/// Whether a node records a sign-off (signed or refused).
pub fn is_sign_off(node_type: &str) -> bool {
    matches!(node_type, "SIGNED" | "REJECTED")
}

/// The status an order moves to when a node arrives for its waybill, if any.
/// Transport orders go `CONFIRMED → IN_TRANSIT → SIGNED`; shipped outbound orders go `SIGNED`.
pub fn status_after(kind: OrderKind, status: OrderStatus, node_type: &str) -> Option<OrderStatus> {
    use OrderStatus::*;
    match (kind, status, node_type) {
        (
            OrderKind::Transport,
            Confirmed,
            "PICKUP" | "DEPART" | "IN_TRANSIT" | "ARRIVE" | "DELIVERING",
        ) => Some(InTransit),
        (OrderKind::Transport, Confirmed | InTransit, "SIGNED") => Some(Signed),
        (OrderKind::Out, Shipped | PartiallyShipped, "SIGNED") => Some(Signed),
        _ => None,
    }
}

/// How a barcode names a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedBy {
    Waybill,
    PackageNo,
}

/// What a DWS barcode matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarcodeMatch<T> {
    /// Exactly one package: the scan measures it.
    One(T),
    /// No package (yet): the scan waits and is matched when its package ships.
    None,
    /// Several packages (of one order or of several, of any customers): never written onto
    /// a package, kept for inspection.
    Ambiguous,
}

impl<T> BarcodeMatch<T> {
    /// `MATCHED`, `UNMATCHED` or `AMBIGUOUS`, as stored and shown.
    pub fn status(&self) -> &'static str {
        match self {
            Self::One(_) => "MATCHED",
            Self::None => "UNMATCHED",
            Self::Ambiguous => "AMBIGUOUS",
        }
    }
}

/// The DWS match rule: a waybill match takes precedence over a package-number match (waybill
/// numbers are the carrier's and unique; package numbers are the customers' own and
/// collide), and a scan measures a package only when its barcode names exactly one.
pub fn match_barcode<T: Clone>(candidates: &[(NamedBy, T)]) -> BarcodeMatch<T> {
    let by = |n: NamedBy| candidates.iter().filter(move |c| c.0 == n).map(|c| &c.1);
    let waybill: Vec<&T> = by(NamedBy::Waybill).collect();
    let chosen = if waybill.is_empty() {
        by(NamedBy::PackageNo).collect()
    } else {
        waybill
    };
    match chosen.as_slice() {
        [] => BarcodeMatch::None,
        [one] => BarcodeMatch::One((*one).clone()),
        _ => BarcodeMatch::Ambiguous,
    }
}

/// The image type of `bytes` by its magic number.
pub fn sniff_image(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Relative deviation of a measured weight from the expected one, and whether it exceeds
/// `tolerance` (0.10 = 10 %). `None` when nothing was expected.
pub fn weight_deviation(
    measured: f64,
    expected: Option<f64>,
    tolerance: f64,
) -> Option<(f64, bool)> {
    let e = expected.filter(|e| *e > 0.0)?;
    let d = (measured - e) / e;
    let rounded = (d * 10_000.0).round() / 10_000.0;
    // Judged on the reported (rounded) value, so exactly 10 % is not "beyond" 10 %.
    Some((rounded, rounded.abs() > tolerance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_barcode_measures_a_package_only_when_it_names_exactly_one() {
        use BarcodeMatch as M;
        use NamedBy::*;
        assert_eq!(match_barcode::<i64>(&[]), M::None);
        assert_eq!(match_barcode(&[(PackageNo, 1)]), M::One(1));
        assert_eq!(match_barcode(&[(Waybill, 1)]), M::One(1));
        // Two customers' packages PX1: nobody's.
        assert_eq!(
            match_barcode(&[(PackageNo, 1), (PackageNo, 2)]),
            M::Ambiguous
        );
        // The waybill wins over another customer's package number.
        assert_eq!(match_barcode(&[(PackageNo, 2), (Waybill, 1)]), M::One(1));
        assert_eq!(
            match_barcode(&[(Waybill, 1), (Waybill, 3), (PackageNo, 2)]),
            M::Ambiguous
        );
        assert_eq!(M::One(1).status(), "MATCHED");
        assert_eq!(M::<i64>::Ambiguous.status(), "AMBIGUOUS");
    }

    #[test]
    fn routes_move_transport_and_shipped_orders() {
        use OrderStatus::*;
        assert_eq!(
            status_after(OrderKind::Transport, Confirmed, "PICKUP"),
            Some(InTransit)
        );
        assert_eq!(
            status_after(OrderKind::Transport, InTransit, "SIGNED"),
            Some(Signed)
        );
        assert_eq!(status_after(OrderKind::Transport, Created, "PICKUP"), None);
        assert_eq!(
            status_after(OrderKind::Out, Shipped, "SIGNED"),
            Some(Signed)
        );
        assert_eq!(status_after(OrderKind::Out, Shipped, "REJECTED"), None);
        assert!(is_sign_off("REJECTED") && !is_sign_off("ARRIVE"));
    }

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(
            sniff_image(&[0xFF, 0xD8, 0xFF, 0xE0, 0]),
            Some("image/jpeg")
        );
        assert_eq!(sniff_image(b"\\x89PNG\\r\\n\\x1a\\n"), None);
        assert_eq!(
            sniff_image(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0]),
            Some("image/png")
        );
        assert_eq!(sniff_image(b"GIF89a"), None);
        assert_eq!(sniff_image(b""), None);
    }

    #[test]
    fn weight_deviation_is_relative_and_flagged_beyond_tolerance() {
        assert_eq!(weight_deviation(1.1, Some(1.0), 0.1), Some((0.1, false)));
        assert_eq!(weight_deviation(1.25, Some(1.0), 0.1), Some((0.25, true)));
        assert_eq!(weight_deviation(0.8, Some(1.0), 0.1), Some((-0.2, true)));
        assert_eq!(weight_deviation(1.0, None, 0.1), None);
        assert_eq!(weight_deviation(1.0, Some(0.0), 0.1), None);
    }
}
