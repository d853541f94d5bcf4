//! End-to-end tests: the real `diana` binary, real Postgres and Redis, and the Telegram
//! stand-in. One test binary, because each file under tests/ would link separately.

#[path = "../common/mod.rs"]
mod common;

mod bot;
mod channels;
mod dashboard;
mod delivery;
mod economy;
mod loadtest;
mod operations;
mod payments;
