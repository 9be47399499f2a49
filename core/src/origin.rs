//! Which pages and which host names may open a connection: the server's
//! defence against cross-site WebSocket hijacking (a page on another site
//! opening a socket that rides the visitor's cookies) and DNS rebinding (a page
//! whose host name was re-pointed at this server, so the `Host` header names
//! the attacker's domain).
//!
//! Browsers always send `Origin` on a WebSocket handshake and scripts cannot
//! change it; other clients usually send none, so a request without one is let
//! through unless the policy requires it.

use crate::error::HandshakeError;
use crate::handshake::Request;

/// The entry of [`OriginPolicy::origins`] that allows a page served by this very
/// host: the `Origin`'s host and port equal the `Host` header's.
pub const SAME_ORIGIN: &str = "same-origin";
/// The entry of [`OriginPolicy::origins`] that allows `Origin: null` (sandboxed
/// iframes, `file:` pages, some redirects): refused unless listed.
pub const NULL_ORIGIN: &str = "null";

/// The `Origin` and `Host` checks a server runs on each upgrade request
/// ([`crate::Config::origin_policy`]). The default checks nothing. A refused request
/// is answered 403 with a `text/plain` body naming the offending value and what
/// is allowed; the application never sees it (only `Closed` 1006 with the error).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default))]
pub struct OriginPolicy {
    /// `None`: `Origin` is not checked. `Some(list)`: a request's `Origin` must be
    /// one of these exact origins, `scheme://host[:port]` (scheme and host compared
    /// case-insensitively, a default port the same as none), or match
    /// [`SAME_ORIGIN`]; `Origin: null` only with [`NULL_ORIGIN`] in the list.
    /// `Some(vec![])` refuses every browser.
    pub origins: Option<Vec<String>>,
    /// Refuse requests that carry no `Origin` (allowed by default: non-browser
    /// clients send none, and a browser cannot leave it out).
    pub require_origin: bool,
    /// `None`: any `Host`. `Some(list)`: the `Host` header must match one entry:
    /// `host` (any port), `host:port`, `[v6]`/`[v6]:port`, `*.example.com` (any
    /// subdomain of it, any port) or `*` (anything). Case-insensitive. This is what
    /// stops DNS rebinding, which [`SAME_ORIGIN`] alone does not.
    pub allowed_hosts: Option<Vec<String>>,
}

impl OriginPolicy {
    /// Only pages served by this host (`Origin` matching `Host`), plus clients without `Origin`.
    pub fn same_origin() -> Self {
        OriginPolicy::origins([SAME_ORIGIN])
    }

    /// Only these origins (entries as in [`OriginPolicy::origins`]), plus clients without `Origin`.
    pub fn origins<S: Into<String>>(origins: impl IntoIterator<Item = S>) -> Self {
        OriginPolicy {
            origins: Some(origins.into_iter().map(Into::into).collect()),
            ..OriginPolicy::default()
        }
    }

    /// The same policy, also requiring the `Host` header to match one of `hosts`.
    pub fn with_allowed_hosts<S: Into<String>>(
        mut self,
        hosts: impl IntoIterator<Item = S>,
    ) -> Self {
        self.allowed_hosts = Some(hosts.into_iter().map(Into::into).collect());
        self
    }

    /// Whether any check is on (the default policy checks nothing).
    pub fn is_active(&self) -> bool {
        self.origins.is_some() || self.require_origin || self.allowed_hosts.is_some()
    }

    /// Checks every entry; an entry that does not parse would never match, so
    /// adapters refuse such a policy up front with this message.
    pub fn validate(&self) -> Result<(), String> {
        for entry in self.origins.iter().flatten() {
            if entry != SAME_ORIGIN && entry != NULL_ORIGIN && parse_origin(entry).is_none() {
                return Err(format!(
                    "invalid allowed origin {entry:?}: expected scheme://host[:port] (no path), \
                     {SAME_ORIGIN:?} or {NULL_ORIGIN:?}"
                ));
            }
        }
        for entry in self.allowed_hosts.iter().flatten() {
            if host_pattern(entry).is_none() {
                return Err(format!(
                    "invalid allowed host {entry:?}: expected host, host:port, [v6]:port, \
                     *.domain or *"
                ));
            }
        }
        Ok(())
    }
}

