//! LSP base protocol framing: `Content-Length: N\r\n\r\n` followed by N bytes
//! of JSON. The reader keeps its own buffer, so messages split across reads
//! or coalesced into one read come out whole; the length counts bytes, not
//! characters. Headers longer than [`MAX_HEADER_BYTES`], a missing or invalid
//! `Content-Length`, and bodies above the caller's cap are errors, never an
//! unbounded allocation.

use std::fmt;
use std::io::{self, Read, Write};

/// The whole header block (all lines and the blank line) must fit in this.
pub const MAX_HEADER_BYTES: usize = 8 * 1024;

#[derive(Debug)]
pub enum FrameError {
    Io(io::Error),
    /// The stream ended inside a message (EOF between messages is `Ok(None)`).
    Truncated,
    /// No `\r\n\r\n` within [`MAX_HEADER_BYTES`].
    HeaderTooLong,
    /// A header block without `Content-Length`.
    MissingLength,
    /// A header line that is not `Name: value`, or a length that is not a number.
    BadHeader(String),
    /// A body larger than the reader's cap.
    TooLarge {
        length: usize,
        max: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Io(e) => write!(f, "read error: {e}"),
            FrameError::Truncated => write!(f, "stream ended inside a message"),
            FrameError::HeaderTooLong => {
                write!(f, "header block longer than {MAX_HEADER_BYTES} bytes")
            }
            FrameError::MissingLength => write!(f, "message header has no Content-Length"),
            FrameError::BadHeader(line) => write!(f, "invalid message header: {line:?}"),
            FrameError::TooLarge { length, max } => {
                write!(f, "message of {length} bytes exceeds the {max}-byte limit")
            }
        }
    }
}

impl std::error::Error for FrameError {}

/// Reads framed messages from a byte stream.
pub struct FrameReader<R> {
    inner: R,
    buf: Vec<u8>,
    max_body: usize,
}

impl<R: Read> FrameReader<R> {
    pub fn new(inner: R, max_body: usize) -> Self {
        FrameReader {
            inner,
            buf: Vec::with_capacity(8 * 1024),
            max_body,
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    fn fill(&mut self) -> Result<bool, FrameError> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.inner.read(&mut chunk) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(FrameError::Io(e)),
            }
        }
    }

    /// The next message body, or `None` at a clean end of stream.
    pub fn read_message(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let header_end = loop {
            if let Some(at) = find(&self.buf, b"\r\n\r\n") {
                if at + 4 > MAX_HEADER_BYTES {
                    return Err(FrameError::HeaderTooLong);
                }
                break at;
            }
            if self.buf.len() >= MAX_HEADER_BYTES {
                return Err(FrameError::HeaderTooLong);
            }
            if !self.fill()? {
                return if self.buf.iter().all(u8::is_ascii_whitespace) {
                    Ok(None)
                } else {
                    Err(FrameError::Truncated)
                };
            }
        };
        let length = parse_headers(&self.buf[..header_end])?;
        if length > self.max_body {
            return Err(FrameError::TooLarge {
                length,
                max: self.max_body,
            });
        }
        let start = header_end + 4;
        while self.buf.len() < start + length {
            if !self.fill()? {
                return Err(FrameError::Truncated);
            }
        }
        let body = self.buf[start..start + length].to_vec();
        self.buf.drain(..start + length);
        Ok(Some(body))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_headers(block: &[u8]) -> Result<usize, FrameError> {
    let text = std::str::from_utf8(block)
        .map_err(|_| FrameError::BadHeader(String::from_utf8_lossy(block).into_owned()))?;
    let mut length = None;
    for line in text.split("\r\n") {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| FrameError::BadHeader(clip(line)))?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value.trim();
            let n = value
                .parse::<usize>()
                .map_err(|_| FrameError::BadHeader(clip(line)))?;
            length = Some(n);
        }
    }
    length.ok_or(FrameError::MissingLength)
}

