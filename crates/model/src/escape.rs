//! Escaping for every place an input string can end up.
//!
//! Object names, labels, messages and snippets come from manifests, live clusters and audit
//! events: an attacker controls them. Each sink has one function here, and every renderer goes
//! through it:
//!
//! - [`terminal`]: human-readable output (table, plain text, plans). Control characters (C0, DEL,
//!   C1), and the Unicode bidirectional overrides and isolates used for "Trojan Source" tricks,
//!   are shown as visible escapes so a name cannot erase, move or recolour other output.
//! - [`terminal_line`]: the same, for a value that must stay on one line (a table cell, a
//!   comment): newlines and tabs are escaped too.
//! - [`shell_word`]: a single shell word, quoted for POSIX `sh` (`kubectl` scripts).
//! - [`shell_comment`]: text inside a `# ...` shell comment (a newline would end the comment and
//!   start a command).
//! - [`url_path_segment`] and [`url_query_value`]: one segment of an API path and one query value.
//! - [`html_text`]: text or a double-quoted attribute value in HTML.
//! - [`markdown_text`] and [`markdown_code`]: inline Markdown text and a code span, safe in a
//!   table cell or a list item (pull-request comments, job summaries).
//! - [`xml_text`] and [`xml_line`]: XML text and attribute values (JUnit): no control character,
//!   none of the characters XML 1.0 forbids.
//!
//! - [`json_pretty`], [`json_compact`], [`json_to_writer_pretty`] ([`JsonFormatter`]): JSON as
//!   serde_json writes it, except that DEL, C1 controls, bidirectional overrides and line
//!   separators are `\uXXXX` escapes too (serde_json escapes only C0), so JSON printed on a
//!   terminal is as safe as text; the decoded strings are unchanged.
//!
//! For renderers, two adapters make the terminal escaping hard to forget:
//!
//! - [`Term`] and [`TermLine`] wrap any `Display` value (`format!("{}", TermLine(&name))`) and
//!   escape what it formats, as [`terminal`] and [`terminal_line`] do.
//! - [`TerminalWriter`] wraps the `io::Write` a human-readable renderer writes to, and escapes
//!   every control character that reaches it except newlines and tabs (and, when colours are
//!   on, well-formed SGR colour sequences), as a backstop for a value a renderer forgot to wrap.

use std::borrow::Cow;
use std::fmt::{self, Display, Write};
use std::io;

/// Whether `c` must not reach a terminal raw.
fn is_hazard(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Bidirectional embeddings, overrides and isolates; line and paragraph separators.
        | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
        | '\u{2028}' | '\u{2029}')
}

fn push_escape(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{1b}' => out.push_str("\\e"),
        c if (c as u32) < 0x100 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

fn escape_where(s: &str, hazard: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&hazard) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hazard(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Escapes control characters for a terminal; newlines and tabs are kept.
pub fn terminal(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && c != '\t' && is_hazard(c))
}

/// Escapes control characters for a terminal, newlines and tabs included: the result is one line.
pub fn terminal_line(s: &str) -> Cow<'_, str> {
    escape_where(s, is_hazard)
}

/// Text for a `# ...` comment in a shell script: stays on one line, no control characters.
pub fn shell_comment(s: &str) -> Cow<'_, str> {
    terminal_line(s)
}

/// One shell word for POSIX `sh`: returned bare when it is made only of safe characters, else in
/// single quotes (a `'` inside becomes `'\''`). Control characters are escaped first, so a
/// quoted word never spans lines on the reviewer's screen.
pub fn shell_word(s: &str) -> Cow<'_, str> {
    let safe = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'/' | b':' | b'=' | b'@' | b',' | b'+'
                )
        });
    if safe {
        return Cow::Borrowed(s);
    }
    let visible = terminal_line(s);
    let mut out = String::with_capacity(visible.len() + 2);
    out.push('\'');
    for c in visible.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    Cow::Owned(out)
}

