//! Reading audit logs: plain or gzip files (detected by content, not name), stdin, and rotated
//! sets put in the order they were written — one line at a time, in bounded memory.
//!
//! A line longer than the cap is skipped (its length is reported) without ever being held in
//! memory whole, so one enormous line cannot exhaust memory or stop the stream.

use memchr::memchr;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// Default cap on one line: kube-apiserver's own limit on a request body is 3 MiB and events
/// at `RequestResponse` can hold two of them, so 16 MiB leaves ample room.
pub const DEFAULT_MAX_LINE: usize = 16 << 20;

const CHUNK: usize = 256 << 10;

/// One line, or why there is none.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    /// A complete line (without its `\n` and any `\r`).
    Text {
        /// 1-based line number.
        number: u64,
        /// The bytes.
        bytes: &'a [u8],
        /// Whether the stream ended without a newline after it (a possibly truncated last line).
        unterminated: bool,
    },
    /// A line longer than the cap; it was skipped.
    TooLong {
        /// 1-based line number.
        number: u64,
        /// Its length in bytes (up to the end of the stream if it has no newline).
        len: u64,
    },
}

/// Splits a byte stream into lines with a buffer that never grows past the line cap.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    number: u64,
    max_line: usize,
    bytes_read: u64,
}

impl<R: Read> LineReader<R> {
    /// A reader with the given cap on line length.
    pub fn new(inner: R, max_line: usize) -> Self {
        LineReader {
            inner,
            buf: vec![0; CHUNK.min(max_line.max(1)) + 1],
            start: 0,
            end: 0,
            eof: false,
            number: 0,
            max_line: max_line.max(1),
            bytes_read: 0,
        }
    }

    /// Bytes read from the underlying stream so far (after decompression).
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Reads more into the buffer; returns how many bytes arrived (0 at end of stream).
    fn fill(&mut self) -> io::Result<usize> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = (self.buf.len() * 2).min(self.max_line + 1);
            if grown <= self.buf.len() {
                return Ok(0);
            }
            self.buf.resize(grown, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(n) => {
                    self.end += n;
                    self.bytes_read += n as u64;
                    if n == 0 {
                        self.eof = true;
                    }
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The next line, `None` at the end of the stream.
    #[allow(clippy::should_implement_trait)] // lends from its buffer, so it cannot be an Iterator
    pub fn next(&mut self) -> io::Result<Option<Line<'_>>> {
        let mut scanned = 0;
        loop {
            if let Some(i) = memchr(b'\n', &self.buf[self.start + scanned..self.end]) {
                let s = self.start;
                let e = s + scanned + i;
                self.start = e + 1;
                self.number += 1;
                let bytes = strip_cr(&self.buf[s..e]);
                return Ok(Some(Line::Text {
                    number: self.number,
                    bytes,
                    unterminated: false,
                }));
            }
            scanned = self.end - self.start;
            if self.eof {
                if scanned == 0 {
                    return Ok(None);
                }
                let s = self.start;
                self.start = self.end;
                self.number += 1;
                return Ok(Some(Line::Text {
                    number: self.number,
                    bytes: strip_cr(&self.buf[s..self.end]),
                    unterminated: true,
                }));
            }
            if scanned > self.max_line {
                return self.skip_long_line(scanned as u64).map(Some);
            }
            self.fill()?;
        }
    }

    /// Drops the current line, which is already longer than the cap, up to its newline.
    fn skip_long_line(&mut self, mut len: u64) -> io::Result<Line<'static>> {
        self.number += 1;
        let number = self.number;
        self.start = 0;
        self.end = 0;
        loop {
            let n = self.fill()?;
            if let Some(i) = memchr(b'\n', &self.buf[..self.end]) {
                len += i as u64;
                self.start = i + 1;
                return Ok(Line::TooLong { number, len });
            }
            len += self.end as u64;
            self.end = 0;
            if n == 0 {
                return Ok(Line::TooLong { number, len });
            }
        }
    }
}

fn strip_cr(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// Wraps a stream in a gzip decoder when it starts with the gzip magic bytes.
pub fn maybe_gunzip<'a, R: Read + 'a>(mut r: R) -> io::Result<Box<dyn Read + 'a>> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match r.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let head = io::Cursor::new(magic[..got].to_vec());
    let whole = head.chain(r);
    if got == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(
            CHUNK,
            flate2::read::MultiGzDecoder::new(BufReader::with_capacity(CHUNK, whole)),
        )))
    } else {
        Ok(Box::new(whole))
    }
}

/// Opens a file for reading lines, decompressing gzip.
pub fn open(path: &Path) -> io::Result<Box<dyn Read>> {
    maybe_gunzip(File::open(path)?)
}

/// Where a file sits in its rotated set: files of one set sort oldest first.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Age {
    /// `audit.log.N[.gz]` (logrotate): higher N is older.
    Numbered(std::cmp::Reverse<u64>),
    /// `audit-2026-01-02T03-04-05.678.log[.gz]` (kube-apiserver's lumberjack backups).
    Stamped(String),
    /// The live file.
    Current,
}

