//! Where log lines go: a bounded in-memory queue drained by one writer thread.
//!
//! A log reader that stalls (a full pipe) or goes away (EPIPE), or a disk that fills up, must
//! cost log lines, never a request: formatting threads only `try_send` a finished line and move
//! on. A full queue drops the line; a failed write drops the lines it carried. Both are counted
//! (`hxgw_log_lines_dropped_total{reason}`) and reported once a minute as one line, as soon as
//! writing works again. Nothing here panics and nothing here waits, except `flush` at exit,
//! which is bounded by its caller's timeout.

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Lines dropped because the queue was full (the writer could not keep up or was blocked).
static QUEUE_FULL: AtomicU64 = AtomicU64::new(0);
/// Lines dropped because writing them failed (EPIPE, ENOSPC, EIO …).
static WRITE_FAILED: AtomicU64 = AtomicU64::new(0);

/// The process's one queue (tracing's subscriber is process-wide, so is its sink).
static QUEUE: OnceLock<SyncSender<Msg>> = OnceLock::new();

/// How often drops are reported, at most.
const REPORT_EVERY: Duration = Duration::from_secs(60);
/// Lines written together at most: under load one write carries many lines.
const BATCH: usize = 256;

enum Msg {
    Line(Vec<u8>),
    Flush(SyncSender<()>),
}

/// Dropped lines so far: (queue full, write failed).
pub fn dropped() -> (u64, u64) {
    (
        QUEUE_FULL.load(Ordering::Relaxed),
        WRITE_FAILED.load(Ordering::Relaxed),
    )
}

/// Starts the writer thread for `out` once per process and returns the writer for the
/// subscriber. A second call (tests start many gateways in one process) returns the first
/// queue's writer; `out` is then unused.
/// `json` chooses the shape of the drop report line, like the formatter's.
pub fn start(out: Box<dyn Write + Send>, capacity: usize, json: bool) -> QueueWriter {
    let tx = QUEUE.get_or_init(|| {
        let (tx, rx) = mpsc::sync_channel(capacity.max(1));
        let spawned = std::thread::Builder::new()
            .name("hxgw-log-writer".into())
            .spawn(move || drain(rx, out, json));
        if spawned.is_err() {
            // No thread, no logs: every line will count as a failed write.
            WRITE_FAILED.fetch_add(1, Ordering::Relaxed);
        }
        tx
    });
    QueueWriter(tx.clone())
}

/// Waits at most `timeout` for the lines queued so far to be written.
pub fn flush(timeout: Duration) {
    let Some(tx) = QUEUE.get() else { return };
    let deadline = Instant::now() + timeout;
    let (ack_tx, ack_rx) = mpsc::sync_channel(1);
    let mut msg = Msg::Flush(ack_tx);
    loop {
        match tx.try_send(msg) {
            Ok(()) => break,
            Err(TrySendError::Disconnected(_)) => return,
            Err(TrySendError::Full(m)) => {
                if Instant::now() >= deadline {
                    return;
                }
                msg = m;
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    }
    let _ = ack_rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
}

/// The subscriber's writer: each formatted event arrives as one `write_all` of a whole line,
/// which becomes one queue entry.
#[derive(Clone)]
pub struct QueueWriter(SyncSender<Msg>);

impl Write for QueueWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.0.try_send(Msg::Line(buf.to_vec())) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                QUEUE_FULL.fetch_add(1, Ordering::Relaxed);
            }
            Err(TrySendError::Disconnected(_)) => {
                WRITE_FAILED.fetch_add(1, Ordering::Relaxed);
            }
        }
        // Always "written": an error here would only make the formatter retry or complain.
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for QueueWriter {
    type Writer = QueueWriter;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The writer thread: lines in batches to `out`; drop reports once writing works.
fn drain(rx: Receiver<Msg>, mut out: Box<dyn Write + Send>, json: bool) {
    let mut reported = (0u64, 0u64);
    let mut last_report = Instant::now();
    let mut batch: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        let first = match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(m) => Some(m),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut lines = 0u64;
        let mut acks = Vec::new();
        let mut next = first;
        while let Some(m) = next.take() {
            match m {
                Msg::Line(l) => {
                    batch.extend_from_slice(&l);
                    lines += 1;
                }
                Msg::Flush(ack) => acks.push(ack),
            }
            if (lines as usize) < BATCH {
                next = rx.try_recv().ok();
            }
        }
        let wrote = lines == 0 || out.write_all(&batch).and_then(|()| out.flush()).is_ok();
        if !wrote {
            WRITE_FAILED.fetch_add(lines, Ordering::Relaxed);
        }
        batch.clear();
        for a in acks {
            let _ = a.try_send(());
        }
        // Reported only when writing works (the report is a line like any other).
        if wrote && last_report.elapsed() >= REPORT_EVERY {
            let now = dropped();
            if now != reported {
                let line = report_line(now, reported, json);
                if out
                    .write_all(line.as_bytes())
                    .and_then(|()| out.flush())
                    .is_ok()
                {
                    reported = now;
                    last_report = Instant::now();
                }
            }
        }
    }
}

/// The report, in the formatter's shape. Written directly: a line that went back through the
/// queue could itself be dropped.
fn report_line(now: (u64, u64), before: (u64, u64), json: bool) -> String {
    let ts = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let (full, failed) = (now.0 - before.0, now.1 - before.1);
    if json {
        format!(
            "{}\n",
            serde_json::json!({
                "timestamp": ts,
                "level": "WARN",
                "message": "log lines dropped since the last report",
                "dropped": full + failed,
                "queue_full": full,
                "write_failed": failed,
                "dropped_since_start": now.0 + now.1,
                "target": "hongxun_gateway::telemetry",
            })
        )
    } else {
        format!(
            "{ts}  WARN hongxun_gateway::telemetry: log lines dropped since the last report dropped={} queue_full={full} write_failed={failed} dropped_since_start={}\n",
            full + failed,
            now.0 + now.1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_counts_only_what_is_new() {
        let l = report_line((10, 3), (4, 1), false);
        assert!(
            l.contains("dropped=8 queue_full=6 write_failed=2 dropped_since_start=13\n"),
            "{l}"
        );
        let j: serde_json::Value =
            serde_json::from_str(report_line((10, 3), (4, 1), true).trim_end()).unwrap();
        assert_eq!(
            (&j["dropped"], &j["queue_full"], &j["write_failed"]),
            (&8.into(), &6.into(), &2.into())
        );
    }
}
