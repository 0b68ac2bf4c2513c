# Sourced by the benchmarks. The floor: every layer blob hashed as stored and hashed again
# decompressed, one after the other: what any scanner that verifies digests must at least do.
# floor_script <oci-layout dir | docker archive>: prints that work as a shell script.
floor_script() {
  if [ -d "$1" ]; then
    python3 - "$1" <<'PY'
import json, sys, os
root = sys.argv[1]
index = json.load(open(os.path.join(root, "index.json")))
m = index["manifests"][0]["digest"].split(":")[1]
manifest = json.load(open(os.path.join(root, "blobs/sha256", m)))
for l in manifest["layers"]:
    b = os.path.join(root, "blobs/sha256", l["digest"].split(":")[1])
    print(f"sha256sum {b} >/dev/null; gzip -dcf {b} | sha256sum >/dev/null")
PY
  else
    echo "sha256sum $1 >/dev/null; gzip -dcf $1 | sha256sum >/dev/null"
  fi
}

# ratio a b: a / b with two decimals, `-` when b is 0.
ratio() { python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print(f'{a / b:.2f}' if b > 0 else '-')" "$1" "$2"; }
