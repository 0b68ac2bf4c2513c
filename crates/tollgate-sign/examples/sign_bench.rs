//! Signing and verification throughput, CPU only (no registry): what `tollgate sign` and
//! `tollgate verify` spend per signature once the bytes are in memory. Run by `bench/sign.sh`.
//!
//!   cargo run --release -p tollgate-sign --example sign_bench [SECONDS]
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tollgate_sign::dsse::{Envelope, IN_TOTO_PAYLOAD_TYPE};
use tollgate_sign::intoto::{COSIGN_SIGN_PREDICATE, Statement};
use tollgate_sign::{KeyAlgorithm, ReferencePolicy, SigningKey, SimpleSigning, verify_payload};

const DIGEST: &str = "sha256:952295db47cbbcf5d3817f70f3201278cd071c4e6ce81cc1b9e7bd5e36102e31";
const REFERENCE: &str = "registry.example/team/app:1.0";

/// Run `work` repeatedly for `budget`; operations per second.
fn rate(budget: Duration, mut work: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed() < budget {
        for _ in 0..16 {
            work(done);
            done += 1;
        }
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(2.0);
    let budget = Duration::from_secs_f64(seconds);
    println!(
        "{:<20} {:<24} {:>12} {:>12}",
        "key", "format", "sign/s", "verify/s"
    );
    for algorithm in [KeyAlgorithm::EcdsaP256, KeyAlgorithm::Ed25519] {
        let key = SigningKey::generate(algorithm);
        let public = key.verifying_key();
        let keys = [public.clone()];

        // Legacy: a simple-signing payload per signature (annotated with a counter, so no two
        // payloads are the same), then the payload checked as `verify` does.
        let payload_for = |n: u64| {
            let annotations = BTreeMap::from([("n".to_owned(), n.to_string())]);
            SimpleSigning::new(REFERENCE, DIGEST, &annotations)
                .unwrap()
                .to_bytes()
        };
        let signed: Vec<(Vec<u8>, Vec<u8>)> = (0..64)
            .map(|n| {
                let payload = payload_for(n);
                let signature = key.sign(&payload);
                (payload, signature)
            })
            .collect();
        let sign = rate(budget, |n| {
            std::hint::black_box(key.sign(&payload_for(n)));
        });
        let policy = ReferencePolicy::Repository("registry.example/team/app".to_owned());
        let verify = rate(budget, |n| {
            let (payload, signature) = &signed[(n % 64) as usize];
            public.verify(payload, signature).unwrap();
            verify_payload(payload, DIGEST, &policy, &[]).unwrap();
        });
        println!(
            "{:<20} {:<24} {sign:>12.0} {verify:>12.0}",
            algorithm.to_string(),
            "simple-signing (.sig)"
        );

        // Bundle: a DSSE envelope over an in-toto statement, serialised and parsed back.
        let statement = Statement::new(
            "registry.example/team/app",
            DIGEST.trim_start_matches("sha256:"),
            COSIGN_SIGN_PREDICATE,
            serde_json::json!({}),
        )
        .to_bytes();
        let envelopes: Vec<Vec<u8>> = (0..64)
            .map(|_| Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &statement, &key, "").to_json())
            .collect();
        let sign = rate(budget, |_| {
            std::hint::black_box(
                Envelope::sign(IN_TOTO_PAYLOAD_TYPE, &statement, &key, "").to_json(),
            );
        });
        let verify = rate(budget, |n| {
            let envelope = Envelope::from_json(&envelopes[(n % 64) as usize]).unwrap();
            envelope.verify(&keys).unwrap();
            let statement = Statement::parse(&envelope.payload).unwrap();
            statement
                .check(DIGEST, Some(COSIGN_SIGN_PREDICATE))
                .unwrap();
        });
        println!(
            "{:<20} {:<24} {sign:>12.0} {verify:>12.0}",
            algorithm.to_string(),
            "DSSE in-toto (bundle)"
        );
    }
}
