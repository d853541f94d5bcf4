//! The per-user flood limit: at most N updates per minute. Over the limit, the first update is
//! told to slow down and the rest are acknowledged silently, so a flood never becomes a flood
//! of answers.

/// What to do with an update, given how many this user sent in the current minute (it included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloodVerdict {
    Allowed,
    /// The first update over the limit: answer once, asking the user to slow down.
    SlowDown,
    /// Further updates over the limit: acknowledge, do nothing.
    Ignore,
}

pub fn verdict(count_in_window: u64, limit_per_minute: u32) -> FloodVerdict {
    let limit = u64::from(limit_per_minute);
    if limit == 0 || count_in_window <= limit {
        FloodVerdict::Allowed
    } else if count_in_window == limit + 1 {
        FloodVerdict::SlowDown
    } else {
        FloodVerdict::Ignore
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_once_over_the_limit_then_ignores() {
        assert_eq!(verdict(3, 3), FloodVerdict::Allowed);
        assert_eq!(verdict(4, 3), FloodVerdict::SlowDown);
        assert_eq!(verdict(5, 3), FloodVerdict::Ignore);
        assert_eq!(verdict(1_000, 0), FloodVerdict::Allowed, "0 disables the limit");
    }
}
