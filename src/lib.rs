//! hongxun-gateway: the open-API front door of 鸿讯's WMS and TMS.
//!
//! Layers, data flowing one way: [`dialect`] (one folder per wire protocol: 鸿讯, Qimen…) and
//! [`ops`] (the warehouse API) over [`http`] (shared plumbing) → [`service`] (use cases,
//! transactions) → [`domain`] (plain rules) and [`store`] (all SQL). [`auth`] verifies who
//! calls; [`push`] delivers the outbox, rendered by the receiver's dialect.
#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod console;
pub mod context;
pub mod dialect;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod ops;
pub mod push;
pub mod sandbox;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