/// A single-quoted `printf` format that prints exactly `s`, written on one line: for a shell
/// script that must pass a value holding control characters unchanged ([`shell_word`] shows
/// them as visible escapes, which changes the value). Every byte of a character [`terminal_line`]
/// escapes becomes an octal escape (`\012`), `\` becomes `\\`, `%` becomes `%%`, and a `'`
/// closes, escapes and reopens the quotes. Command substitution drops trailing newlines, so a
/// script that captures the output appends a sentinel and strips it:
/// `v=$(printf 'a\012_'); v=${v%_}`.
pub fn shell_printf_format(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '%' => out.push_str("%%"),
            '\'' => out.push_str("'\\''"),
            c if is_hazard(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\{b:03o}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod printf_tests {
    use super::shell_printf_format as f;

    #[test]
    fn printf_formats_are_one_line_and_exact() {
        assert_eq!(f("evil\ntouch PWNED\n"), "'evil\\012touch PWNED\\012'");
        assert_eq!(f("zz\r\x1b[2K"), "'zz\\015\\033[2K'");
        assert_eq!(f("it's 100% a\\b"), "'it'\\''s 100%% a\\\\b'");
        assert_eq!(f("u\u{202e}ü"), "'u\\342\\200\\256ü'");
        // What sh's printf makes of it is the original, byte for byte.
        for s in [
            "evil\ntouch PWNED\n",
            "zz\r\x1b[2K $(id) `id` \"q\" it's %s\\n",
            "u\u{202e}\u{7f}\u{9b}ü",
        ] {
            let script = format!("v=$(printf {}_); v=${{v%_}}; printf %s \"$v\"", f(s));
            let Ok(out) = std::process::Command::new("sh")
                .args(["-c", &script])
                .output()
            else {
                return; // no sh here
            };
            assert_eq!(String::from_utf8_lossy(&out.stdout), s, "{script}");
        }
    }
}

/// Characters left as they are in a path segment: RFC 3986 unreserved.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One segment of a URL path (`/api/v1/namespaces/{segment}/...`): everything but RFC 3986
/// unreserved characters is percent-encoded, so `/`, `?`, `#`, `%` and spaces cannot change the
/// request. `.` and `..` are encoded too, since they would be resolved as path steps.
pub fn url_path_segment(s: &str) -> Cow<'_, str> {
    match s {
        "." => Cow::Borrowed("%2E"),
        ".." => Cow::Borrowed("%2E%2E"),
        _ => percent_encoding::utf8_percent_encode(s, SEGMENT).into(),
    }
}

/// One query value (`?labelSelector={value}`): encoded like a path segment.
pub fn url_query_value(s: &str) -> Cow<'_, str> {
    percent_encoding::utf8_percent_encode(s, SEGMENT).into()
}

/// Text for HTML element content or a double-quoted attribute value.
pub fn html_text(s: &str) -> Cow<'_, str> {
    if !s.contains(['<', '>', '&', '"', '\'']) && !s.chars().any(is_hazard) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c != '\n' && c != '\t' && is_hazard(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Formats a value with [`terminal`] escaping (newlines and tabs kept). Width, fill and
/// alignment (`{:<20}`) apply to the escaped text.
#[derive(Clone, Copy, Debug)]
pub struct Term<T>(pub T);

/// Formats a value with [`terminal_line`] escaping: the output is one line. Width, fill and
/// alignment (`{:<20}`) apply to the escaped text.
#[derive(Clone, Copy, Debug)]
pub struct TermLine<T>(pub T);

/// A `fmt::Write` that escapes each piece before passing it on.
struct Escaping<'a, W: Write> {
    out: &'a mut W,
    line: bool,
}

impl<W: Write> Write for Escaping<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let escaped = if self.line {
            terminal_line(s)
        } else {
            terminal(s)
        };
        self.out.write_str(&escaped)
    }
}

