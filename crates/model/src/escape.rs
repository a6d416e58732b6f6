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

use std::borrow::Cow;
use std::fmt::Write;

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
    fn html_escapes_markup() {
        assert_eq!(html_text("<script>\"&'"), "&lt;script&gt;&quot;&amp;&#39;");
    }
}
