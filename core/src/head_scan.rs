//! Finding the end of an HTTP head that arrives in pieces, in time linear in its
//! length. Parsing the whole buffer on every read (what a server did before)
//! costs n²/2 byte visits for a head trickled in one byte at a time: 134 million
//! for a 16 KiB head. Here each byte is searched once for the blank line that
//! ends the head, and httparse runs only when that line has arrived, plus a few
//! early runs (at 1, 2, 4, … times the first read's length) so that bytes that
//! are not HTTP at all are still refused at once, not after the timeout.

/// How far the search for the end of a head got, kept between reads. Offsets
/// are `u32` (a head over 4 GiB is refused long before): 16 bytes in every
/// connection that is still in its handshake.
#[derive(Debug)]
pub(crate) struct HeadScan {
    /// Bytes of the buffer already searched for the blank line.
    scanned: u32,
    /// Where the first byte that is not CR or LF is (`NONE` until one arrived):
    /// httparse skips empty lines before the start line, so a blank line before
    /// it does not end the head.
    content_from: u32,
    /// The buffer length at which the next early parse is due (doubles each time).
    parse_at: u32,
    /// Non-zero once a response head is complete and only its body is missing:
    /// the buffer length at which the whole response is there.
    wait_for: u32,
    /// Bytes searched plus bytes handed to httparse: what the tests count.
    #[cfg(test)]
    pub(crate) examined: usize,
}

const NONE: u32 = u32::MAX;

/// `n` as a `u32`, saturated.
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(NONE)
}

impl Default for HeadScan {
    fn default() -> Self {
        HeadScan {
            scanned: 0,
            content_from: NONE,
            parse_at: 0,
            wait_for: 0,
            #[cfg(test)]
            examined: 0,
        }
    }
}

impl HeadScan {
    /// Whether httparse should look at `window` (the buffer up to the size limit)
    /// now: the blank line that ends a head has arrived in the bytes not searched
    /// yet, an early parse is due, or `over_limit` (the buffer is longer than the
    /// limit, so this is the last look). Searches each byte once.
    pub(crate) fn parse_due(&mut self, window: &[u8], over_limit: bool) -> bool {
        if self.wait_for != 0 {
            // The head is known; a body full of blank lines must not re-parse it.
            return small(window.len()) >= self.wait_for || over_limit;
        }
        let from = (self.scanned as usize).min(window.len());
        #[cfg(test)]
        {
            self.examined += window.len() - from;
        }
        let mut found = false;
        for (i, &b) in window.iter().enumerate().skip(from) {
            if self.content_from == NONE && b != b'\r' && b != b'\n' {
                self.content_from = small(i);
            }
            // A line ending followed by an empty line: "\n\n" or "\n\r\n"
            // (httparse accepts bare LF line endings), looking back at most two
            // bytes, which may have arrived in an earlier read.
            if b == b'\n' {
                let blank = match i.checked_sub(1).map(|j| window[j]) {
                    Some(b'\n') => Some(i - 1),
                    Some(b'\r') if i >= 2 && window[i - 2] == b'\n' => Some(i - 2),
                    _ => None,
                };
                if blank.is_some_and(|at| (self.content_from as usize) < at) {
                    // Resume after it should httparse still want more (it cannot
                    // for a head that really ends here, but never loop on it).
                    self.scanned = small(i + 1);
                    found = true;
                    break;
                }
            }
        }
        if !found {
            self.scanned = small(window.len());
        }
        let early = small(window.len()) >= self.parse_at;
        if early {
            self.parse_at = small(window.len()).saturating_mul(2).max(1);
        }
        let due = found || early || over_limit;
        #[cfg(test)]
        if due {
            self.examined += window.len();
        }
        due
    }

    /// The head is complete and announces a body: parse again only once the
    /// buffer holds `total` bytes (head and body).
    pub(crate) fn wait_for(&mut self, total: usize) {
        self.wait_for = small(total).max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `head` to a scan in `chunk`-byte reads; returns the scan and the
    /// buffer length at which a parse was first due with the end found.
    fn feed(head: &[u8], chunk: usize) -> (HeadScan, Vec<usize>) {
        let mut scan = HeadScan::default();
        let mut due_at = Vec::new();
        let mut end = 0;
        while end < head.len() {
            end = (end + chunk).min(head.len());
            if scan.parse_due(&head[..end], false) {
                due_at.push(end);
            }
        }
        (scan, due_at)
    }

    #[test]
    fn due_when_the_blank_line_arrives_in_any_split() {
        let head = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        for chunk in 1..=head.len() {
            let (_, due) = feed(head, chunk);
            assert_eq!(due.last(), Some(&head.len()), "chunk {chunk}: {due:?}");
        }
        // Bare LF line endings end a head too, as httparse reads them.
        let (_, due) = feed(b"GET / HTTP/1.1\nHost: a\n\n", 1);
        assert_eq!(due.last(), Some(&24));
    }

    #[test]
    fn empty_lines_before_the_start_line_do_not_end_the_head() {
        let head = b"\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let (_, due) = feed(head, 1);
        // Early parses at 1, 2, 4, 8, 16 bytes; then only the real end.
        assert_eq!(due, [1, 2, 4, 8, 16, head.len()]);
    }

    #[test]
    fn a_head_fed_one_byte_at_a_time_costs_linear_work() {
        // 16 KiB of small headers, the most the default limit lets through.
        let mut head = b"GET /chat HTTP/1.1\r\n".to_vec();
        while head.len() < (16 << 10) - 20 {
            head.extend_from_slice(b"X-Filler: abcdefgh\r\n");
        }
        head.extend_from_slice(b"\r\n");
        let n = head.len();
        let (scan, due) = feed(&head, 1);
        assert_eq!(due.last(), Some(&n));
        // Each byte searched once, plus early parses (1 + 2 + 4 + … < 2n) and the
        // final one (n). Parsing the whole buffer on each read would be n(n+1)/2.
        let quadratic = n * (n + 1) / 2;
        println!(
            "{n}-byte head, one byte per read: {} bytes examined (whole-buffer parsing: {quadratic})",
            scan.examined
        );
        assert!(
            scan.examined <= 4 * n,
            "{} bytes examined for {n}",
            scan.examined
        );
        assert!(due.len() <= 17, "{} parses", due.len());
    }
}
