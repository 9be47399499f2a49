//! The names of a connection's states, each with the one spelling every
//! adapter uses (`as_str`, equal to the serde name).

/// Which end of the connection we are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Role {
    /// We opened the connection; our frames are masked.
    Client,
    /// We accepted the connection; our frames are not masked.
    Server,
}

/// The state of one direction of the connection (h11's `our_state`/`their_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum SideState {
    /// The opening handshake is not complete.
    Connecting,
    /// Messages may flow in this direction.
    Open,
    /// A close frame went this way, or the connection failed or ended: nothing more will.
    Closed,
}

/// The state of the whole connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum State {
    /// The opening handshake is in progress.
    Connecting,
    /// Both directions are open.
    Open,
    /// One side has sent a close frame; the closing handshake is under way.
    Closing,
    /// [`crate::Event::Closed`] has been reported.
    Closed,
}

impl Role {
    /// `"client"` or `"server"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
        }
    }
}

impl SideState {
    /// `"connecting"`, `"open"` or `"closed"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            SideState::Connecting => "connecting",
            SideState::Open => "open",
            SideState::Closed => "closed",
        }
    }
}

impl State {
    /// `"connecting"`, `"open"`, `"closing"` or `"closed"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            State::Connecting => "connecting",
            State::Open => "open",
            State::Closing => "closing",
            State::Closed => "closed",
        }
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;
    use crate::Initiator;

    /// `as_str` is the serde name, so JSON and the adapters agree.
    #[test]
    fn as_str_is_the_serde_name() {
        fn serde_name(v: impl serde::Serialize) -> String {
            serde_json::to_value(v)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        }
        for r in [Role::Client, Role::Server] {
            assert_eq!(r.as_str(), serde_name(r));
        }
        for s in [SideState::Connecting, SideState::Open, SideState::Closed] {
            assert_eq!(s.as_str(), serde_name(s));
        }
        for s in [
            State::Connecting,
            State::Open,
            State::Closing,
            State::Closed,
        ] {
            assert_eq!(s.as_str(), serde_name(s));
        }
        for i in [
            Initiator::Local,
            Initiator::Remote,
            Initiator::ProtocolError,
            Initiator::Transport,
        ] {
            assert_eq!(i.as_str(), serde_name(i));
        }
    }
}
