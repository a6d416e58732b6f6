//! End of life: when each Kubernetes minor release was published and when upstream patch
//! support ends, from the embedded table (`data/kubernetes-releases.tsv`).

/// One minor release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// The minor version (`31` for 1.31).
    pub minor: u32,
    /// Release date, `YYYY-MM-DD`.
    pub released: String,
    /// Last day of upstream patch support, `YYYY-MM-DD`.
    pub end_of_life: String,
}

/// Where a release stands on a given day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Support {
    /// Still patched upstream; `days_left` until the end of life.
    Supported { end_of_life: String, days_left: i64 },
    /// Past its end of life by `days_ago` days: no more fixes, security fixes included.
    Ended { end_of_life: String, days_ago: i64 },
    /// Not in the table: newer than the data, or older than 1.16.
    Unknown,
}

static TABLE: std::sync::LazyLock<Vec<Release>> = std::sync::LazyLock::new(|| {
    include_str!("../data/kubernetes-releases.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("minor\t"))
        .filter_map(|l| {
            let mut f = l.split('\t');
            let minor = f.next()?.strip_prefix("1.")?.parse().ok()?;
            Some(Release {
                minor,
                released: f.next()?.to_string(),
                end_of_life: f.next()?.to_string(),
            })
        })
        .collect()
});

/// Every release in the table, oldest first.
pub fn releases() -> &'static [Release] {
    &TABLE
}

/// The release `1.minor`, when the table has it.
pub fn release(minor: u32) -> Option<&'static Release> {
    TABLE.iter().find(|r| r.minor == minor)
}

/// Where `1.minor` stands on `today` (`YYYY-MM-DD`).
pub fn support(minor: u32, today: &str) -> Support {
    let Some(r) = release(minor) else {
        return Support::Unknown;
    };
    let (Some(eol), Some(now)) = (day_number(&r.end_of_life), day_number(today)) else {
        return Support::Unknown;
    };
    if now > eol {
        Support::Ended {
            end_of_life: r.end_of_life.clone(),
            days_ago: now - eol,
        }
    } else {
        Support::Supported {
            end_of_life: r.end_of_life.clone(),
            days_left: eol - now,
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
pub fn day_number(date: &str) -> Option<i64> {
    let mut it = date.get(..10)?.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next()?.parse().ok()?;
    let d: i64 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_complete_and_ordered() {
        let r = releases();
        assert_eq!(r.first().map(|r| r.minor), Some(16));
        for w in r.windows(2) {
            assert_eq!(w[1].minor, w[0].minor + 1, "no gaps");
            assert!(w[1].released > w[0].released, "1.{}", w[1].minor);
            assert!(w[1].end_of_life > w[0].end_of_life, "1.{}", w[1].minor);
        }
        for x in r {
            assert!(x.end_of_life > x.released, "1.{}", x.minor);
            assert!(day_number(&x.end_of_life).is_some());
        }
    }

    #[test]
    fn support_on_a_day() {
        assert_eq!(
            support(34, "2026-12-03"),
            Support::Ended {
                end_of_life: "2026-10-27".into(),
                days_ago: 37
            }
        );
        assert_eq!(
            support(35, "2026-12-03"),
            Support::Supported {
                end_of_life: "2027-02-28".into(),
                days_left: 87
            }
        );
        assert_eq!(support(34, "2026-10-27").clone(), {
            Support::Supported {
                end_of_life: "2026-10-27".into(),
                days_left: 0,
            }
        });
        assert_eq!(support(99, "2026-12-03"), Support::Unknown);
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(day_number("2026-13-01"), None);
    }
}
