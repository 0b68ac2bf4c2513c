#!/usr/bin/env bash
# Benchmark (not a test): the vulnerability DB. Build time and size for all shared feeds, open
# time, match time for every shared image's inventory; then the same at osv.dev scale with
# generated advisories (ADVISORIES, default 300000), and lookup latency.
#   bench/vulndb.sh          needs python3, /usr/bin/time
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
advisories=${ADVISORIES:-300000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --manifest-path "$here/Cargo.toml" -p tollgate-cli
cargo build --release --quiet --manifest-path "$here/Cargo.toml" -p tollgate-match --example match_bench
tollgate=$here/target/release/tollgate
bench=$here/target/release/examples/match_bench

echo "== shared feeds (../shared/data)"
/usr/bin/time -f "build: %e s wall, %M KiB peak RSS" "$tollgate" db build -q \
  --from "$shared/data/osv" --from "$shared/data/alpine-secdb" -o "$work/shared.db"
"$tollgate" db info --db "$work/shared.db" | sed -n '1,7p'
targets=()
for image in debian-bookworm-app distroless-bookworm rpm-sqlite rpm-ndb rpm-bdb alpine alpine-3.18; do
  targets+=("oci:$shared/images/$image")
done
targets+=("docker-archive:$shared/images/debian-trixie-slim.tar.gz")
"$bench" "$work/shared.db" image "${targets[@]}"

echo
echo "== generated: $advisories advisories across ecosystems"
python3 - "$work/gen.zip" "$advisories" "$work/lookups.tsv" <<'PY'
import json, random, sys, zipfile
out, count, lookups = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(7)
ecosystems = ["PyPI", "npm", "Go", "crates.io", "Maven", "RubyGems", "Packagist", "NuGet", "Debian:12", "Alpine:v3.19"]
names = {e: [f"{e.lower().replace(':', '-')}-pkg-{i}" for i in range(count // 8)] for e in ecosystems}
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(count):
        e = ecosystems[i % len(ecosystems)]
        affected = []
        for _ in range(random.choice([1, 1, 1, 2, 3])):
            a, b = random.randint(0, 9), random.randint(0, 30)
            affected.append({"package": {"ecosystem": e, "name": random.choice(names[e])},
                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": f"{a}.{b}.1"}]}],
                             "versions": [f"{a}.{x}.0" for x in range(random.randint(0, 40))]})
        doc = {"schema_version": "1.6.0", "id": f"GEN-{i:07}", "modified": "2026-01-01T00:00:00Z",
               "aliases": [f"CVE-2026-{i:07}"], "summary": "generated advisory " * 3,
               "details": "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * random.randint(1, 12),
               "affected": affected,
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
               "references": [{"type": "WEB", "url": f"https://example.invalid/{i}"}] * random.randint(1, 6)}
        z.writestr(f"GEN-{i:07}.json", json.dumps(doc))
with open(lookups, "w") as f:
    for _ in range(20000):
        e = random.choice(ecosystems)
        f.write(f"{e}\t{random.choice(names[e])}\n")
PY
ls -l "$work/gen.zip" | awk '{printf "input zip: %.1f MiB\n", $5/1048576}'
/usr/bin/time -f "build: %e s wall, %M KiB peak RSS" "$tollgate" db build -q --from "$work/gen.zip" -o "$work/gen.db"
ls -l "$work/gen.db" | awk '{printf "db size: %.1f MiB\n", $5/1048576}'
"$bench" "$work/gen.db" lookups "$work/lookups.tsv"
