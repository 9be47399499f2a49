//! wscore-tokio over 127.0.0.1, in one test binary (each binary links tokio
//! and tungstenite again: one saves `make test` a minute of builds).

#[path = "../common/mod.rs"]
mod common;

mod backpressure;
mod close_race;
mod interop;
mod timers;
