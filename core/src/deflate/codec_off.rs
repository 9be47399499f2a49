//! Without the `deflate` feature: the codec types exist but can never be
//! created, because negotiation always declines the extension.

/// Why inflating failed (never, without the feature).
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InflateError {
    TooBig,
    Corrupt,
    Budget,
}

#[derive(Debug)]
pub(crate) enum Deflater {}

impl Deflater {
    pub(crate) fn compress(&mut self, _data: &[u8], _fin: bool, _out: &mut Vec<u8>) -> Option<()> {
        match *self {}
    }
}

#[derive(Debug)]
pub(crate) enum Inflater {}

impl Inflater {
    pub(crate) fn inflate(
        &mut self,
        _input: &[u8],
        _out: &mut Vec<u8>,
        _limit: usize,
        _draw: &mut crate::budget::Draw,
    ) -> Result<(), InflateError> {
        match *self {}
    }

    pub(crate) fn finish_message(
        &mut self,
        _out: &mut Vec<u8>,
        _limit: usize,
        _draw: &mut crate::budget::Draw,
    ) -> Result<(), InflateError> {
        match *self {}
    }
}
