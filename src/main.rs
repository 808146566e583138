//! Entry point: parse the command line and hand over to the library.
#![forbid(unsafe_code)]

use clap::Parser;
use hongxun_gateway::cli::{self, Cli};

/// jemalloc instead of glibc's malloc (#21): with glibc, malloc, free and their consolidation
/// were a quarter of the gateway's CPU per request (`perf`, docs/performance.md); resident memory
/// under the bench's loads stayed the same (docs/performance.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() {
    let cli = Cli::parse();
    // The runtime is sized from the settings (`server.worker_threads`), so it is built here
    // rather than by `#[tokio::main]`.
    let result = cli::runtime().and_then(|runtime| runtime.block_on(cli::run(cli)));
    if let Err(e) = result {
        use std::io::Write;
        // Not eprintln: with stderr gone, that would panic instead of exiting with 1.
        let _ = writeln!(std::io::stderr(), "error: {e:#}");
        std::process::exit(1);
    }
}
