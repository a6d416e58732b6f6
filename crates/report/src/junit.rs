//! JUnit XML: one test suite per file, one failing test case per finding, so CI systems list
//! findings like failed tests. A clean run has one passing case so the report is never empty.

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::collections::BTreeMap;
use std::io::{self, Write};
use stockade_model::{DiagnosticLevel, Report};

/// Writes the JUnit report.
pub fn render(report: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut junit = quick_junit::Report::new("stockade");
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    for f in &report.findings {
        let file = f
            .location
            .as_ref()
            .map_or_else(String::new, |l| l.path.clone());
        let suite = suites
            .entry(file.clone())
            .or_insert_with(|| TestSuite::new(file.clone()));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
        status.set_message(format!("{} {}", f.severity, f.message));
        status.set_type(f.rule_id.clone());
        let loc = f
            .location
            .as_ref()
            .map(|l| l.to_string())
            .unwrap_or_default();
        status.set_description(format!(
            "{loc} {}\nfield: {}\nfix: {}",
            f.object, f.field_path, f.remediation
        ));
        let mut case = TestCase::new(
            format!("{} {} {}", f.rule_id, f.object, f.field_path),
            status,
        );
        case.set_classname(f.rule_name.clone());
        suite.add_test_case(case);
    }
    for d in report
        .diagnostics
        .iter()
        .filter(|d| d.level == DiagnosticLevel::Error)
    {
        let file = d.path.clone().unwrap_or_default();
        let suite = suites
            .entry(file.clone())
            .or_insert_with(|| TestSuite::new(file.clone()));
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(d.message.clone());
        status.set_type(d.code.clone());
        suite.add_test_case(TestCase::new(format!("input {}", d.position()), status));
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
}
