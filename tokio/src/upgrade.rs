//! The WebSocket handshake for a request another HTTP server parsed (hyper,
//! axum): core checks the request by the same rules as `accept`, then the
//! answer is built from core's pieces (accept key, Origin policy,
//! permessage-deflate negotiation) and the upgraded transport is handed to
//! [`Connection::upgraded`].

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::header::{HeaderName, HeaderValue};
use http::{StatusCode, Version};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use wscore::binding::{accept_key, check_request, deflate_server_accept};
use wscore::{
    Accept, AcceptError, Config, Connection, DeflateParams, Event, HandshakeError, Rejection,
    Request, Role,
};

use crate::error::Error;
use crate::websocket::WebSocket;

/// A WebSocket over a hyper upgrade.
pub type UpgradedWebSocket = WebSocket<TokioIo<Upgraded>>;

/// Checks a request head as an upgrade request by core's rules (GET,
/// HTTP/1.1, one `Host`, `Upgrade: websocket`, `Connection: upgrade`, version
/// 13, a valid key, no body, at most `max_head` bytes of head). The Origin
/// policy is [`check_policy`]'s, with the configuration then in force.
pub(crate) fn parse(
    method: &http::Method,
    uri: &http::Uri,
    version: Version,
    headers: &http::HeaderMap,
    max_head: usize,
) -> Result<Request, HandshakeError> {
    let version = match version {
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_10 => "HTTP/1.0",
        other => {
            return Err(HandshakeError::MalformedHttp(format!(
                "a WebSocket upgrade needs HTTP/1.1, not {other:?}"
            )))
        }
    };
    // Core's parser is the rulebook: the request goes through it as the head it was.
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut head = Vec::with_capacity(256);
    for piece in [method.as_str(), " ", target, " ", version, "\r\n"] {
        head.extend_from_slice(piece.as_bytes());
    }
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let mut checker = Connection::server(Config {
        max_handshake_size: max_head,
        ..Config::default()
    });
    checker.receive(&head);
    match checker.poll_event() {
        Some(Event::Request(request)) => Ok(request),
        Some(Event::Closed(closed)) => match closed.error {
            Some(wscore::Error::Handshake(e)) => Err(e),
            other => Err(HandshakeError::MalformedHttp(format!("{other:?}"))),
        },
        other => Err(HandshakeError::MalformedHttp(format!(
            "incomplete request head ({other:?})"
        ))),
    }
}

/// Core's Origin and `Host` checks ([`Config::origin_policy`]) on `request`:
/// `Err` is the 403 to send instead.
pub(crate) fn check_policy<B: From<String>>(
    request: &Request,
    config: &Config,
) -> Result<(), http::Response<B>> {
    let Some(policy) = config.origin_policy.as_deref() else {
        return Ok(());
    };
    check_request(policy, request).map_err(|e| refusal(&e))
}

