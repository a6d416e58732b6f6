//! JUnit XML: one test suite per file, one failing test case per finding, so CI systems list
//! findings like failed tests. A clean run has one passing case so the report is never empty.
//!
//! quick-junit escapes markup; every value from the inputs also goes through [`line`] or
//! [`xml_text`] first, so no control character, bidirectional override or character XML 1.0
//! forbids reaches the document (it would make it unreadable, or mislead whoever reads it).

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::io::{self, Write};
use stockade_model::escape::{xml_line, xml_text};
use stockade_model::{DiagnosticLevel, Report};

/// An input value on one line, for a name, attribute or message.
fn line(v: impl std::fmt::Display) -> String {
    xml_line(&v.to_string()).into_owned()
}

/// Writes the JUnit report.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut junit = quick_junit::Report::new("stockade");
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    for f in &report.findings {
        let file = f
            .location
            .as_ref()
            .map_or_else(String::new, |l| line(&l.path));
        let suite = suites
            .entry(file.clone())
            .or_insert_with(|| TestSuite::new(file.clone()));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!("{} {}", f.severity, line(&f.message)));
        status.set_type(line(&f.rule_id));
        let loc = f
            .location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_default();
        status.set_description(format!(
            "{} {}\nfield: {}\nfix: {}",
            line(&loc),
            line(&f.object),
            line(&f.field_path),
            xml_text(&f.remediation)
        ));
        let mut case = TestCase::new(
            format!(
                "{} {} {}",
                line(&f.rule_id),
                line(&f.object),
                line(&f.field_path)
            ),
            status,
        );
        case.set_classname(line(&f.rule_name));
        suite.add_test_case(case);
    }
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
    {
        let file = line(d.path.as_deref().unwrap_or_default());
        let suite = suites
            .entry(file.clone())
            .or_insert_with(|| TestSuite::new(file.clone()));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(line(&d.message));
        status.set_type(line(&d.code));
        suite.add_test_case(TestCase::new(
            format!("input {}", line(d.position())),
            status,
        ));
    }
    if suites.is_empty() {
        let mut suite = TestSuite::new("stockade");
        suite.add_test_case(TestCase::new(
            format!("{} objects scanned, no findings", report.summary.objects),
            TestCaseStatus::success(),
        ));
        suites.insert(String::new(), suite);
    }
    junit.add_test_suites(suites.into_values());
    junit.serialize(&mut *w).map_err(io::Error::other)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::sample::report(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }

    #[test]
    fn only_xml_characters_reach_the_document() {
        let mut r = crate::sample::report();
        r.findings[0].object.name = "web\x1b[2K\u{0}\u{fffe}\u{202e}".into();
        r.findings[0].message = "m\x08\x07\r\n<x>".into();
        r.findings[0].location.as_mut().unwrap().path = "f\x1bile.yaml".into();
        let mut out = Vec::new();
        super::render(&r, &mut out).unwrap();
        let xml = String::from_utf8(out).unwrap();
        let bad = |c: char| {
            (c < ' ' && c != '\n' && c != '\t')
                || ('\u{7f}'..='\u{9f}').contains(&c)
                || matches!(c, '\u{fffe}' | '\u{ffff}' | '\u{202e}')
        };
        assert!(!xml.contains(bad), "{xml:?}");
        assert!(xml.contains("web\\e[2K\\x00\\u{fffe}\\u{202e}"), "{xml}");
        assert!(xml.contains("m\\x08\\x07\\r\\n&lt;x&gt;"), "{xml}");
    }
}
