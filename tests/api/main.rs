//! Black-box API tests: the real router over a real socket against a fresh Postgres
//! database per test (`#[sqlx::test]` creates and drops it).

mod abuse;
mod base_data;
mod caching;
mod carrier;
mod console;
mod doors;
mod envelope;
mod failover;
mod hardening;
mod helpers;
mod hostile;
mod isolation;
mod metrics;
mod oms;
mod one_statement;
mod orders;
mod pushes;
mod qimen;
mod qimen_clients;
mod qimen_support;
mod queries;
mod receiver;
mod receiver_check;
mod retention;
mod sandbox;
mod seed_examples;
mod seed_fixtures_oms_qimen;
mod seed_fixtures_tms;
mod timeline;
mod tms;
mod tms_fidelity;
mod tms_slips;
mod tms_support;
mod tms_waybills;
mod vectors;
