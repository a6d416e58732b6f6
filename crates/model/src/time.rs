//! Time, once for every crate: RFC 3339 timestamps as the API server and audit events write
//! them (to microseconds), civil dates (`YYYY-MM-DD`, for suppression expiry), durations and
//! `--since/--until` bounds as users type them. UTC only, proleptic Gregorian calendar (Howard
//! Hinnant's day algorithms); no time zone database is needed.

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// Days from 1970-01-01 to a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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

/// The civil date of a day count since 1970-01-01: (year, month, day).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Parses an RFC 3339 timestamp with its time part (a bare date is not one); microseconds.
pub fn parse_timestamp(s: &str) -> Option<Micros> {
    if s.len() <= 10 {
        return None;
    }
    parse_rfc3339(s)
}

/// Seconds since the epoch as RFC 3339 UTC (`2026-11-23T14:29:23Z`).
pub fn format_rfc3339(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The current time as RFC 3339 UTC.
pub fn now_rfc3339() -> String {
    format_rfc3339(now().div_euclid(1_000_000))
}

/// Today's UTC date as `YYYY-MM-DD`.
pub fn today() -> String {
    let (y, m, d) = civil_from_days(now().div_euclid(86_400_000_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether `s` is a valid `YYYY-MM-DD` date.
pub fn is_valid_date(s: &str) -> bool {
    s.len() == 10 && parse_rfc3339(s).is_some()
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
    fn dates_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
        assert_eq!(format_rfc3339(1_795_435_730), "2026-11-23T12:08:50Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        for days in [-800_000, -1, 0, 59, 60, 11_016, 20_415, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert!(is_valid_date("2026-02-28") && !is_valid_date("2026-13-01"));
        assert!(!is_valid_date("2026-02-28T00:00:00Z"));
        assert_eq!(parse_timestamp("2024-03-01"), None);
        assert_eq!(
            parse_timestamp("2024-03-01T00:00:00Z"),
            Some(1_709_251_200_000_000)
        );
        assert_eq!(today().len(), 10);
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
