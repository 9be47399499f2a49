//! An in-memory socket for the stream-based libraries: reads hand out the wire
//! image at most `CHUNK` bytes at a time (as a socket would), writes are copied
//! into a [`RingSink`].

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::ring_sink::RingSink;
use crate::workload::CHUNK;

pub struct MemStream<'a> {
    input: &'a [u8],
    sink: Option<&'a mut RingSink>,
}

impl<'a> MemStream<'a> {
    pub fn reader(input: &'a [u8]) -> Self {
        MemStream { input, sink: None }
    }

    pub fn writer(sink: &'a mut RingSink) -> Self {
        MemStream {
            input: &[],
            sink: Some(sink),
        }
    }

    fn put(&mut self, buf: &[u8]) {
        self.sink.as_mut().expect("a writer").put(buf);
    }

    fn read_into(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(CHUNK).min(self.input.len());
        dst[..n].copy_from_slice(&self.input[..n]);
        self.input = &self.input[n..];
        n
    }
}

impl io::Read for MemStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Ok(self.read_into(buf))
    }
}

impl io::Write for MemStream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl AsyncRead for MemStream<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let n = this.read_into(buf.initialize_unfilled());
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for MemStream<'_> {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().put(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let mut n = 0;
        for b in bufs {
            this.put(b);
            n += b.len();
        }
        Poll::Ready(Ok(n))
    }
    fn is_write_vectored(&self) -> bool {
        true
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
