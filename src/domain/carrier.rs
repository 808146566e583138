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
