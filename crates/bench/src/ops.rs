//! The comparisons a benchmark check makes on an observed value. Checks are data; these are
//! the code they name. File modes are compared as permission bits (a mode passes when it sets
//! no bit the recommendation does not allow), never as decimal numbers: `0077` is not "less
//! than `600`", it is group and world read, write and execute.

/// One comparison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// The setting is given (any value).
    Present,
    /// The setting is not given.
    Absent,
    /// Equal to the text.
    Eq(String),
    /// Not equal to the text (an absent value passes).
    Ne(String),
    /// A number at least this.
    Gte(i64),
    /// A number at most this.
    Lte(i64),
    /// One of these.
    In(Vec<String>),
    /// None of these (an absent value passes).
    NotIn(Vec<String>),
    /// An address, or `host:port`, on the loopback interface (`127.0.0.0/8`, `::1`,
    /// `localhost`).
    Loopback,
    /// A comma-separated list whose every element is one of these (`valid_elements`).
    ValidElements(Vec<String>),
    /// A comma-separated list that holds this element.
    Has(String),
    /// A comma-separated list that does not hold this element (an absent value passes).
    HasNot(String),
    /// An octal file mode that sets no permission bit outside this one (`0o600`).
    ModeAtMost(u32),
    /// `user:group` equal to this.
    Owner(String),
}

/// Why a comparison failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failed(pub String);

fn elements(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|e| !e.is_empty())
}

/// Parses an octal mode as `stat` prints it (`644`, `0644`, `0o644`).
pub fn parse_mode(v: &str) -> Option<u32> {
    let t = v.trim();
    let t = t.strip_prefix("0o").unwrap_or(t);
    if t.is_empty() || t.len() > 6 {
        return None;
    }
    u32::from_str_radix(t, 8).ok()
}

