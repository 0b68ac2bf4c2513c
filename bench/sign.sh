#!/usr/bin/env bash
# Benchmark (not a test): signing and verification throughput, CPU only (signatures per
# second, one core), for both signature layouts and both key types, beside OpenSSL's raw
# ECDSA P-256 / Ed25519 rates on the same machine (the floor: the signature alone, no payload
# to build, serialise or parse).
#   bench/sign.sh [SECONDS]       needs openssl for the floor
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-2}
cargo run --release --quiet --manifest-path "$here/Cargo.toml" -p tollgate-sign --example sign_bench -- "$seconds"
if command -v openssl >/dev/null; then
  echo
  echo "floor: openssl speed (raw signatures, no payload handling)"
  openssl speed -seconds "$seconds" ecdsap256 ed25519 2>/dev/null | grep -E '^ *(256 bits ecdsa|253 bits EdDSA)|sign/s'
fi
