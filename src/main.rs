//! Entry point: parse the command line and hand over to the library.
#![forbid(unsafe_code)]

use clap::Parser;
use hongxun_gateway::cli::{self, Cli};

/// jemalloc instead of glibc's malloc (#21): with glibc, malloc, free and their consolidation
/// were a quarter of the gateway's CPU per request (`perf`, docs/performance.md); resident memory
/// under the bench's loads stayed the same (docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() {
    if let Err(e) = cli::run(Cli::parse()).await {
        use std::io::Write;
        // Not eprintln: with stderr gone, that would panic instead of exiting with 1.
        let _ = writeln!(std::io::stderr(), "error: {e:#}");
        std::process::exit(1);
    }
}
