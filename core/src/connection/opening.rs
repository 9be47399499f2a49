//! The opening handshake phase: reading the HTTP head that opens the
//! connection (a server reads the request, a client the response), waiting for
//! the server application's answer, and the bytes that arrive meanwhile. The
//! HTTP itself is in `crate::handshake`.

use crate::config::Config;
use crate::error::HandshakeError;
use crate::handshake::{self, Rejection, Request, Response, ResponseOutcome};
use crate::head_scan::HeadScan;
use crate::origin;

#[derive(Debug)]
pub(super) struct Opening {
    stage: Stage,
    /// The head read so far, and on a server any frame bytes that arrive before `accept`.
    inbuf: Vec<u8>,
}

#[derive(Debug)]
enum Stage {
    /// Server: reading the request head (and how far the search for its end got).
    ReadingRequest(HeadScan),
    /// Server: the request was reported; waiting for `accept` or `reject`.
    AwaitingAnswer(Box<Request>),
    /// Client: our request is queued; reading the response head. Boxed, so that
    /// servers (the many) do not carry the client's state in every connection.
    ReadingResponse(Box<ReadingResponse>),
    /// Open (or over).
    Done,
}

/// What a client needs while it reads the server's response.
#[derive(Debug)]
struct ReadingResponse {
    key: String,
    subprotocols: Vec<String>,
    scan: HeadScan,
}

/// What received bytes came to.
pub(super) enum Step {
    /// Nothing complete yet.
    Wait,
    /// Server: a request arrived and passed the Origin and Host policy.
    Request(Request),
    /// Client: the server switched protocols; frame bytes that followed its head.
    Accepted(Response, Vec<u8>),
    /// Client: the server answered with another status.
    Rejected(Rejection),
    /// The handshake failed; `respond`: a server answers with an HTTP error.
    Failed {
        error: HandshakeError,
        respond: bool,
    },
}

impl Opening {
    pub(super) fn server() -> Opening {
        Opening::at(Stage::ReadingRequest(HeadScan::default()))
    }

    /// A client that sent a request with this `key`, offering `subprotocols`.
    pub(super) fn client(key: String, subprotocols: Vec<String>) -> Opening {
        Opening::at(Stage::ReadingResponse(Box::new(ReadingResponse {
            key,
            subprotocols,
            scan: HeadScan::default(),
        })))
    }

    /// A handshake done elsewhere.
    pub(super) fn done() -> Opening {
        Opening::at(Stage::Done)
    }

    fn at(stage: Stage) -> Opening {
        Opening {
            stage,
            inbuf: Vec::new(),
        }
    }

    /// Whether the handshake is still under way.
    #[inline]
    pub(super) fn is_pending(&self) -> bool {
        !matches!(self.stage, Stage::Done)
    }

    /// Server: the request waiting for `accept` or `reject`.
    pub(super) fn pending_request(&self) -> Option<&Request> {
        match &self.stage {
            Stage::AwaitingAnswer(request) => Some(request),
            _ => None,
        }
    }

    /// Ends the phase; returns the frame bytes that arrived early (a server's,
    /// before it accepted).
    pub(super) fn finish(&mut self) -> Vec<u8> {
        self.stage = Stage::Done;
        std::mem::take(&mut self.inbuf)
    }

    /// Reads handshake bytes.
    pub(super) fn receive(&mut self, data: &[u8], config: &Config) -> Step {
        match &mut self.stage {
            Stage::Done => Step::Wait,
            Stage::AwaitingAnswer(_) => {
                // Frames a client pipelines before our 101; bounded like a frame.
                if self.inbuf.len() + data.len() > config.max_handshake_size + config.max_frame_size
                {
                    return Step::Failed {
                        error: HandshakeError::TooLarge(config.max_handshake_size),
                        respond: true,
                    };
                }
                self.inbuf.extend_from_slice(data);
                Step::Wait
            }
            Stage::ReadingRequest(_) => {
                self.inbuf.extend_from_slice(data);
                self.read_request(config)
            }
            Stage::ReadingResponse(_) => {
                self.inbuf.extend_from_slice(data);
                self.read_response(config)
            }
        }
    }

    fn read_request(&mut self, config: &Config) -> Step {
        let Stage::ReadingRequest(scan) = &mut self.stage else {
            return Step::Wait;
        };
        let parsed = handshake::parse_request_scanned(&self.inbuf, config.max_handshake_size, scan)
            .and_then(|parsed| match parsed {
                // Origin and Host are judged before the application hears of it.
                Some((ref request, _)) => match &config.origin_policy {
                    Some(policy) => origin::check_request(policy, request).map(|()| parsed),
                    None => Ok(parsed),
                },
                None => Ok(None),
            });
        match parsed {
            Ok(None) => Step::Wait,
            Ok(Some((request, n))) => {
                self.inbuf.drain(..n);
                self.stage = Stage::AwaitingAnswer(Box::new(request.clone()));
                Step::Request(request)
            }
            Err(error) => Step::Failed {
                error,
                respond: true,
            },
        }
    }

    fn read_response(&mut self, config: &Config) -> Step {
        let Stage::ReadingResponse(reading) = &mut self.stage else {
            return Step::Wait;
        };
        let ReadingResponse {
            key,
            subprotocols,
            scan,
        } = &mut **reading;
        match handshake::parse_response_scanned(
            &self.inbuf,
            key,
            subprotocols,
            config.max_handshake_size,
            scan,
        ) {
            Ok(None) => Step::Wait,
            Ok(Some((ResponseOutcome::Accepted(response), n))) => {
                let rest = self.inbuf.split_off(n);
                self.finish();
                Step::Accepted(response, rest)
            }
            Ok(Some((ResponseOutcome::Rejected(rejection), _))) => Step::Rejected(rejection),
            Err(error) => Step::Failed {
                error,
                respond: false,
            },
        }
    }
}