fn fmt_escaped(v: &dyn Display, line: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if f.width().is_some() || f.precision().is_some() {
        let mut s = String::new();
        write!(Escaping { out: &mut s, line }, "{v}")?;
        return f.pad(&s);
    }
    write!(Escaping { out: f, line }, "{v}")
}

impl<T: Display> Display for Term<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_escaped(&self.0, false, f)
    }
}

impl<T: Display> Display for TermLine<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_escaped(&self.0, true, f)
    }
}

/// The longest SGR parameter string [`TerminalWriter`] lets through.
const MAX_SGR: usize = 64;

/// An `io::Write` for human-readable output that lets no control character reach the terminal
/// raw: everything [`terminal`] escapes is escaped here too, whichever way it was written.
/// With `colors`, well-formed SGR sequences (`ESC [ digits ; ... m`: colours and text effects)
/// pass, so styled output still renders; cursor movement, erasing, OSC (titles, hyperlinks)
/// and every other sequence are shown escaped.
///
/// This is the backstop under the per-value escaping ([`TermLine`]): it cannot tell a newline
/// of the layout from one inside a name, so values are still escaped where they are written.
pub struct TerminalWriter<W: io::Write> {
    inner: W,
    colors: bool,
    /// The start of a character or escape sequence the last write cut in two.
    pending: Vec<u8>,
}

impl<W: io::Write> TerminalWriter<W> {
    /// Wraps `inner`; `colors` lets SGR colour sequences through.
    pub fn new(inner: W, colors: bool) -> Self {
        TerminalWriter {
            inner,
            colors,
            pending: Vec::new(),
        }
    }

    /// Writes what is pending (a cut sequence) as escaped text and flushes the inner writer.
    pub fn finish(mut self) -> io::Result<()> {
        self.flush_pending()?;
        self.inner.flush()
    }

    fn flush_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let rest = std::mem::take(&mut self.pending);
        let mut out = String::new();
        match std::str::from_utf8(&rest) {
            Ok(s) => out.push_str(&terminal(s)),
            Err(_) => {
                for b in &rest {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
        }
        self.inner.write_all(out.as_bytes())
    }

    /// Length of the SGR sequence at the start of `s` (which starts with ESC): `Some(n)` when
    /// complete, `None` when it is not one, `Some(0)` when `s` ends before it can be told.
    fn sgr_len(s: &[u8]) -> Option<usize> {
        match s.get(1) {
            None => return Some(0),
            Some(b'[') => {}
            Some(_) => return None,
        }
        for (i, b) in s.iter().enumerate().skip(2) {
            match b {
                b'0'..=b'9' | b';' if i < MAX_SGR + 2 => {}
                b'm' => return Some(i + 1),
                _ => return None,
            }
        }
        if s.len() < MAX_SGR + 2 { Some(0) } else { None }
    }

    fn process(&mut self, data: &[u8]) -> io::Result<()> {
        let mut rest = data;
        while !rest.is_empty() {
            let (valid, bad) = match std::str::from_utf8(rest) {
                Ok(s) => (s, None),
                Err(e) => {
                    let (v, b) = rest.split_at(e.valid_up_to());
                    let v = std::str::from_utf8(v).unwrap_or_default();
                    (v, Some((b, e.error_len())))
                }
            };
            let mut start = 0;
            for (i, c) in valid.char_indices() {
                if c == '\n' || c == '\t' || !is_hazard(c) || i < start {
                    continue;
                }
                self.inner.write_all(&valid.as_bytes()[start..i])?;
                if c == '\u{1b}' && self.colors {
                    match Self::sgr_len(&valid.as_bytes()[i..]) {
                        Some(0) if bad.is_none() => {
                            // Cut by the end of this write: decide with the next one.
                            self.pending.extend_from_slice(&valid.as_bytes()[i..]);
                            return Ok(());
                        }
                        Some(n) if n > 0 => {
                            self.inner.write_all(&valid.as_bytes()[i..i + n])?;
                            start = i + n;
                            continue;
                        }
                        _ => {}
                    }
                }
                let mut esc = String::new();
                push_escape(&mut esc, c);
                self.inner.write_all(esc.as_bytes())?;
                start = i + c.len_utf8();
            }
            if start < valid.len() {
                self.inner.write_all(&valid.as_bytes()[start..])?;
            }
            match bad {
                None => rest = &[],
                // A character cut by the end of this write.
                Some((b, None)) => {
                    self.pending.extend_from_slice(b);
                    rest = &[];
                }
                Some((b, Some(n))) => {
                    let mut esc = String::new();
                    for byte in &b[..n] {
                        let _ = write!(esc, "\\x{byte:02x}");
                    }
                    self.inner.write_all(esc.as_bytes())?;
                    rest = &b[n..];
                }
            }
        }
        Ok(())
    }
}

impl<W: io::Write> io::Write for TerminalWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.process(buf)?;
        } else {
            let mut data = std::mem::take(&mut self.pending);
            data.extend_from_slice(buf);
            self.process(&data)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: io::Write> Drop for TerminalWriter<W> {
    fn drop(&mut self) {
        let _ = self.flush_pending();
    }
}

/// Whether `c` is one XML 1.0 does not allow in a document (`Char` production), besides the
/// control characters [`is_hazard`] covers.
fn xml_forbidden(c: char) -> bool {
    matches!(c, '\u{fffe}' | '\u{ffff}')
}

/// Text for XML element content: control characters (newlines and tabs kept), bidirectional
/// overrides and the characters XML 1.0 forbids are shown as visible escapes. Markup
/// characters (`<`, `&`, quotes) are left to the XML writer.
pub fn xml_text(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| {
        (c != '\n' && c != '\t' && is_hazard(c)) || xml_forbidden(c)
    })
}

