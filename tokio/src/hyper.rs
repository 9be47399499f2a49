//! hyper 1: a WebSocket from a request a hyper service received (the `hyper`
//! feature).
//!
//! [`upgrade`] checks the request by the rules [`crate::accept`] applies
//! (and the Origin policy of the [`Config`]), negotiates permessage-deflate
//! when [`Config::deflate`] is set, and returns the 101 response for the
//! service to return plus an [`Upgrading`] future that becomes the
//! [`WebSocket`](crate::WebSocket) once hyper hands the connection over. A
//! request it refuses gets its answer instead (400, 403, 405, 426, 431).
//! The connection must be served with upgrades on.
//!
//! ```no_run
//! use std::convert::Infallible;
//! use http_body_util::Full;
//! use hyper::body::{Bytes, Incoming};
//! use hyper::{server::conn::http1, service::service_fn, Request, Response};
//! use hyper_util::rt::TokioIo;
//! use wscore_tokio::{Config, DeflateConfig, Message};
//!
//! async fn serve(mut request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
//!     let config = Config { deflate: Some(DeflateConfig::default()), ..Config::default() };
//!     match wscore_tokio::hyper::upgrade(&mut request, config) {
//!         Ok((response, upgrading)) => {
//!             tokio::spawn(async move {
//!                 let Ok(mut ws) = upgrading.await else { return };
//!                 while let Some(Ok(message)) = ws.recv().await {
//!                     if let Message::Text(_) | Message::Binary(_) = message {
//!                         let _ = ws.send(message).await;
//!                     }
//!                 }
//!             });
//!             Ok(response)
//!         }
//!         Err(refusal) => Ok(refusal),
//!     }
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//! loop {
//!     let (tcp, _) = listener.accept().await?;
//!     tokio::spawn(
//!         http1::Builder::new()
//!             .serve_connection(TokioIo::new(tcp), service_fn(serve))
//!             .with_upgrades(), // without it hyper never hands the connection over
//!     );
//! }
//! # }
//! ```

use wscore::{Accept, Config, Rejection, Request};

use crate::upgrade::{check_policy, parse, refusal, rejection, switching};
pub use crate::upgrade::{UpgradedWebSocket, Upgrading};

/// Answers a WebSocket upgrade request, accepting it with no subprotocol:
/// `Ok` holds the 101 response to return and the future of the WebSocket;
/// `Err` the response that refuses the request (see the [module](self) docs).
///
/// The body type `B` is any that converts from a `String` (`Full<Bytes>`,
/// `String`, axum's `Body`...): empty in the 101, the reason in a refusal.
pub fn upgrade<B, R>(
    request: &mut http::Request<R>,
    config: Config,
) -> Result<(http::Response<B>, Upgrading), http::Response<B>>
where
    B: From<String>,
{
    upgrade_with(request, config, |_| Ok(Accept::default()))
}

/// [`upgrade`], asking `decide` about the request once it passed core's
/// checks and the Origin policy: `Ok(Accept)` opens the WebSocket (with a
/// subprotocol the client offered, and extra headers), `Err(Rejection)`
/// answers with that status, headers and body.
pub fn upgrade_with<B, R, F>(
    request: &mut http::Request<R>,
    config: Config,
    decide: F,
) -> Result<(http::Response<B>, Upgrading), http::Response<B>>
where
    B: From<String>,
    F: FnOnce(&Request) -> Result<Accept, Rejection>,
{
    let parsed = parse(
        request.method(),
        request.uri(),
        request.version(),
        request.headers(),
        config.max_handshake_size,
    )
    .map_err(|e| refusal(&e))?;
    check_policy(&parsed, &config)?;
    let accept = decide(&parsed).map_err(rejection)?;
    let (response, deflate) = switching(&parsed, &config, &accept)?;
    let on_upgrade = ::hyper::upgrade::on(request);
    Ok((
        response,
        Upgrading::new(on_upgrade, config, deflate, accept.subprotocol.clone()),
    ))
}

/// Whether `request` asks for a WebSocket (`Upgrade: websocket`): for a
/// service that serves pages and WebSockets on one path.
pub fn is_upgrade_request<R>(request: &http::Request<R>) -> bool {
    request
        .headers()
        .get_all(http::header::UPGRADE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("websocket"))
}
