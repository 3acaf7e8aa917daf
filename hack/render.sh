#!/usr/bin/env bash
# Renders an example XR through the real `crossplane composition render`, against this
# function running locally on loopback, and stops the function afterwards.
#
# usage: hack/render.sh EXAMPLE_DIR XR_FILE PORT [more `crossplane composition render` flags]
# e.g.   hack/render.sh example/mongodb example/mongodb/xr.yaml 9443 -o example/mongodb/observed.yaml
set -euo pipefail

dir=$1 xr=$2 port=$3
shift 3
bin="$(cd "$(dirname "$0")/.." && pwd)/.cache/bin"

"${bin}/function-golden-path" --insecure --address "127.0.0.1:${port}" --metrics-address "" &
fn=$!
trap 'kill "${fn}" 2>/dev/null || true; wait "${fn}" 2>/dev/null || true' EXIT

for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then break; fi
  kill -0 "${fn}" 2>/dev/null || { echo "the function exited before listening on 127.0.0.1:${port}" >&2; exit 1; }
  sleep 0.1
done

"${bin}/crossplane" composition render "${xr}" "${dir}/composition.yaml" "${dir}/functions.yaml" \
  --include-function-results --xrd "${dir}/xrd.yaml" \
  --crossplane-binary "${bin}/crossplane-core" \
  --function-annotations "render.crossplane.io/runtime-development-target=127.0.0.1:${port}" \
  "$@"
