//! TLS for `wss://` (the `rustls` feature): tokio-rustls on the client side,
//! with Mozilla's root certificates (webpki-roots) or a `ClientConfig` the
//! application brings (its own CA, a self-signed test certificate, the
//! platform verifier).
//!
//! A server needs nothing from this module: a tokio-rustls `TlsAcceptor`
//! yields a stream that [`crate::accept`] takes like a `TcpStream`.

use std::io;
use std::sync::{Arc, OnceLock};

use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;
use wscore::{ClientRequest, Config, Response};

use crate::connect::MaybeTlsStream;
use crate::error::Error;
use crate::handshake::client_with;
use crate::websocket::WebSocket;

/// The TLS settings `connect` uses for `wss://`: Mozilla's roots
/// (webpki-roots), TLS 1.2 and 1.3. Built once and shared. The crypto provider
/// is the process default if the application installed one, else ring.
pub fn default_client_config() -> Arc<ClientConfig> {
    static CONFIG: OnceLock<Arc<ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            let provider = tokio_rustls::rustls::crypto::CryptoProvider::get_default()
                .cloned()
                .unwrap_or_else(
                    || Arc::new(tokio_rustls::rustls::crypto::ring::default_provider()),
                );
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("the provider supports the default TLS versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// Client: [`crate::connect_with`] with the TLS settings `tls` for a `wss://`
/// URL (a root store with your own CA, client certificates, ALPN...). A
/// `ws://` URL connects without TLS, as `connect_with` does.
///
/// ```no_run
/// use std::sync::Arc;
/// use wscore_tokio::rustls::{pki_types::CertificateDer, ClientConfig, RootCertStore};
/// use wscore_tokio::{connect_tls, ClientRequest, Config};
///
/// # async fn run(ca_der: Vec<u8>) -> Result<(), wscore_tokio::Error> {
/// let mut roots = RootCertStore::empty();
/// roots.add(CertificateDer::from(ca_der)).expect("a valid CA certificate");
/// let tls = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
/// let request = ClientRequest::new("wss://localhost:9443/");
/// let (ws, _response) = connect_tls(request, Config::default(), Arc::new(tls)).await?;
/// # Ok(())
/// # }
/// ```
pub async fn connect_tls(
    request: ClientRequest,
    config: Config,
    tls: Arc<ClientConfig>,
) -> Result<(WebSocket<MaybeTlsStream>, Response), Error> {
    let endpoint = wscore::binding::endpoint(&request.url)?;
    let tcp = TcpStream::connect((endpoint.host.as_str(), endpoint.port)).await?;
    tcp.set_nodelay(true)?;
    let stream = if endpoint.secure {
        wrap(tcp, &endpoint.host, tls).await?
    } else {
        MaybeTlsStream::Plain(tcp)
    };
    client_with(stream, request, config).await
}

/// The TLS handshake over `tcp`, for the server named `host` (a DNS name or
/// an IP address without brackets; the certificate must name it).
pub(crate) async fn wrap(
    tcp: TcpStream,
    host: &str,
    tls: Arc<ClientConfig>,
) -> io::Result<MaybeTlsStream> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{host:?}: {e}")))?;
    let stream = TlsConnector::from(tls).connect(name, tcp).await?;
    Ok(MaybeTlsStream::Rustls(Box::new(stream)))
}
