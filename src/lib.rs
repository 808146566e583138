//! hongxun-gateway: the open-API front door of 鸿讯's WMS and TMS.
//!
//! Layers, data flowing one way: [`api`] (HTTP, envelope, DTOs) → [`service`] (use cases,
//! transactions) → [`domain`] (plain rules) and [`store`] (all SQL). [`auth`] verifies who calls.
#![forbid(unsafe_code)]

pub mod api;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod domain;
pub mod push;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