/// The 101 answer to `request` with `accept` (subprotocol, extra headers),
/// and the permessage-deflate parameters it agrees. `Err`: the response to
/// send instead, 500 for an `accept` that does not fit the request.
pub(crate) fn switching<B: From<String>>(
    request: &Request,
    config: &Config,
    accept: &Accept,
) -> Result<(http::Response<B>, Option<DeflateParams>), http::Response<B>> {
    let mut response = http::Response::new(B::from(String::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    let value = |v: &str| HeaderValue::from_str(v).map_err(|_| ());
    headers.insert(http::header::UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(
        http::header::CONNECTION,
        HeaderValue::from_static("Upgrade"),
    );
    headers.insert(
        http::header::SEC_WEBSOCKET_ACCEPT,
        value(&accept_key(&request.key)).expect("base64 is a valid header value"),
    );
    if let Some(proto) = &accept.subprotocol {
        let offered = request.subprotocols.iter().any(|p| p == proto);
        let v = value(proto)
            .ok()
            .filter(|_| offered)
            .ok_or_else(|| app_error(&AcceptError::UnofferedSubprotocol(proto.clone())))?;
        headers.insert(http::header::SEC_WEBSOCKET_PROTOCOL, v);
    }
    let deflate = config
        .deflate
        .as_ref()
        .and_then(|cfg| deflate_server_accept(&request.extensions, cfg));
    if let Some((item, _)) = &deflate {
        let v = value(item).expect("core writes a valid extension item");
        headers.insert(http::header::SEC_WEBSOCKET_EXTENSIONS, v);
    }
    for h in &accept.headers {
        let name = HeaderName::from_bytes(h.name.as_bytes());
        let v = HeaderValue::from_bytes(&h.value);
        match (name, v) {
            (Ok(name), Ok(v)) => {
                headers.append(name, v);
            }
            _ => return Err(app_error(&AcceptError::InvalidHeader(h.name.clone()))),
        }
    }
    Ok((response, deflate.map(|(_, params)| params)))
}

/// The answer to a request core refused: its status (400, 403, 405, 426,
/// 431) and the reason as text, as `accept` would send it.
pub(crate) fn refusal<B: From<String>>(err: &HandshakeError) -> http::Response<B> {
    let mut response = text_response(err.status(), format!("{err}\n"));
    if err.status() == 426 {
        response.headers_mut().insert(
            http::header::SEC_WEBSOCKET_VERSION,
            HeaderValue::from_static("13"),
        );
    }
    response
}

/// The answer for an application's own [`Rejection`] (headers that cannot
/// be sent are left out).
pub(crate) fn rejection<B: From<String>>(rejection: Rejection) -> http::Response<B> {
    let body = String::from_utf8_lossy(&rejection.body).into_owned();
    let mut response = http::Response::new(B::from(body));
    *response.status_mut() =
        StatusCode::from_u16(rejection.status).unwrap_or(StatusCode::FORBIDDEN);
    for h in &rejection.headers {
        if let (Ok(name), Ok(v)) = (
            HeaderName::from_bytes(h.name.as_bytes()),
            HeaderValue::from_bytes(&h.value),
        ) {
            response.headers_mut().append(name, v);
        }
    }
    response
}

/// An `accept` that cannot answer this request is the application's bug: 500.
fn app_error<B: From<String>>(err: &AcceptError) -> http::Response<B> {
    text_response(500, format!("{err}\n"))
}

pub(crate) fn text_response<B: From<String>>(status: u16, body: String) -> http::Response<B> {
    let mut response = http::Response::new(B::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

/// The WebSocket a hyper upgrade becomes once the 101 went out: a future
/// that resolves when hyper hands over the connection.
#[must_use = "the WebSocket exists only once this future is awaited"]
pub struct Upgrading {
    on_upgrade: OnUpgrade,
    config: Option<Config>,
    deflate: Option<DeflateParams>,
    subprotocol: Option<String>,
}

impl Upgrading {
    pub(crate) fn new(
        on_upgrade: OnUpgrade,
        config: Config,
        deflate: Option<DeflateParams>,
        subprotocol: Option<String>,
    ) -> Self {
        Upgrading {
            on_upgrade,
            config: Some(config),
            deflate,
            subprotocol,
        }
    }
}

impl Future for Upgrading {
    /// The open WebSocket, or why hyper could not hand the connection over
    /// (the client left, the connection was not served `with_upgrades`).
    type Output = Result<UpgradedWebSocket, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let upgraded = ready!(Pin::new(&mut self.on_upgrade).poll(cx))
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        let config = self
            .config
            .take()
            .expect("Upgrading polled after it completed");
        let mut conn = Connection::upgraded(Role::Server, config, self.deflate.take());
        if let Some(name) = self.subprotocol.take() {
            conn = conn.with_subprotocol(name);
        }
        Poll::Ready(Ok(WebSocket::from_connection(TokioIo::new(upgraded), conn)))
    }
}
