//! The end-to-end echo benchmark: echo servers (`servers`, run by the
//! `echo_server` binary) and the load generator (`client`, `cells`, `idle`,
//! driven by the `e2e_bench` binary).

pub mod cells;
pub mod client;
pub mod idle;
pub mod proc_stat;
pub mod servers;
