//! The wire protocols customers' systems speak, one folder each. A dialect owns its
//! authentication, parsing, field mapping, answers and push rendering; it calls the same
//! `service` use cases and renders the same domain events. The core never imports a dialect.

pub mod hongxun;
pub mod oms;
pub mod qimen;
pub mod tms;