/// Whether `v` (`127.0.0.1`, `127.0.0.1:10249`, `[::1]:8080`, `localhost`) is on loopback.
fn is_loopback(v: &str) -> bool {
    let v = v.trim();
    let host = if let Some(rest) = v.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else if v.matches(':').count() == 1 {
        v.split(':').next().unwrap_or("")
    } else {
        v
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Op {
    /// Applies the comparison to `value` (`None`: not given).
    pub fn check(&self, value: Option<&str>) -> Result<(), Failed> {
        let fail = |why: String| Err(Failed(why));
        match (self, value) {
            (Op::Present, Some(_)) | (Op::Absent, None) => Ok(()),
            (Op::Present, None) => fail("not set".into()),
            (Op::Absent, Some(v)) => fail(format!("set to {v:?}")),
            (Op::Ne(_), None) | (Op::HasNot(_), None) | (Op::NotIn(_), None) => Ok(()),
            (_, None) => fail("not set".into()),
            (Op::Eq(want), Some(v)) => {
                if v == want {
                    Ok(())
                } else {
                    fail(format!("{v:?}, expected {want:?}"))
                }
            }
            (Op::Ne(bad), Some(v)) => {
                if v == bad {
                    fail(format!("{v:?}"))
                } else {
                    Ok(())
                }
            }
            (Op::Gte(n), Some(v)) | (Op::Lte(n), Some(v)) => {
                let Ok(x) = v.trim().parse::<i64>() else {
                    return fail(format!("{v:?} is not a number"));
                };
                let ok = if matches!(self, Op::Gte(_)) {
                    x >= *n
                } else {
                    x <= *n
                };
                if ok {
                    Ok(())
                } else {
                    let rel = if matches!(self, Op::Gte(_)) {
                        "at least"
                    } else {
                        "at most"
                    };
                    fail(format!("{x}, expected {rel} {n}"))
                }
            }
            (Op::In(set), Some(v)) => {
                if set.iter().any(|s| s == v) {
                    Ok(())
                } else {
                    fail(format!("{v:?}, expected one of {}", set.join(", ")))
                }
            }
            (Op::NotIn(set), Some(v)) => {
                if set.iter().any(|s| s == v) {
                    fail(format!("{v:?}"))
                } else {
                    Ok(())
                }
            }
            (Op::Loopback, Some(v)) => {
                if is_loopback(v) {
                    Ok(())
                } else {
                    fail(format!("{v:?} is not a loopback address"))
                }
            }
            (Op::ValidElements(set), Some(v)) => {
                let bad: Vec<&str> = elements(v)
                    .filter(|e| !set.iter().any(|s| s == e))
                    .collect();
                if bad.is_empty() && elements(v).next().is_some() {
                    Ok(())
                } else if bad.is_empty() {
                    fail("empty list".into())
                } else {
                    fail(format!("{} not allowed", bad.join(", ")))
                }
            }
            (Op::Has(want), Some(v)) => {
                if elements(v).any(|e| e == want) {
                    Ok(())
                } else {
                    fail(format!("{v:?} does not include {want}"))
                }
            }
            (Op::HasNot(bad), Some(v)) => {
                if elements(v).any(|e| e == bad) {
                    fail(format!("{v:?} includes {bad}"))
                } else {
                    Ok(())
                }
            }
            (Op::ModeAtMost(allowed), Some(v)) => {
                let Some(mode) = parse_mode(v) else {
                    return fail(format!("{v:?} is not an octal file mode"));
                };
                let extra = mode & 0o7777 & !allowed;
                if extra == 0 {
                    Ok(())
                } else {
                    fail(format!(
                        "mode {mode:04o} sets {extra:04o}, beyond the allowed {allowed:04o}"
                    ))
                }
            }
            (Op::Owner(want), Some(v)) => {
                if v == want {
                    Ok(())
                } else {
                    fail(format!("owned by {v}, expected {want}"))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_modes_are_bitmasks_not_decimals() {
        let op = Op::ModeAtMost(0o600);
        for ok in ["600", "0600", "400", "0", "0o600"] {
            assert!(op.check(Some(ok)).is_ok(), "{ok}");
        }
        // 077 is below 600 as a decimal and as an octal number, and gives the group and the
        // world everything; 640 is below 644 and still too open for 600; 700 adds execute.
        for bad in ["077", "640", "700", "644", "4600"] {
            assert!(op.check(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            op.check(Some("0644")).unwrap_err().0,
            "mode 0644 sets 0044, beyond the allowed 0600"
        );
        assert!(op.check(Some("rw-")).is_err());
        assert!(op.check(None).is_err());
        assert!(Op::ModeAtMost(0o644).check(Some("600")).is_ok());
    }

    #[test]
    fn comparisons() {
        assert!(Op::Eq("false".into()).check(Some("false")).is_ok());
        assert!(Op::Eq("false".into()).check(Some("true")).is_err());
        assert!(Op::Ne("AlwaysAllow".into()).check(None).is_ok());
        assert!(
            Op::Ne("AlwaysAllow".into())
                .check(Some("AlwaysAllow"))
                .is_err()
        );
        assert!(Op::Gte(0).check(Some("5")).is_ok());
        assert!(Op::Lte(0).check(Some("5")).is_err());
        assert!(
            Op::Gte(1)
                .check(Some("x"))
                .unwrap_err()
                .0
                .contains("not a number")
        );
        assert!(
            Op::In(vec!["Webhook".into()])
                .check(Some("Webhook"))
                .is_ok()
        );
        let ciphers = Op::ValidElements(vec![
            "TLS_AES_128_GCM_SHA256".into(),
            "TLS_AES_256_GCM_SHA384".into(),
        ]);
        assert!(
            ciphers
                .check(Some("TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384"))
                .is_ok()
        );
        assert_eq!(
            ciphers
                .check(Some("TLS_AES_128_GCM_SHA256,TLS_RSA_WITH_RC4_128_SHA"))
                .unwrap_err()
                .0,
            "TLS_RSA_WITH_RC4_128_SHA not allowed"
        );
        assert!(ciphers.check(Some("")).is_err());
        assert!(
            Op::Has("NodeRestriction".into())
                .check(Some("NodeRestriction,PodSecurity"))
                .is_ok()
        );
        assert!(
            Op::HasNot("AlwaysAdmit".into())
                .check(Some("AlwaysAdmit"))
                .is_err()
        );
        assert!(Op::HasNot("AlwaysAdmit".into()).check(None).is_ok());
        assert!(Op::Present.check(None).is_err() && Op::Absent.check(None).is_ok());
        for ok in [
            "127.0.0.1",
            "127.0.0.1:10249",
            "[::1]:10249",
            "::1",
            "localhost:1",
        ] {
            assert!(Op::Loopback.check(Some(ok)).is_ok(), "{ok}");
        }
        for bad in ["0.0.0.0", "0.0.0.0:10249", "10.0.0.1", ":10249", ""] {
            assert!(Op::Loopback.check(Some(bad)).is_err(), "{bad}");
        }
        let zero = Op::NotIn(vec!["0".into(), "0s".into()]);
        assert!(zero.check(Some("0s")).is_err() && zero.check(Some("4h0m0s")).is_ok());
        assert!(
            Op::Owner("root:root".into())
                .check(Some("etcd:etcd"))
                .is_err()
        );
    }
}
