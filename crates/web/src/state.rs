//! What every handler shares: the service, the clock, the per-address limits and the signature
//! verification's trust anchors.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::service::Service;
use governor::{DefaultKeyedRateLimiter, Quota};
use jiff::Timestamp;

/// Where handlers get "now" from (a manual clock in tests).
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock set by hand (tests, demos).
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock showing `at`.
    pub fn new(at: Timestamp) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    /// Moves the clock.
    pub fn set(&self, at: Timestamp) {
        if let Ok(mut now) = self.0.lock() {
            *now = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|now| *now).unwrap_or_else(|poisoned| *poisoned.into_inner())
    }
}

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// The application service.
    pub service: Service,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Public look-ups per client address.
    pub limiter: Arc<RateLimiter>,
    /// Log-in attempts per client address.
    pub login_limiter: Arc<RateLimiter>,
    /// Whether session cookies carry `Secure` (the server is reached over TLS).
    pub secure_cookies: bool,
    /// What signature verification trusts (`/xac-thuc`, `/api/v1/public/verify`): the trust
    /// anchors of the keys the forms are signed with. Without any, intact signatures are
    /// reported as untrusted.
    pub verify: signing::VerifyOptions,
}

impl AppState {
    /// State with the default limits per client address (60 public look-ups and 20 log-in
    /// attempts a minute) and cookies without `Secure`.
    pub fn new(service: Service, clock: Arc<dyn Clock>) -> AppState {
        let minute = Duration::from_secs(60);
        AppState {
            service,
            clock,
            limiter: Arc::new(RateLimiter::new(60, minute)),
            login_limiter: Arc::new(RateLimiter::new(20, minute)),
            secure_cookies: false,
            verify: signing::VerifyOptions::new(),
        }
    }
}

/// A limit per client address, in memory (one server process): `governor`'s GCRA, a burst of
/// `limit` requests refilled evenly over `window` (one request every `window / limit`).
pub struct RateLimiter {
    /// `None` for a limit of zero: every request is refused.
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimiter {
    /// At most `limit` requests per `window` per address.
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        let limiter = NonZeroU32::new(limit).map(|burst| {
            let period = (window / burst.get()).max(Duration::from_nanos(1));
            let quota = Quota::with_period(period).unwrap_or_else(|| Quota::per_second(burst)).allow_burst(burst);
            DefaultKeyedRateLimiter::keyed(quota)
        });
        RateLimiter { limiter }
    }

    /// Counts a request; false when the address is over its limit.
    pub fn allow(&self, client: IpAddr) -> bool {
        let Some(limiter) = &self.limiter else { return false };
        // Addresses whose budget is full again are forgotten once there are many of them.
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&client).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address() {
        let limiter = RateLimiter::new(3, Duration::from_secs(60));
        let (one, two): (IpAddr, IpAddr) = ([127, 0, 0, 1].into(), [127, 0, 0, 2].into());
        assert!((0..3).all(|_| limiter.allow(one)));
        assert!(!limiter.allow(one), "the fourth in a minute");
        assert!(limiter.allow(two), "another address has its own budget");
        assert!(!RateLimiter::new(0, Duration::from_secs(60)).allow(one), "a limit of zero refuses");
    }
}
