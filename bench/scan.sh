#!/usr/bin/env bash
# Benchmark (not a test): `tollgate scan` on every shared image with a DB built from
# ../shared/data: cold (empty layer cache), warm (every layer cached) and --no-cache wall
# times of the default scan (vuln,secret), against the floor (hashing and decompressing the
# layers; see bench/floor.sh); and what each scanner adds to a vuln-only --no-cache scan.
# Targets: cold within 1.5x of the floor, warm under 100 ms (issue 6); the secret scanner
# under 20% on top of a vuln-only scan (issue 7).
#   bench/scan.sh            needs python3, hyperfine
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED:-$here/../shared}
images=$shared/images
work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --manifest-path "$here/Cargo.toml" -p tollgate-cli
tollgate=$here/target/release/tollgate
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)"; exit 1; }
. "$here/bench/floor.sh"
runs=${RUNS:-10}

"$tollgate" db build -q --from "$shared/data/osv" --from "$shared/data/alpine-secdb" -o "$work/shared.db"
export TOLLGATE_CACHE_DIR=$work/cache

seconds() { # [hyperfine options...] command: mean wall time of $runs runs
  hyperfine -N --style none --runs "$runs" --export-json "$work/h.json" "$@" >/dev/null 2>&1 || { echo 0; return; }
  python3 -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['results'][0]['mean']:.3f}\")" "$work/h.json"
}

printf '%-22s %8s %8s %8s %8s %9s %8s %8s %8s %9s\n' image floor cold warm no-cache "cold/flr" vuln-only "+secret" "+config" findings
# findings: vulnerabilities/secrets/checks of the last (vuln,secret,config) run
for image in debian-bookworm-app debian-trixie-slim distroless-bookworm rpm-sqlite rpm-ndb rpm-bdb alpine alpine-3.18; do
  if [ "$image" = debian-trixie-slim ]; then
    target="docker-archive:$images/debian-trixie-slim.tar.gz"
    floor_script "$images/debian-trixie-slim.tar.gz" >"$work/floor.sh"
  else
    target="oci:$images/$image"
    floor_script "$images/$image" >"$work/floor.sh"
  fi
  scan="$tollgate scan -q --db $work/shared.db -f json -o $work/report.json $target"
  floor_s=$(seconds --warmup 1 "bash $work/floor.sh")
  cold_s=$(seconds --prepare "rm -rf $work/cache" "$scan")
  warm_s=$(seconds --warmup 1 "$scan")
  none_s=$(seconds --warmup 1 "$scan --no-cache")
  vuln_s=$(seconds --warmup 1 "$scan --no-cache --scanners vuln")
  all_s=$(seconds --warmup 1 "$scan --no-cache --scanners vuln,secret,config")
  findings=$(python3 -c "import json,sys; r = json.load(open(sys.argv[1])); print(f\"{len(r['findings'])}/{len(r['secrets'])}/{len(r['checks'])}\")" "$work/report.json")
  added() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{(a - b) / b * 100:+.0f}%' if b > 0 else '-')" "$1" "$2"; }
  printf '%-22s %7ss %7ss %6.0fms %7ss %9s %7ss %8s %8s %9s\n' "$image" "$floor_s" "$cold_s" "$(echo "$warm_s*1000" | bc -l)" "$none_s" \
    "$(ratio "$cold_s" "$floor_s")" "$vuln_s" "$(added "$none_s" "$vuln_s")" "$(added "$all_s" "$none_s")" "$findings"
done
