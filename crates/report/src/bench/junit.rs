//! `stockade bench -o junit`: one test suite per section, one test case per recommendation —
//! PASS passes, FAIL fails, WARN fails as an error only when it is a failed threshold (a file
//! that could not be checked is an error too), MANUAL, SKIP and suppressed ones are skipped
//! with the reason. CI systems then list the benchmark like a test run.

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};
use stockade_bench::eval::{Evaluation, Status};
use stockade_model::escape::{xml_line, xml_text};

fn line(v: &str) -> String {
    xml_line(v).into_owned()
}

/// Writes the JUnit report.
pub fn render(e: &Evaluation, w: &mut dyn Write) -> io::Result<()> {
    let mut junit = quick_junit::Report::new(format!("stockade bench {}", line(&e.benchmark)));
    for (id, title) in super::sections(e) {
        let mut suite = TestSuite::new(format!("{} {}", line(id), line(title)));
        for o in e.outcomes.iter().filter(|o| o.section == id) {
            let observed: Vec<String> = o
                .observed
                .iter()
                .map(|ob| {
                    format!(
                        "{} = {} ({})",
                        line(&ob.what),
                        line(ob.value.as_deref().unwrap_or("(not set)")),
                        line(&ob.source)
                    )
                })
                .collect();
            let status = match (&o.suppressed, o.status) {
                (Some(r), _) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("suppressed: {}", line(r)));
                    s
                }
                (None, Status::Pass) => TestCaseStatus::success(),
                (None, Status::Fail | Status::Warn) => {
                    let kind = if o.status == Status::Fail {
                        NonSuccessKind::Failure
                    } else {
                        NonSuccessKind::Error
                    };
                    let mut s = TestCaseStatus::non_success(kind);
                    s.set_message(line(&o.reason));
                    s.set_type(o.status.as_str());
                    s.set_description(format!(
                        "{}\nfix: {}",
                        observed.join("\n"),
                        xml_text(&o.remediation)
                    ));
                    s
                }
                (None, Status::Manual | Status::Skip) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(format!("{}: {}", o.status.as_str(), line(&o.reason)));
                    s
                }
            };
            let mut case = TestCase::new(format!("{} {}", line(&o.id), line(&o.title)), status);
            case.set_classname(format!("{}.{}", line(&e.benchmark), line(id)));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    let xml = junit.to_string().map_err(io::Error::other)?;
    w.write_all(xml.as_bytes())?;
    if !xml.ends_with('\n') {
        writeln!(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn snapshot() {
        let mut out = Vec::new();
        super::render(&crate::bench::sample::evaluation(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