/// The set a file belongs to (its name without rotation marks) and its age within it.
fn rotation_key(path: &Path) -> (PathBuf, Age) {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plain = name.strip_suffix(".gz").unwrap_or(&name);
    // logrotate: base.N
    if let Some((base, n)) = plain.rsplit_once('.')
        && !n.is_empty()
        && n.len() <= 6
        && n.bytes().all(|b| b.is_ascii_digit())
        && let Ok(n) = n.parse::<u64>()
    {
        return (dir.join(base), Age::Numbered(std::cmp::Reverse(n)));
    }
    // lumberjack: prefix-YYYY-MM-DDTHH-MM-SS.mmm.ext
    let (stem, ext) = match plain.rsplit_once('.') {
        Some((s, e)) if !e.is_empty() && !e.bytes().all(|b| b.is_ascii_digit()) => {
            (s, format!(".{e}"))
        }
        _ => (plain, String::new()),
    };
    const STAMP: usize = "2006-01-02T15-04-05.000".len();
    if stem.len() > STAMP + 1 {
        let split = stem.len() - STAMP;
        if let (Some(prefix), Some(stamp)) = (stem.get(..split - 1), stem.get(split..))
            && stem.as_bytes().get(split - 1) == Some(&b'-')
            && is_stamp(stamp)
        {
            return (
                dir.join(format!("{prefix}{ext}")),
                Age::Stamped(stamp.into()),
            );
        }
    }
    (dir.join(plain), Age::Current)
}

fn is_stamp(s: &str) -> bool {
    s.bytes().enumerate().all(|(i, b)| match i {
        4 | 7 | 13 | 16 => b == b'-',
        10 => b == b'T',
        19 => b == b'.',
        _ => b.is_ascii_digit(),
    })
}

/// Orders files so each rotated set reads oldest first (`audit.log.2`, `audit.log.1`,
/// `audit.log`; lumberjack backups by their timestamp, then the live file). Sets keep the order
/// in which they were first named; a file named twice is read once.
pub fn order_rotated(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut sets: Vec<PathBuf> = Vec::new();
    let mut keyed: Vec<(usize, Age, PathBuf)> = Vec::new();
    for f in files {
        if keyed.iter().any(|(_, _, p)| *p == f) {
            continue;
        }
        let (set, age) = rotation_key(&f);
        let idx = match sets.iter().position(|s| *s == set) {
            Some(i) => i,
            None => {
                sets.push(set);
                sets.len() - 1
            }
        };
        keyed.push((idx, age, f));
    }
    keyed.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    keyed.into_iter().map(|(_, _, p)| p).collect()
}

/// Expands the command-line inputs: files as given, directories to the regular files in them
/// (not recursive, hidden files skipped), then orders rotated sets.
pub fn expand_inputs(args: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for a in args {
        if a.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(a)?
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.is_file()
                        && !p
                            .file_name()
                            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                })
                .collect();
            inside.sort();
            out.extend(inside);
        } else {
            out.push(a.clone());
        }
    }
    Ok(order_rotated(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut r = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(l) = r.next().unwrap() {
            out.push(match l {
                Line::Text {
                    number,
                    bytes,
                    unterminated,
                } => format!(
                    "{number}:{}{}",
                    String::from_utf8_lossy(bytes),
                    if unterminated { "$" } else { "" }
                ),
                Line::TooLong { number, len } => format!("{number}:<{len}>"),
            });
        }
        out
    }

    #[test]
    fn splits_lines_and_marks_an_unterminated_last_line() {
        assert_eq!(
            lines(b"a\r\nbb\n\nccc", 100),
            ["1:a", "2:bb", "3:", "4:ccc$"]
        );
        assert!(lines(b"", 100).is_empty());
    }

    #[test]
    fn skips_lines_over_the_cap_and_goes_on() {
        let mut input = b"ok\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 1_000_000));
        input.extend(b"\nnext\n");
        input.extend(std::iter::repeat_n(b'y', 600_000));
        assert_eq!(
            lines(&input, 300_000),
            ["1:ok", "2:<1000000>", "3:next", "4:<600000>"]
        );
        // The buffer never grew past the cap.
        let mut r = LineReader::new(&input[..], 300_000);
        while r.next().unwrap().is_some() {}
        assert!(r.buf.len() <= 300_001);
    }

    #[test]
    fn reads_gzip_by_content() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"one\ntwo\n").unwrap();
        let bytes = gz.finish().unwrap();
        let r = maybe_gunzip(&bytes[..]).unwrap();
        let mut lr = LineReader::new(r, 1000);
        let mut n = 0;
        while lr.next().unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 2);
        let plain = maybe_gunzip(&b"x"[..]).unwrap();
        assert!(LineReader::new(plain, 10).next().unwrap().is_some());
    }

    #[test]
    fn orders_rotated_sets_oldest_first() {
        let p = |v: &[&str]| v.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(
            order_rotated(p(&[
                "/l/audit.log",
                "/l/audit.log.1",
                "/l/audit.log.2.gz",
                "/l/other.log"
            ])),
            p(&[
                "/l/audit.log.2.gz",
                "/l/audit.log.1",
                "/l/audit.log",
                "/l/other.log"
            ])
        );
        assert_eq!(
            order_rotated(p(&[
                "/l/audit.log",
                "/l/audit-2026-01-02T00-00-00.000.log.gz",
                "/l/audit-2026-01-01T00-00-00.000.log",
            ])),
            p(&[
                "/l/audit-2026-01-01T00-00-00.000.log",
                "/l/audit-2026-01-02T00-00-00.000.log.gz",
                "/l/audit.log"
            ])
        );
    }
}
