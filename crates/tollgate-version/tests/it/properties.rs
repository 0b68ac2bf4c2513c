//! The ordering properties (see `tollgate_version::properties`) on stable Rust: every
//! ecosystem, on triples drawn from realistic versions of every ecosystem and their mutations,
//! including huge numbers, separators in odd places and non-ASCII. The cargo-fuzz targets in
//! `fuzz/` check the same properties on coverage-guided input.

use tollgate_version::Ecosystem;
use tollgate_version::properties::{check_bytes, check_triple};

const SEEDS: &[&str] = &[
    // deb
    "1:2.36-9+deb12u4",
    "2.36-9+deb12u7",
    "1.0~rc1",
    "1.0",
    "1.0-1",
    "0:1.0-0",
    "1.2.3~~",
    "7.88.1-10+deb12u5",
    "2:9.0.1378-2",
    "1.0+b1",
    "3.0.11-1~deb12u2",
    "1.0.0-0ubuntu0.22.04.1",
    // rpm
    "1.0^git1",
    "1.0~rc1^1",
    "2.35-2.cm2",
    "1:3.0.0-8.azl3",
    "5.1.8-1.cm2",
    "4.4-19.6.1",
    "2.32.1-42.el8_8",
    // apk
    "1.1.1k-r0",
    "1.1.1k_p1-r0",
    "1.2_alpha1-r3",
    "2.0_rc3_p4-r1",
    "1.0_git20230101-r0",
    "3.0.8-r0~abc",
    // pep440
    "1.26.5",
    "1.26.4.post1",
    "1!2.0",
    "1.0a1",
    "1.0.dev456",
    "1.0b2.post345.dev456",
    "1.0+ubuntu.1",
    "v1.0",
    "1.0-1",
    "1.0RC1",
    "1.0.post",
    "1.0-foo-bar",
    " 1.0 ",
    // semver, cargo, go
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0+build.5",
    "v1.2.3",
    "v1.2",
    "v1",
    "v0.0.0-20210121094942-22b2f8951d46",
    "v2.0.0+incompatible",
    "v1.2.4-0.20210101000000-abcdefabcdef",
    "=1.2.3",
    "01.2.3",
    "1.2.3-01",
    // maven
    "1.0-SNAPSHOT",
    "1.0-alpha-1",
    "1.0.RELEASE",
    "1-sp1",
    "1.0.0.Final",
    "1-m2",
    "2.0-cr1",
    "1.0-ga",
    // gem
    "1.0.a",
    "1.0.0.pre1",
    "1.0.0-rc1",
    "0.4.1",
    "13.0.3",
    // nuget
    "1.0.0.0",
    "1.2.3.4-beta.1",
    "1.0.0-Beta",
    "6.0.0+abc",
    // composer
    "dev-master",
    "1.x-dev",
    "v2.3.4-RC1",
    "1.0.0-patch1",
    "2010.01.02",
    "1.0.0-stable",
    // oddities
    "",
    "0",
    "-",
    ".",
    "~",
    "^",
    ":",
    "1:",
    ":1",
    "1-",
    "-1",
    "1..2",
    "1.2.",
    "+",
    "1+",
    "99999999999999999999999999999",
    "1.99999999999999999999999999999",
    "١.٢",
    "ß",
    "1.0\u{0}",
    "1 .0",
    "a",
    "A",
    "z9",
    "9z",
];

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn version(&mut self) -> String {
        const ALPHABET: &[char] = &[
            '0', '1', '2', '9', '.', '-', '+', '~', '^', ':', '_', '!', 'a', 'b', 'c', 'p', 'r',
            'v', 'x', 'A', 'Z', ' ',
        ];
        let mut chars: Vec<char> = SEEDS[self.below(SEEDS.len())].chars().collect();
        for _ in 0..self.below(4) {
            let at = self.below(chars.len() + 1);
            match self.below(3) {
                0 => chars.insert(at, ALPHABET[self.below(ALPHABET.len())]),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                _ if at < chars.len() => chars[at] = ALPHABET[self.below(ALPHABET.len())],
                _ => {}
            }
        }
        chars.into_iter().collect()
    }
}

#[test]
fn every_ordering_is_a_total_order_on_seeds() {
    for ecosystem in Ecosystem::ALL {
        for a in SEEDS {
            for b in SEEDS {
                check_triple(ecosystem, a, b, "1.0");
            }
        }
    }
}

#[test]
fn every_ordering_is_a_total_order_on_mutations() {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    for ecosystem in Ecosystem::ALL {
        for _ in 0..20_000 {
            let (a, b, c) = (random.version(), random.version(), random.version());
            check_triple(ecosystem, &a, &b, &c);
        }
    }
}

#[test]
fn fuzzer_bytes_never_panic() {
    let mut random = Random(42);
    for ecosystem in Ecosystem::ALL {
        for _ in 0..2_000 {
            let bytes: Vec<u8> = (0..random.below(40)).map(|_| random.next() as u8).collect();
            check_bytes(ecosystem, &bytes);
        }
    }
}