/// [`xml_text`] on one line (newlines and tabs escaped too): for attribute values and names.
pub fn xml_line(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| is_hazard(c) || xml_forbidden(c))
}

/// Inline Markdown text that renders as exactly the input, on one line, in a GitHub-flavoured
/// table cell or list item: control characters and newlines become visible escapes; `\`,
/// `` ` ``, `*`, `~`, `[`, `]`, `|` and `_` (except inside a word) are backslash-escaped, so no
/// emphasis, code, link, image or extra cell can start; `<` and `>` become entities, so no raw
/// HTML or autolink; `&` becomes `&amp;` before what could be an entity name; and bare URL and
/// `www.` autolinks are broken (`\:` before `//`, `www\.`).
pub fn markdown_text(s: &str) -> Cow<'_, str> {
    let t = terminal_line(s);
    let special = |c: char| {
        matches!(
            c,
            '\\' | '`' | '*' | '~' | '[' | ']' | '|' | '_' | '<' | '>' | '&' | ':' | '.'
        )
    };
    if !t.contains(special) {
        return t;
    }
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        match c {
            '\\' | '`' | '*' | '~' | '[' | ']' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '_' if !(prev.is_some_and(char::is_alphanumeric)
                && next.is_some_and(char::is_alphanumeric)) =>
            {
                out.push_str("\\_");
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' if next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#') => {
                out.push_str("&amp;")
            }
            ':' if next == Some('/') => out.push_str("\\:"),
            '.' if i >= 3 && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w')) => {
                out.push_str("\\.")
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A Markdown code span showing exactly the input, on one line, safe in a GitHub-flavoured
/// table cell: control characters and newlines become visible escapes, `|` is escaped for the
/// table, and the backtick fence is longer than any run of backticks inside.
pub fn markdown_code(s: &str) -> String {
    let t = terminal_line(s);
    let t = t.replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in t.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = t.starts_with('`')
        || t.ends_with('`')
        || (t.len() > 1 && t.starts_with(' ') && t.ends_with(' ') && t.trim() != "");
    let sp = if pad { " " } else { "" };
    format!("{fence}{sp}{t}{sp}{fence}")
}

/// A serde_json formatter that writes, besides what JSON requires, every character
/// [`terminal`] would escape (DEL, C1 controls, bidirectional overrides, line separators) as a
/// `\uXXXX` escape. Wraps the formatter that decides the layout (compact or pretty).
pub struct JsonFormatter<F>(pub F);

/// Whether a string fragment may hold a character [`JsonFormatter`] escapes (serde_json has
/// already escaped C0 controls): DEL, or the lead byte of U+0080..U+009F, U+061C, U+200E..
/// U+206F.
fn json_suspect(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2))
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for JsonFormatter<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !json_suspect(fragment) {
            return w.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_hazard(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// `serde_json::to_writer_pretty`, through [`JsonFormatter`].
pub fn json_to_writer_pretty<W: io::Write, T: serde::Serialize + ?Sized>(
    w: W,
    value: &T,
) -> serde_json::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(
        w,
        JsonFormatter(serde_json::ser::PrettyFormatter::new()),
    );
    value.serialize(&mut ser)
}

/// `serde_json::to_vec_pretty`, through [`JsonFormatter`].
pub fn json_pretty_vec<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(128);
    json_to_writer_pretty(&mut out, value)?;
    Ok(out)
}

