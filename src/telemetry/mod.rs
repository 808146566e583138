//! Logging setup: text for people or JSON for shippers, to stderr (stdout stays for command
//! output) or to `log.file`. Lines leave through `sink`'s bounded queue, never on the caller's
//! thread, so a stalled or vanished log reader cannot hold up or kill the gateway.

pub mod sink;

use crate::config::{LogFormat, LogSettings};
use std::io::{IsTerminal, Write};
use std::time::Duration;
use tracing_subscriber::EnvFilter;

pub fn init(log: &LogSettings) -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&log.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (out, ansi): (Box<dyn Write + Send>, bool) = match &log.file {
        Some(path) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| anyhow::anyhow!("log.file {}: {e}", path.display()))?;
            (Box::new(f), false)
        }
        None => (Box::new(std::io::stderr()), std::io::stderr().is_terminal()),
    };
    let json = matches!(log.format, LogFormat::Json);
    let writer = sink::start(out, log.queue_lines, json);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(ansi);
    // A second init (tests) is harmless: the first subscriber stays.
    let installed = match log.format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if installed.is_ok() {
        // The default hook writes to stderr on the panicking thread, where a stalled reader
        // would block it; the message goes through the queue instead.
        std::panic::set_hook(Box::new(|info| {
            let bt = std::backtrace::Backtrace::capture();
            tracing::error!(panic = %info, backtrace = %bt, "panic");
        }));
    }
    Ok(())
}

/// At exit: the queued lines get at most `timeout` to be written.
pub fn flush(timeout: Duration) {
    sink::flush(timeout);
}
