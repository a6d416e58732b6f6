//! Renderers of `stockade probe`: the endpoints with what each answered (`text`, `json`), and
//! its exposures as a standard report (`to_report`) for SARIF, JUnit and Markdown. Everything
//! an endpoint sent back (versions, certificate names, errors) is escaped for where it goes.

pub mod json;
pub mod text;

use std::borrow::Cow;
use stockade_model::{
    Diagnostic, DiagnosticLevel, FieldPath, Finding, ObjectRef, Report, RuleInfo, fingerprint,
};
use stockade_probe::{CHECKS, Hit, Probed};

/// The endpoint a hit is about, as an object of kind `Endpoint`.
fn object(url: &str) -> ObjectRef {
    ObjectRef {
        api_version: String::new(),
        kind: "Endpoint".into(),
        namespace: None,
        name: url.to_string(),
    }
}

/// The exposures as findings of the checks, unreachable endpoints as errors.
pub fn to_report(results: &[(Probed, Vec<Hit>)]) -> Report {
    let mut report = Report::new(env!("CARGO_PKG_VERSION"));
    report.rules = CHECKS
        .iter()
        .map(|c| RuleInfo {
            id: c.id.into(),
            name: c.name.into(),
            summary: c.summary.into(),
            severity: c.severity,
            help: format!(
                "{}\n\nFix: {}\n\nSee docs/probe.md.",
                c.summary, c.remediation
            ),
            controls: Vec::new(),
        })
        .collect();
    report.summary.objects = results.len();
    report.summary.rules_run = CHECKS.len();
    for (p, hits) in results {
        if let Some(e) = &p.error {
            report.diagnostics.push(Diagnostic {
                level: DiagnosticLevel::Error,
                code: "unreachable".into(),
                message: format!("{}: {e}", p.url),
                path: None,
                line: 0,
                column: 0,
            });
        }
        for h in hits {
            let obj = object(&h.url);
            let path = FieldPath::root();
            report.findings.push(Finding {
                rule_id: Cow::Borrowed(h.check.id),
                rule_name: Cow::Borrowed(h.check.name),
                severity: h.check.severity,
                message: format!("{}: {}", h.check.summary, h.evidence),
                fingerprint: fingerprint(h.check.id, &obj, &path),
                object: obj,
                location: None,
                field_path: path,
                remediation: Cow::Borrowed(h.check.remediation),
                controls: Cow::Borrowed(&[]),
                snippet: None,
                suppression: None,
            });
        }
    }
    for f in &report.findings {
        *report.summary.by_severity.entry(f.severity).or_default() += 1;
    }
    report
}

#[cfg(test)]
pub(crate) mod sample {
    use stockade_probe::tls::TlsInfo;
    use stockade_probe::{Hit, Kind, Probed, Response, checks};

    /// A kube-apiserver that answers anonymous requests, an etcd over plain HTTP, and one
    /// endpoint that could not be reached; values with control characters.
    pub fn results() -> Vec<(Probed, Vec<Hit>)> {
        let api = Probed {
            target: "apiserver=https://127.0.0.1:6443".into(),
            kind: Kind::Apiserver,
            url: "https://127.0.0.1:6443".into(),
            tls: Some(TlsInfo {
                version: "TLSv1_3".into(),
                cipher: "TLS13_AES_128_GCM_SHA256".into(),
                tls12_accepted: true,
                subject: "CN=kube-apiserver\u{1b}[2J".into(),
                issuer: "CN=kubernetes".into(),
                not_after: 1_900_000_000,
                days_left: 12,
            }),
            responses: vec![
                Response {
                    path: "/version".into(),
                    status: Some(200),
                    note: "answered".into(),
                },
                Response {
                    path: "/api".into(),
                    status: Some(403),
                    note: "anonymous request authenticated, then forbidden (403)".into(),
                },
            ],
            error: None,
        };
        let etcd = Probed {
            target: "etcd=127.0.0.1:2379".into(),
            kind: Kind::Etcd,
            url: "http://127.0.0.1:2379".into(),
            tls: None,
            responses: vec![Response {
                path: "/version".into(),
                status: Some(200),
                note: "answered without a client certificate".into(),
            }],
            error: None,
        };
        let gone = Probed {
            target: "10.0.0.9:10250".into(),
            kind: Kind::Kubelet,
            url: "https://10.0.0.9:10250".into(),
            tls: None,
            responses: vec![],
            error: Some("connection refused".into()),
        };
        let hit = |id: &str, url: &str, evidence: &str| Hit {
            check: checks::find(id).unwrap(),
            url: url.into(),
            evidence: evidence.into(),
        };
        vec![
            (
                api,
                vec![
                    hit(
                        "PR010",
                        "https://127.0.0.1:6443",
                        "the certificate of CN=kube-apiserver expires in 12 day(s)",
                    ),
                    hit(
                        "PR002",
                        "https://127.0.0.1:6443",
                        "GET /version: 200 without credentials, gitVersion v1.36.3\u{7}",
                    ),
                    hit("PR001", "https://127.0.0.1:6443", "GET /api: 403, not 401"),
                ],
            ),
            (
                etcd,
                vec![
                    hit(
                        "PR008",
                        "http://127.0.0.1:2379",
                        "http://127.0.0.1:2379 answers over plain HTTP (GET /version: 200)",
                    ),
                    hit(
                        "PR007",
                        "http://127.0.0.1:2379",
                        "GET /version: 200 with no client certificate, etcd 3.6.16",
                    ),
                ],
            ),
            (gone, vec![]),
        ]
    }

    #[test]
    fn the_standard_report_holds_every_hit_and_the_unreachable_endpoint() {
        let r = super::to_report(&results());
        assert_eq!(r.findings.len(), 5);
        assert_eq!(r.diagnostics.len(), 1);
        assert_eq!(r.findings[0].object.name, "https://127.0.0.1:6443");
        let mut out = Vec::new();
        crate::render(&r, crate::Format::Sarif, &mut out, false).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 5);
    }
}