/// Checks an upgrade request's `Origin` and `Host` against `policy`, for adapters
/// whose handshake is done elsewhere (an ASGI app behind another server). `origin`
/// and `host` are the header values, `None` when absent; several `Origin` headers
/// joined with ", " are refused as not being one origin. `Err` carries the 403
/// error a server answers with.
pub fn check_origin(
    policy: &OriginPolicy,
    origin: Option<&str>,
    host: Option<&str>,
) -> Result<(), HandshakeError> {
    if let Some(hosts) = &policy.allowed_hosts {
        let parsed = host.and_then(parse_host);
        let ok = parsed.as_ref().is_some_and(|(name, port)| {
            hosts
                .iter()
                .filter_map(|entry| host_pattern(entry))
                .any(|pattern| pattern.matches(name, *port))
        });
        if !ok {
            return Err(HandshakeError::HostNotAllowed {
                host: shorten(host.unwrap_or_default()),
                allowed: describe(hosts),
            });
        }
    }
    let Some(origin) = origin else {
        if policy.require_origin {
            return Err(HandshakeError::OriginRequired);
        }
        return Ok(());
    };
    let Some(allowed) = &policy.origins else {
        return Ok(());
    };
    let listed = |entry: &str| allowed.iter().any(|a| a == entry);
    let ok = if origin == NULL_ORIGIN {
        listed(NULL_ORIGIN)
    } else if let Some(o) = parse_origin(origin) {
        allowed.iter().any(|a| parse_origin(a).as_ref() == Some(&o))
            || (listed(SAME_ORIGIN)
                && host.and_then(parse_host).is_some_and(|(name, port)| {
                    // Only web origins (http, https): their port is known.
                    o.port_or_default().is_some()
                        && name == o.host
                        && port.or(default_port(&o.scheme)) == o.port_or_default()
                }))
    } else {
        false
    };
    if ok {
        Ok(())
    } else {
        let same = format!(
            "{SAME_ORIGIN} (Host {:?})",
            shorten(host.unwrap_or_default())
        );
        let entries: Vec<String> = allowed
            .iter()
            .map(|a| {
                if a == SAME_ORIGIN {
                    same.clone()
                } else {
                    a.clone()
                }
            })
            .collect();
        Err(HandshakeError::OriginNotAllowed {
            origin: shorten(origin),
            allowed: describe(&entries),
        })
    }
}

/// [`check_origin`] on a parsed request: a server's handshake, or an adapter's
/// that parsed the request itself (hyper, axum). Several headers of one name
/// count as one value joined with ", ", so several `Origin`s are refused.
pub fn check_request(policy: &OriginPolicy, request: &Request) -> Result<(), HandshakeError> {
    if !policy.is_active() {
        return Ok(());
    }
    let text = |name: &str| -> Option<String> {
        let values: Vec<_> = request
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| {
                String::from_utf8_lossy(&h.value)
                    .trim_matches([' ', '\t'])
                    .to_string()
            })
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    check_origin(policy, text("Origin").as_deref(), text("Host").as_deref())
}

// ---------------------------------------------------------------------------

/// A serialized origin, lower-cased, its port only when it is not the scheme's default.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn port_or_default(&self) -> Option<u16> {
        self.port.or(default_port(&self.scheme))
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// `scheme://host[:port]`, nothing else (a browser's `Origin` never has a path).
fn parse_origin(s: &str) -> Option<Origin> {
    let (scheme, authority) = s.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let mut chars = scheme.bytes();
    if !chars.next()?.is_ascii_alphabetic()
        || !chars.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let (host, port) = parse_host(authority)?;
    let port = port.filter(|&p| Some(p) != default_port(&scheme));
    Some(Origin { scheme, host, port })
}

