//! Golden files: every format of the fixture report, byte for byte, in `tests/snapshots/`.
//! Review changes with `cargo insta review`.

use tollgate_report::Format;

use crate::fixture::{extension, rendered, report};

fn golden(format: Format) {
    let output = rendered(&report(), format);
    assert_eq!(
        output,
        rendered(&report(), format),
        "the same report, the same bytes"
    );
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(format!("report.{}", extension(format)), output);
    });
}

#[test]
fn table() {
    golden(Format::Table);
}

#[test]
fn json() {
    golden(Format::Json);
}

#[test]
fn sarif() {
    golden(Format::Sarif);
}

#[test]
fn cyclonedx() {
    golden(Format::CycloneDx);
}

#[test]
fn junit() {
    golden(Format::Junit);
}

#[test]
fn html() {
    golden(Format::Html);
}

#[test]
fn every_format_renders_the_hostile_report_the_same_twice() {
    let report = crate::fixture::hostile_report();
    for format in crate::fixture::FORMATS {
        assert_eq!(
            rendered(&report, format),
            rendered(&report, format),
            "{format:?}"
        );
    }
}