fn clip(line: &str) -> String {
    line.chars().take(80).collect()
}

/// Writes one framed message.
pub fn write_message(w: &mut impl Write, body: &[u8]) -> io::Result<()> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    w.write_all(&out)?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its data in fixed-size pieces, like a pipe under load.
    struct Chunked {
        data: Vec<u8>,
        at: usize,
        step: usize,
    }

    impl Read for Chunked {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    fn framed(bodies: &[&str]) -> Vec<u8> {
        let mut out = Vec::new();
        for b in bodies {
            write_message(&mut out, b.as_bytes()).unwrap();
        }
        out
    }

    fn read_all(data: Vec<u8>, step: usize) -> Result<Vec<String>, FrameError> {
        let mut r = FrameReader::new(Chunked { data, at: 0, step }, 1 << 20);
        let mut out = Vec::new();
        while let Some(body) = r.read_message()? {
            out.push(String::from_utf8(body).unwrap());
        }
        Ok(out)
    }

    #[test]
    fn split_and_coalesced() {
        let bodies = ["{\"a\":1}", "{\"id\":2,\"result\":null}", "{}"];
        for step in [1, 2, 3, 7, 16, 1 << 16] {
            assert_eq!(
                read_all(framed(&bodies), step).unwrap(),
                bodies,
                "step {step}"
            );
        }
    }

    #[test]
    fn unicode_length_is_bytes() {
        let bodies = ["{\"m\":\"héllo — 日本語 🎉\"}", "{\"n\":\"ü\"}"];
        let data = framed(&bodies);
        assert!(String::from_utf8_lossy(&data)
            .contains(&format!("Content-Length: {}\r\n", bodies[0].len())));
        assert_eq!(read_all(data, 5).unwrap(), bodies);
    }

    #[test]
    fn extra_headers_and_case() {
        let data = b"content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".to_vec();
        assert_eq!(read_all(data, 4).unwrap(), ["{}"]);
    }

    #[test]
    fn oversized_header_rejected() {
        let mut data = b"X-Junk: ".to_vec();
        data.extend(std::iter::repeat_n(b'a', 100_000));
        let err = read_all(data, 4096).unwrap_err();
        assert!(matches!(err, FrameError::HeaderTooLong), "{err}");
        // A flood of bytes with no header end at all.
        let err = read_all(vec![b'x'; 1 << 20], 1 << 16).unwrap_err();
        assert!(matches!(err, FrameError::HeaderTooLong), "{err}");
    }

    #[test]
    fn oversized_body_rejected() {
        let data = b"Content-Length: 99999999999\r\n\r\n".to_vec();
        let err = read_all(data, 64).unwrap_err();
        assert!(matches!(err, FrameError::TooLarge { .. }), "{err}");
        assert!(err.to_string().contains("exceeds"));
    }

    #[test]
    fn missing_or_bad_header_rejected() {
        let err = read_all(b"Content-Type: x\r\n\r\n{}".to_vec(), 64).unwrap_err();
        assert!(matches!(err, FrameError::MissingLength), "{err}");
        let err = read_all(b"Content-Length: ten\r\n\r\n{}".to_vec(), 64).unwrap_err();
        assert!(matches!(err, FrameError::BadHeader(_)), "{err}");
        let err = read_all(b"garbage line\r\n\r\n{}".to_vec(), 64).unwrap_err();
        assert!(matches!(err, FrameError::BadHeader(_)), "{err}");
    }

    #[test]
    fn truncated_and_clean_eof() {
        assert!(read_all(Vec::new(), 8).unwrap().is_empty());
        let err = read_all(b"Content-Length: 10\r\n\r\n{}".to_vec(), 8).unwrap_err();
        assert!(matches!(err, FrameError::Truncated), "{err}");
        let err = read_all(b"Content-Len".to_vec(), 8).unwrap_err();
        assert!(matches!(err, FrameError::Truncated), "{err}");
    }
}
