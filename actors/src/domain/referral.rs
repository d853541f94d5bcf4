//! Deep-link payloads of `/start`.

/// What a `/start` payload asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartPayload {
    /// `ref_<telegram id>`: invited by another player.
    Referral { referrer_id: i64 },
    /// `tok_<token>`: an admin's VIP token (redeemed by the monetization feature).
    Token { token: String },
    /// Anything else: ignored, the user still starts.
    Unknown,
}

impl StartPayload {
    /// Deep-link payloads are at most 64 characters of `A-Za-z0-9_-`; anything else is `Unknown`.
    pub fn parse(payload: &str) -> StartPayload {
        if payload.len() > 64 || !payload.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return StartPayload::Unknown;
        }
        if let Some(id) = payload.strip_prefix("ref_") {
            return match id.parse::<i64>() {
                Ok(referrer_id) if referrer_id > 0 => StartPayload::Referral { referrer_id },
                _ => StartPayload::Unknown,
            };
        }
        if let Some(token) = payload.strip_prefix("tok_").filter(|t| !t.is_empty()) {
            return StartPayload::Token { token: token.to_owned() };
        }
        StartPayload::Unknown
    }
}

/// The referrer to store for a user who is registering now, if the link is acceptable.
/// Only genuinely new users can be referred, and never by themselves.
pub fn referrer_for_new_user(user_id: i64, is_new: bool, payload: &StartPayload) -> Option<i64> {
    match payload {
        StartPayload::Referral { referrer_id } if is_new && *referrer_id != user_id => Some(*referrer_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_referrals_and_tokens() {
        assert_eq!(StartPayload::parse("ref_42"), StartPayload::Referral { referrer_id: 42 });
        assert_eq!(StartPayload::parse("tok_abc"), StartPayload::Token { token: "abc".into() });
        assert_eq!(StartPayload::parse("ref_-3"), StartPayload::Unknown);
        assert_eq!(StartPayload::parse("ref_x"), StartPayload::Unknown);
        assert_eq!(StartPayload::parse("tok_"), StartPayload::Unknown);
        assert_eq!(StartPayload::parse("ref_1 OR 1=1"), StartPayload::Unknown);
    }

    #[test]
    fn self_referral_and_existing_users_are_refused() {
        let p = StartPayload::Referral { referrer_id: 7 };
        assert_eq!(referrer_for_new_user(8, true, &p), Some(7));
        assert_eq!(referrer_for_new_user(7, true, &p), None);
        assert_eq!(referrer_for_new_user(8, false, &p), None);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,100}") {
            let _ = StartPayload::parse(&s);
        }
    }
}
