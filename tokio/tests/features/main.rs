//! wscore-tokio's optional features over 127.0.0.1, in one test binary (each
//! binary links tokio, tungstenite, rustls and axum again): `rustls` (tls)
//! and `axum`/`hyper` (axum_upgrade). Run with `--all-features`; without
//! the features the modules are empty.

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "axum")]
mod axum_upgrade;
#[cfg(feature = "rustls")]
mod tls;
