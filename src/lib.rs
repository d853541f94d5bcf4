//! The `diana` binary's library: configuration, telemetry, the Telegram and HTTP edges, and
//! start-up. The game itself lives in the `diana-actors` crate.

pub mod broadcast;
pub mod config;
pub mod dashboard;
pub mod embedded_postgres;
pub mod http;
pub mod loadtest;
pub mod mood_cli;
pub mod paypal_api;
pub mod playground;
pub mod recommend_cli;
pub mod refunds;
pub mod startup;
pub mod telegram;
pub mod telemetry;
