//! Time as the protocol sees it: a [`Clock`] the application can supply.
//!
//! RFC 9420 §7.3 asks clients to check a LeafNode's `lifetime` against the
//! current time (MUST for LeafNodes a client sends, RECOMMENDED for those it
//! receives). Core never reads the system clock by itself: every check takes a
//! `&dyn Clock`, so tests and replays of old vectors can inject a [`FixedClock`].

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current time, in seconds since the Unix epoch (1970-01-01T00:00:00Z).
    fn now(&self) -> u64;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            // A clock set before 1970 reads as the epoch itself.
            .unwrap_or(0)
    }
}

/// A clock stopped at a given time, for tests and for replaying old data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_reads_its_value() {
        assert_eq!(FixedClock(1_700_000_000).now(), 1_700_000_000);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now() > 1_577_836_800);
    }
}
