//! The §6 pushes: the 鸿讯 rendering of domain events.