/// `serde_json::to_string_pretty`, through [`JsonFormatter`].
pub fn json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    // The serializer writes only valid UTF-8.
    Ok(String::from_utf8_lossy(&json_pretty_vec(value)?).into_owned())
}

/// `serde_json::to_string`, through [`JsonFormatter`].
pub fn json_compact<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(
        &mut out,
        JsonFormatter(serde_json::ser::CompactFormatter),
    );
    value.serialize(&mut ser)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_controls_and_bidi_but_keeps_text() {
        assert_eq!(terminal("zz\r\x1b[2K gone"), "zz\\r\\e[2K gone");
        assert_eq!(terminal("a\nb\tc"), "a\nb\tc");
        assert_eq!(terminal_line("a\nb\tc"), "a\\nb\\tc");
        assert_eq!(terminal("x\u{202e}y\u{9b}"), "x\\u{202e}y\\x9b");
        assert_eq!(terminal("ünïcode ok"), "ünïcode ok");
        assert!(matches!(terminal("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn shell_words_are_quoted_unless_plainly_safe() {
        assert_eq!(
            shell_word("rolebinding/alice-view"),
            "rolebinding/alice-view"
        );
        assert_eq!(shell_word("evil\ntouch PWNED\n"), "'evil\\ntouch PWNED\\n'");
        assert_eq!(shell_word("it's $(x)"), "'it'\\''s $(x)'");
        assert_eq!(shell_word(""), "''");
        assert_eq!(shell_comment("a\ntouch PWNED"), "a\\ntouch PWNED");
    }

    #[test]
    fn url_parts_cannot_change_the_request() {
        assert_eq!(url_path_segment("frag#x"), "frag%23x");
        assert_eq!(url_path_segment("keep?dryRun=All"), "keep%3FdryRun%3DAll");
        assert_eq!(url_path_segment("a b'$/c"), "a%20b%27%24%2Fc");
        assert_eq!(url_path_segment(".."), "%2E%2E");
        assert_eq!(
            url_path_segment("system:node:n-1.x"),
            "system%3Anode%3An-1.x"
        );
        assert_eq!(url_query_value("a=b&c"), "a%3Db%26c");
    }

    #[test]
    fn display_adapters_escape_what_they_format() {
        assert_eq!(format!("{}", TermLine("a\nb\x1b[2K")), "a\\nb\\e[2K");
        assert_eq!(format!("{}", Term("a\nb\r")), "a\nb\\r");
        assert_eq!(format!("[{:<7}]", TermLine("\x07x")), "[\\x07x  ]");
        assert_eq!(format!("{}", TermLine(42)), "42");
    }

    fn through_writer(pieces: &[&[u8]], colors: bool) -> String {
        let mut out = Vec::new();
        {
            let mut w = TerminalWriter::new(&mut out, colors);
            for p in pieces {
                io::Write::write_all(&mut w, p).unwrap();
            }
            w.finish().unwrap();
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn terminal_writer_escapes_whatever_reaches_it() {
        assert_eq!(
            through_writer(&[b"ok\n\tzz\r\x1b[2K gone\n"], false),
            "ok\n\tzz\\r\\e[2K gone\n"
        );
        // C1 CSI and a bidi override cut across writes.
        let csi = "\u{9b}2K\u{202e}x".as_bytes();
        assert_eq!(
            through_writer(&[&csi[..1], &csi[1..5], &csi[5..]], false),
            "\\x9b2K\\u{202e}x"
        );
        // Colours pass when asked, even cut in pieces; nothing else does.
        assert_eq!(
            through_writer(&[b"\x1b[1;3", b"5mbold\x1b[0m \x1b]8;;http://x\x07"], true),
            "\x1b[1;35mbold\x1b[0m \\e]8;;http://x\\x07"
        );
        assert_eq!(through_writer(&[b"\x1b[31m"], false), "\\e[31m");
        assert_eq!(through_writer(&[b"\x1b[2K"], true), "\\e[2K");
        assert_eq!(through_writer(&[b"end\x1b"], true), "end\\e");
        assert_eq!(through_writer(&[b"bad\xff!"], false), "bad\\xff!");
    }

    #[test]
    fn markdown_cannot_inject_markup() {
        assert_eq!(markdown_text("plain text, ok"), "plain text, ok");
        assert_eq!(
            markdown_text("DB_PASSWORD & <more>"),
            "DB_PASSWORD & &lt;more&gt;"
        );
        assert_eq!(
            markdown_text("a|b [x](https://e.vil) <img src=x> **b** `c` _i_ &amp;"),
            "a\\|b \\[x\\](https\\://e.vil) &lt;img src=x&gt; \\*\\*b\\*\\* \\`c\\` \\_i\\_ &amp;amp;"
        );
        assert_eq!(
            markdown_text("see www.e.vil\n# h"),
            "see www\\.e.vil\\\\n# h"
        );
        assert_eq!(
            markdown_code("Deployment/prod/web"),
            "`Deployment/prod/web`"
        );
        assert_eq!(markdown_code("a`b|c\nd"), "``a`b\\|c\\nd``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
    }

    #[test]
    fn xml_text_has_only_xml_characters() {
        assert_eq!(xml_text("a\nb\x1b\u{fffe}\u{0}"), "a\nb\\e\\u{fffe}\\x00");
        assert_eq!(xml_line("a\nb"), "a\\nb");
    }

    #[test]
    fn json_escapes_what_a_terminal_would_act_on() {
        let v = serde_json::json!({"name": "a\x1b[2K\u{9b}2J\u{202e}\u{7f}é\u{2028}", "n": [1, 2]});
        let pretty = json_pretty(&v).unwrap();
        assert!(
            pretty.contains(r#""a\u001b[2K\u009b2J\u202e\u007fé\u2028""#),
            "{pretty}"
        );
        let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(back, v);
        assert_eq!(
            pretty
                .replace(r"\u009b", "\u{9b}")
                .replace(r"\u202e", "\u{202e}")
                .replace(r"\u007f", "\u{7f}")
                .replace(r"\u2028", "\u{2028}"),
            serde_json::to_string_pretty(&v).unwrap()
        );
        assert_eq!(json_compact(&serde_json::json!(["x"])).unwrap(), r#"["x"]"#);
    }

    #[test]
    fn html_escapes_markup() {
        assert_eq!(html_text("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
