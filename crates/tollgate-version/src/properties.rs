//! The properties every ecosystem's ordering must have, whatever the input: parsing never
//! panics, and the order is a total order (reflexive, antisymmetric, transitive, and `==`
//! agreeing with `cmp`). Checked by the cargo-fuzz targets in `fuzz/` (nightly) and, on stable,
//! by the tests on generated and mutated versions. A violation panics with the versions.

use std::cmp::Ordering;

use crate::{Ecosystem, EcosystemVersion};

/// Up to three versions from fuzzer bytes: split at newlines, read lossily as UTF-8.
#[must_use]
pub fn versions_from_bytes(data: &[u8]) -> [String; 3] {
    let mut parts = data
        .split(|&b| b == b'\n')
        .map(|part| String::from_utf8_lossy(part).into_owned());
    [
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    ]
}

/// Check the properties on fuzzer bytes (see [`versions_from_bytes`]).
pub fn check_bytes(ecosystem: Ecosystem, data: &[u8]) {
    let [a, b, c] = versions_from_bytes(data);
    check_triple(ecosystem, &a, &b, &c);
}

/// Check the properties on three versions (any of them may be invalid).
///
/// # Panics
/// When one does not hold, naming the ecosystem and the versions.
pub fn check_triple(ecosystem: Ecosystem, a: &str, b: &str, c: &str) {
    with_version_type!(ecosystem, V => check::<V>(ecosystem, [a, b, c]));
}

fn check<V: EcosystemVersion>(ecosystem: Ecosystem, texts: [&str; 3]) {
    let parsed: Vec<(&str, V)> = texts
        .iter()
        .filter_map(|text| V::parse(text).ok().map(|version| (*text, version)))
        .collect();
    for (text, version) in &parsed {
        assert_eq!(
            version.cmp(version),
            Ordering::Equal,
            "{ecosystem}: `{text}` is not equal to itself"
        );
        // `==` is written by hand in each scheme (in terms of `cmp`): it must be reflexive too.
        #[allow(clippy::eq_op)]
        let reflexive = version == version;
        assert!(reflexive, "{ecosystem}: `{text}` != itself");
        let _ = version.explain();
    }
    for (i, (x_text, x)) in parsed.iter().enumerate() {
        for (y_text, y) in &parsed[i + 1..] {
            let forward = x.cmp(y);
            assert_eq!(
                forward,
                y.cmp(x).reverse(),
                "{ecosystem}: `{x_text}` vs `{y_text}` is not antisymmetric"
            );
            assert_eq!(
                x == y,
                forward == Ordering::Equal,
                "{ecosystem}: `{x_text}` == `{y_text}` disagrees with cmp"
            );
        }
    }
    // Transitivity over every arrangement of the three.
    if let [(a_text, a), (b_text, b), (c_text, c)] = &parsed[..] {
        let items = [(a_text, a), (b_text, b), (c_text, c)];
        for [i, j, k] in [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ] {
            let (x_text, x) = items[i];
            let (y_text, y) = items[j];
            let (z_text, z) = items[k];
            if x <= y && y <= z {
                assert!(
                    x <= z,
                    "{ecosystem}: `{x_text}` <= `{y_text}` <= `{z_text}` but not `{x_text}` <= `{z_text}`"
                );
            }
            if x.cmp(y) == Ordering::Equal {
                assert_eq!(
                    x.cmp(z),
                    y.cmp(z),
                    "{ecosystem}: `{x_text}` = `{y_text}` but they order differently against `{z_text}`"
                );
            }
        }
    }
}
