//! Where an [`Account`](super::Account) gets the time: the system clock, or an injected clock
//! for tests.

use iam_model::entities::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Timestamp(secs)
    }
}

/// A clock that stands still until told to move (for tests).
///
/// ```
/// use iam_account::{Clock, FixedClock};
/// let c = FixedClock::at("2026-11-28T01:02:03Z").unwrap();
/// assert_eq!(c.now().to_string(), "2026-11-28T01:02:03Z");
/// c.advance(60);
/// assert_eq!(c.now().to_string(), "2026-11-28T01:03:03Z");
/// ```
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock showing `t`.
    pub fn new(t: Timestamp) -> FixedClock {
        FixedClock(AtomicI64::new(t.0))
    }
    /// A clock showing an ISO-8601 UTC time; `None` if the text is not one.
    pub fn at(iso: &str) -> Option<FixedClock> {
        iso.parse::<Timestamp>().ok().map(FixedClock::new)
    }
    /// Moves the clock forward by `secs` seconds.
    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}
