#!/usr/bin/env bash
# Builds a Go tool from one of the pinned tools modules under hack/tools, once.
# The binary is cached in .cache/bin and rebuilt only when the tools module's go.mod or the
# linker flags change.
#
# usage: [LDFLAGS=…] hack/build-tool.sh TOOLS_MODULE_DIR PACKAGE OUTPUT
set -euo pipefail

mod_dir=$1 pkg=$2 out=$3
ldflags=${LDFLAGS:-}
stamp="${out}.gomod-sha256"
want=$( (cat "${mod_dir}/go.mod"; [[ -z "${ldflags}" ]] || echo "ldflags ${ldflags}") | sha256sum | cut -d' ' -f1)

if [[ -x "${out}" && -f "${stamp}" && "$(cat "${stamp}")" == "${want}" ]]; then
  exit 0
fi

mkdir -p "$(dirname "${out}")"
echo "building ${pkg} (cached in ${out}; the first build takes minutes)" >&2
(cd "${mod_dir}" && CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags}" -o "${out}.tmp" "${pkg}")
mv "${out}.tmp" "${out}"
echo "${want}" > "${stamp}"