/// A `Host` value (or an origin's authority): lower-cased host and its port, if given.
fn parse_host(s: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if s.starts_with('[') {
        let end = s.find(']')? + 1;
        let (host, rest) = s.split_at(end);
        let valid = host[1..end - 1]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !valid || end == 2 {
            return None;
        }
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match s.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (s, None),
        }
    };
    let host_ok = !host.is_empty()
        && (host.starts_with('[')
            || host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)));
    if !host_ok {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

/// One entry of [`OriginPolicy::allowed_hosts`], parsed.
enum HostPattern {
    Any,
    /// `*.example.com`: the suffix `.example.com`.
    Subdomains(String),
    Exact(String, Option<u16>),
}

impl HostPattern {
    fn matches(&self, host: &str, port: Option<u16>) -> bool {
        match self {
            HostPattern::Any => true,
            HostPattern::Subdomains(suffix) => {
                host.len() > suffix.len() && host.ends_with(suffix.as_str())
            }
            HostPattern::Exact(name, None) => name == host,
            HostPattern::Exact(name, Some(p)) => name == host && port == Some(*p),
        }
    }
}

fn host_pattern(entry: &str) -> Option<HostPattern> {
    if entry == "*" {
        return Some(HostPattern::Any);
    }
    if let Some(domain) = entry.strip_prefix("*.") {
        let (name, port) = parse_host(domain)?;
        return (port.is_none() && !name.starts_with('['))
            .then(|| HostPattern::Subdomains(format!(".{name}")));
    }
    let (name, port) = parse_host(entry)?;
    Some(HostPattern::Exact(name, port))
}

/// What is allowed, for the refusal's message.
fn describe(entries: &[String]) -> String {
    if entries.is_empty() {
        "none".to_string()
    } else {
        entries.join(", ")
    }
}

/// An offending header value as the message quotes it: at most 100 characters.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(100) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(origins: &[&str]) -> OriginPolicy {
        OriginPolicy::origins(origins.iter().copied())
    }

    #[test]
    fn origins_normalise_case_and_default_ports() {
        let p = policy(&["https://App.Example", "http://localhost:8000"]);
        for ok in [
            "https://app.example",
            "HTTPS://APP.EXAMPLE:443",
            "http://localhost:8000",
        ] {
            assert_eq!(check_origin(&p, Some(ok), Some("x")), Ok(()), "{ok}");
        }
        for bad in [
            "http://app.example",
            "https://app.example:8443",
            "https://app.example.evil",
            "https://evil-app.example",
            "https://app.example/",
            "http://localhost",
            "null",
            "",
            "app.example",
        ] {
            assert!(check_origin(&p, Some(bad), Some("x")).is_err(), "{bad}");
        }
    }

    #[test]
    fn same_origin_compares_host_and_port() {
        let p = OriginPolicy::same_origin();
        let ok = |o: &str, h: &str| check_origin(&p, Some(o), Some(h)).is_ok();
        assert!(ok("http://127.0.0.1:8000", "127.0.0.1:8000"));
        assert!(ok("https://chat.example", "chat.example"));
        assert!(ok("https://chat.example", "Chat.Example:443"));
        assert!(ok("http://[::1]:8000", "[::1]:8000"));
        assert!(!ok("http://127.0.0.1:8001", "127.0.0.1:8000"));
        assert!(!ok("http://localhost:8000", "127.0.0.1:8000"));
        assert!(!ok("https://chat.example", "chat.example:80"));
        assert!(check_origin(&p, Some("http://a"), None).is_err());
    }

    #[test]
    fn null_only_when_listed_and_missing_only_when_not_required() {
        assert!(check_origin(&OriginPolicy::same_origin(), Some("null"), Some("a")).is_err());
        assert_eq!(
            check_origin(&policy(&["null"]), Some("null"), Some("a")),
            Ok(())
        );
        assert_eq!(
            check_origin(&OriginPolicy::same_origin(), None, Some("a")),
            Ok(())
        );
        let required = OriginPolicy {
            require_origin: true,
            ..OriginPolicy::same_origin()
        };
        assert_eq!(
            check_origin(&required, None, Some("a")),
            Err(HandshakeError::OriginRequired)
        );
        assert!(check_origin(&policy(&[]), Some("http://a"), Some("a")).is_err());
    }

    #[test]
    fn allowed_hosts() {
        let p = OriginPolicy::default().with_allowed_hosts([
            "localhost",
            "127.0.0.1:8000",
            "*.example.com",
            "[::1]",
        ]);
        for ok in [
            "localhost",
            "LOCALHOST:1234",
            "127.0.0.1:8000",
            "a.example.com",
            "b.a.example.com:1",
            "[::1]:9",
        ] {
            assert_eq!(check_origin(&p, None, Some(ok)), Ok(()), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "127.0.0.1:8001",
            "example.com",
            "evil.com",
            "localhost.evil.com",
            "",
            "a b",
        ] {
            assert!(
                matches!(
                    check_origin(&p, None, Some(bad)),
                    Err(HandshakeError::HostNotAllowed { .. })
                ),
                "{bad}"
            );
        }
        assert!(check_origin(&p, None, None).is_err());
        let any = OriginPolicy::default().with_allowed_hosts(["*"]);
        assert_eq!(check_origin(&any, None, Some("whatever:1")), Ok(()));
    }

    #[test]
    fn refusal_names_the_value_and_what_is_allowed() {
        let p = OriginPolicy::origins(["https://a.example", SAME_ORIGIN]);
        let err = check_origin(&p, Some("https://evil.example"), Some("chat:80")).unwrap_err();
        assert_eq!(err.status(), 403);
        assert_eq!(
            err.to_string(),
            "origin \"https://evil.example\" is not allowed \
             (allowed: https://a.example, same-origin (Host \"chat:80\"))"
        );
        let long = format!("https://{}", "a".repeat(500));
        let message = check_origin(&p, Some(&long), Some("h"))
            .unwrap_err()
            .to_string();
        assert!(message.len() < 250, "{message}");
    }

    #[test]
    fn arbitrary_values_never_panic() {
        // Pieces that reach every branch of the parsers, glued pseudo-randomly.
        const PIECES: [&str; 16] = [
            "http",
            "://",
            "[",
            "]",
            ":",
            "::1",
            "8000",
            "99999",
            "a",
            ".",
            "*",
            "/",
            "é",
            " ",
            "null",
            "same-origin",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut piece =
            |n: u64| -> String { (0..n % 7).map(|_| PIECES[(next() % 16) as usize]).collect() };
        for i in 0..20_000u64 {
            let (a, b, c) = (piece(i), piece(i / 3), piece(i / 5));
            let policy = OriginPolicy {
                origins: Some(vec![a.clone(), SAME_ORIGIN.into()]),
                require_origin: i % 2 == 0,
                allowed_hosts: Some(vec![c.clone()]),
            };
            let _ = policy.validate();
            let _ = check_origin(&policy, Some(&b), Some(&c));
            let _ = check_origin(&policy, Some(&a), Some(&b));
        }
    }

    #[test]
    fn validate_names_the_bad_entry() {
        assert_eq!(OriginPolicy::same_origin().validate(), Ok(()));
        assert_eq!(
            policy(&["null", "https://a.example:8443", "ws://x"]).validate(),
            Ok(())
        );
        for bad in [
            "https://a.example/",
            "a.example",
            "https://",
            "https://a:99999",
            "*",
        ] {
            let err = policy(&[bad]).validate().unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
        for bad in ["*.", "a:b", "*.a:80", "[zz]", "a.*"] {
            let err = OriginPolicy::default()
                .with_allowed_hosts([bad])
                .validate()
                .unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }
}
