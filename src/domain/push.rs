//! Pushes: the retry schedule of failed deliveries.

use std::time::Duration;

/// Delays between attempts; after the last one a push is dead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl RetrySchedule {
    /// Parses `"10s,1m,5m,30m,2h,6h,12h"`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let delays = s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| humantime::parse_duration(p).map_err(|e| format!("{p:?}: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        if delays.is_empty() {
            return Err("needs at least one delay".into());
        }
        Ok(Self(delays))
    }

    /// The delay before the next attempt after `attempts` failed ones, ±20 % by `jitter`
    /// in [-1, 1]; `None` when the schedule is used up (the push is dead).
    pub fn next_delay(&self, attempts: u32, jitter: f64) -> Option<Duration> {
        let base = self.0.get(attempts.checked_sub(1)? as usize)?;
        let factor = 1.0 + 0.2 * jitter.clamp(-1.0, 1.0);
        Some(base.mul_f64(factor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_parses_and_runs_out() {
        let s = RetrySchedule::parse("10s, 1m,5m,30m,2h,6h,12h").unwrap();
        assert_eq!(s.0.len(), 7);
        assert_eq!(s.next_delay(1, 0.0), Some(Duration::from_secs(10)));
        assert_eq!(s.next_delay(7, 0.0), Some(Duration::from_secs(12 * 3600)));
        assert_eq!(s.next_delay(8, 0.0), None);
        assert_eq!(s.next_delay(0, 0.0), None);
        assert!(RetrySchedule::parse("").is_err());
        assert!(RetrySchedule::parse("soon").is_err());
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let s = RetrySchedule::parse("100s").unwrap();
        assert_eq!(s.next_delay(1, 1.0), Some(Duration::from_secs(120)));
        assert_eq!(s.next_delay(1, -1.0), Some(Duration::from_secs(80)));
        assert_eq!(s.next_delay(1, 7.0), Some(Duration::from_secs(120)));
    }
}
