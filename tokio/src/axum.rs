//! axum 0.8: the [`WebSocketUpgrade`] extractor (the `axum` feature).
//!
//! ```no_run
//! use axum::{response::Response, routing::get, Router};
//! use wscore_tokio::axum::WebSocketUpgrade;
//! use wscore_tokio::{Config, DeflateConfig, Message};
//!
//! async fn echo(ws: WebSocketUpgrade) -> Response {
//!     let config = Config { deflate: Some(DeflateConfig::default()), ..Config::default() };
//!     ws.config(config).on_upgrade(|mut ws| async move {
//!         while let Some(Ok(message)) = ws.recv().await {
//!             if let Message::Text(_) | Message::Binary(_) = message {
//!                 let _ = ws.send(message).await;
//!             }
//!         }
//!     })
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Router::new().route("/ws", get(echo));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use std::future::Future;

use axum_core::extract::FromRequestParts;
use axum_core::response::Response;
use http::request::Parts;
use hyper::upgrade::OnUpgrade;
use wscore::{Accept, Config, Request};

pub use crate::upgrade::UpgradedWebSocket;
use crate::upgrade::{check_policy, parse, refusal, switching, text_response, Upgrading};

/// An extractor for a WebSocket upgrade request: extracting it checks the
/// request by the rules [`crate::accept`] applies and refuses a bad one (400,
/// 405, 426, 431) before the handler runs. The handler may then set a
/// [`Config`] and a subprotocol, and answers with [`WebSocketUpgrade::on_upgrade`],
/// which applies the config's Origin policy (403) and permessage-deflate.
///
/// Only HTTP/1.1 upgrades: axum serves them when the connection is HTTP/1.1
/// (`axum::serve` does upgrades by itself).
pub struct WebSocketUpgrade {
    request: Request,
    on_upgrade: OnUpgrade,
    config: Config,
    accept: Accept,
}

impl std::fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("request", &self.request)
            .field("config", &self.config)
            .field("accept", &self.accept)
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    /// The response that refuses the request, with the reason as text.
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        let max_head = Config::default().max_handshake_size;
        let request = parse(
            &parts.method,
            &parts.uri,
            parts.version,
            &parts.headers,
            max_head,
        )
        .map_err(|e| refusal(&e))?;
        let on_upgrade = parts.extensions.remove::<OnUpgrade>().ok_or_else(|| {
            text_response(
                426,
                "this connection cannot be upgraded (not HTTP/1.1, or served without upgrades)\n"
                    .to_string(),
            )
        })?;
        Ok(WebSocketUpgrade {
            request,
            on_upgrade,
            config: Config::default(),
            accept: Accept::default(),
        })
    }
}

impl WebSocketUpgrade {
    /// The request: path, headers, the subprotocols and extensions offered.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The configuration of the WebSocket (limits, timers, permessage-deflate
    /// to agree to, the Origin policy to check). Default: [`Config::default`].
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Selects `name` as the subprotocol if the client offered it (see
    /// [`WebSocketUpgrade::request`]); otherwise none is selected.
    pub fn protocol(mut self, name: &str) -> Self {
        if self.request.subprotocols.iter().any(|p| p == name) {
            self.accept.subprotocol = Some(name.to_string());
        }
        self
    }

    /// The subprotocol [`WebSocketUpgrade::protocol`] or
    /// [`WebSocketUpgrade::accept`] selected (the upgraded WebSocket's
    /// `subprotocol()` reports it too).
    pub fn selected_protocol(&self) -> Option<&str> {
        self.accept.subprotocol.as_deref()
    }

    /// The whole answer: a subprotocol (one the client offered) and extra
    /// headers for the 101 response.
    pub fn accept(mut self, accept: Accept) -> Self {
        self.accept = accept;
        self
    }

    /// Answers the request: the 101 response for the handler to return, and
    /// `callback` runs in a task of its own with the WebSocket once axum hands
    /// the connection over. A request the Origin policy refuses gets 403 and
    /// `callback` never runs.
    pub fn on_upgrade<F, Fut>(self, callback: F) -> Response
    where
        F: FnOnce(UpgradedWebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        if let Err(refused) = check_policy(&self.request, &self.config) {
            return refused;
        }
        let (response, deflate) = match switching(&self.request, &self.config, &self.accept) {
            Ok(answer) => answer,
            Err(refused) => return refused,
        };
        let upgrading = Upgrading::new(
            self.on_upgrade,
            self.config,
            deflate,
            self.accept.subprotocol.clone(),
        );
        tokio::spawn(async move {
            // Err: the client left before the upgrade; nobody to tell.
            if let Ok(ws) = upgrading.await {
                callback(ws).await;
            }
        });
        response
    }
}
