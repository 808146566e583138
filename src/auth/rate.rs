//! Sliding-window rate limiting over hourly counters: the estimate weighs the previous
//! hour's count by how much of it still lies inside the last 60 minutes.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

pub const WINDOW_SECS: i64 = 3600;

/// One clock hour of counting.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: DateTime<Utc>,
}

impl Window {
    pub fn containing(now: DateTime<Utc>) -> Self {
        let start = now
            .duration_trunc(TimeDelta::seconds(WINDOW_SECS))
            .unwrap_or(now);
        Self { start }
    }

    pub fn previous_start(&self) -> DateTime<Utc> {
        self.start - TimeDelta::seconds(WINDOW_SECS)
    }

    pub fn elapsed_secs(&self, now: DateTime<Utc>) -> i64 {
        (now - self.start).num_seconds().clamp(0, WINDOW_SECS)
    }
}

/// `None` to allow the call, or the seconds to wait before calls are allowed again.
pub fn decide(current: i32, previous: i32, limit: i32, elapsed_secs: i64) -> Option<u64> {
    let remaining = (WINDOW_SECS - elapsed_secs) as f64 / WINDOW_SECS as f64;
    let estimate = previous as f64 * remaining + current as f64;
    if estimate <= limit as f64 {
        return None;
    }
    if current > limit || previous == 0 {
        // Only the next window helps.
        return Some((WINDOW_SECS - elapsed_secs).max(1) as u64);
    }
    // Wait until enough of the previous window has slid out: previous·r + current ≤ limit.
    let r_needed = (limit - current) as f64 / previous as f64;
    let wait = (remaining - r_needed) * WINDOW_SECS as f64;
    Some(wait.ceil().max(1.0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_within_the_limit_pass() {
        assert_eq!(decide(10, 0, 10, 0), None);
        assert_eq!(decide(5, 10, 10, 1800), None); // 10·0.5 + 5 = 10
    }

    #[test]
    fn the_previous_hour_still_counts_for_its_overlap() {
        // Half of the previous hour's 10 calls plus 6 now is over 10.
        let wait = decide(6, 10, 10, 1800).unwrap();
        // Needs remaining ≤ 0.4, i.e. 360 s more.
        assert_eq!(wait, 360);
    }

    #[test]
    fn over_the_limit_in_this_hour_waits_for_the_next() {
        assert_eq!(decide(11, 0, 10, 600), Some(3000));
    }

    #[test]
    fn windows_are_clock_hours() {
        let t = DateTime::parse_from_rfc3339("2026-11-22T13:23:30Z")
            .unwrap()
            .with_timezone(&Utc);
        let w = Window::containing(t);
        assert_eq!(w.start.to_rfc3339(), "2026-11-22T13:00:00+00:00");
        assert_eq!(w.elapsed_secs(t), 23 * 60 + 30);
        assert_eq!(w.previous_start().to_rfc3339(), "2026-11-22T12:00:00+00:00");
    }
}
