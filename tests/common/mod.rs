//! Shared helpers of the end-to-end tests: the Telegram stand-in and the real binary.
#![allow(dead_code)]

pub mod browser;
pub mod html_check;
pub mod server;
pub mod telegram_standin;
