//! Telegram's HTML rules, as the stand-in enforces them (kept beside the escaping, in the
//! server's own `telegram::html`).

pub use diana::telegram::html::visible_len;
