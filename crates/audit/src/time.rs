//! Timestamps as audit events write them (RFC 3339 with microseconds) and as users type them
//! for `--since/--until` (RFC 3339, a date, or a duration back from now such as `2h`).

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(b: &[u8], from: usize, len: usize) -> Option<i64> {
    let s = b.get(from..from + len)?;
    let mut n = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, or a bare `YYYY-MM-DD` (midnight UTC).
pub fn parse_rfc3339(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    let (y, mo, d) = (num(b, 0, 4)?, num(b, 5, 2)?, num(b, 8, 2)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') || !(1..=12).contains(&mo) {
        return None;
    }
    if !(1..=31).contains(&d) {
        return None;
    }
    let days = days_from_civil(y, mo, d);
    if b.len() == 10 {
        return Some(days * 86_400_000_000);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (h, mi, sec) = (num(b, 11, 2)?, num(b, 14, 2)?, num(b, 17, 2)?);
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let mut digits = 0;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            if digits < 6 {
                micros = micros * 10 + i64::from(c - b'0');
                digits += 1;
            }
            i += 1;
        }
        while digits < 6 {
            micros *= 10;
            digits += 1;
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b.get(i + 3) == Some(&b':') => {
            let o = num(b, i + 1, 2)? * 3600 + num(b, i + 4, 2)? * 60;
            if *sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset;
    Some(secs * 1_000_000 + micros)
}

/// Parses a duration such as `90s`, `15m`, `2h`, `7d` or `1h30m`.
pub fn parse_duration(s: &str) -> Option<Micros> {
    let mut total = 0i64;
    let mut n: Option<i64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            n = Some(n.unwrap_or(0).checked_mul(10)?.checked_add(i64::from(d))?);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(n.take()?.checked_mul(unit)?)?;
    }
    if n.is_some() || s.is_empty() {
        return None;
    }
    total.checked_mul(1_000_000)
}

/// Now, in microseconds since the epoch.
pub fn now() -> Micros {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// Parses a `--since/--until` value: an RFC 3339 time, a date, or a duration back from `now`.
pub fn parse_bound(s: &str, now: Micros) -> Result<Micros, String> {
    if let Some(t) = parse_rfc3339(s) {
        return Ok(t);
    }
    if let Some(d) = parse_duration(s) {
        return Ok(now - d);
    }
    Err(format!(
        "`{s}` is neither a time (2026-01-02T15:04:05Z, 2026-01-02) nor a duration back from now (30m, 2h, 7d)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_audit_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-23T12:08:50.567361Z"),
            Some(1_795_435_730_567_361)
        );
        assert_eq!(
            parse_rfc3339("2026-11-23T13:08:50.567361+01:00"),
            parse_rfc3339("2026-11-23T12:08:50.567361Z")
        );
        assert_eq!(parse_rfc3339("2000-03-01"), Some(951_868_800_000_000));
        for bad in [
            "",
            "2026-13-01",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("90s"), Some(90_000_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000));
        assert_eq!(parse_duration("7d"), Some(604_800_000_000));
        for bad in ["", "5", "h", "5x", "99999999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        assert_eq!(parse_bound("1h", 3_600_000_000), Ok(0));
        assert!(parse_bound("yesterday", 0).is_err());
    }
}
