#!/usr/bin/env bash
# Packages the function as a Crossplane package (.xpkg) without a container engine.
#
#   hack/xpkg.sh build            build _output/function-golden-path-<arch>.xpkg for each platform
#   hack/xpkg.sh push REGISTRY    push them as REGISTRY/function-golden-path:$VERSION
#                                 (several platforms become one multi-platform index)
#
# build, per platform in PLATFORMS (comma-separated, default linux/amd64; e.g.
# PLATFORMS=linux/amd64,linux/arm64):
#   1. a static, stripped binary: CGO_ENABLED=0 GOOS/GOARCH go build -trimpath -ldflags '-s -w'
#      at the repository root;
#   2. a minimal non-root runtime image (hack/tools/image: one layer with /function,
#      user 65532:65532, workdir /, entrypoint /function, port 9443), as an image tarball;
#   3. $CROSSPLANE xpkg build --package-root=package --examples-root=example
#      --embed-runtime-image-tarball=<tarball>.
#
# env: CROSSPLANE   path of the crossplane CLI (the Makefile passes .cache/bin/crossplane)
#      PLATFORMS    see above
#      VERSION      tag for push (default v0.0.0-dev)
#      OUTPUT_DIR   default _output
#      SSL_CERT_FILE  CA bundle for a registry with a private CA (push)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"

name=function-golden-path
CROSSPLANE=${CROSSPLANE:-${root}/.cache/bin/crossplane}
PLATFORMS=${PLATFORMS:-linux/amd64}
VERSION=${VERSION:-v0.0.0-dev}
OUTPUT_DIR=${OUTPUT_DIR:-_output}
export GOFLAGS=${GOFLAGS:--buildvcs=false}

die() { echo "xpkg.sh: $*" >&2; exit 1; }

platforms() { tr ',' '\n' <<<"${PLATFORMS}" | sed '/^$/d'; }
arch_of() { local p=$1; p=${p#*/}; echo "${p//\//-}"; } # linux/arm64 -> arm64, linux/arm/v7 -> arm-v7
xpkg_of() { echo "${OUTPUT_DIR}/${name}-$(arch_of "$1").xpkg"; }

build() {
  [[ -x "${CROSSPLANE}" ]] || die "crossplane CLI not found at ${CROSSPLANE} (run: make tools)"
  [[ -f package/crossplane.yaml ]] || die "package/crossplane.yaml is missing"
  [[ -d example ]] || die "example/ is missing (it is embedded with --examples-root)"
  mkdir -p "${OUTPUT_DIR}/bin"

  # The image assembler is this repository's own small tool; go's build cache makes this quick.
  local imgtool=${root}/.cache/bin/xpkg-image
  mkdir -p "$(dirname "${imgtool}")"
  (cd hack/tools/image && CGO_ENABLED=0 go build -trimpath -o "${imgtool}" .)

  local p os arch variant bin tarball out
  while read -r p; do
    IFS=/ read -r os arch variant <<<"${p}"
    [[ "${os}" == linux && -n "${arch}" ]] || die "unsupported platform ${p} (want linux/ARCH)"
    bin=${OUTPUT_DIR}/bin/${os}_$(arch_of "${p}")/function
    tarball=${OUTPUT_DIR}/${name}-runtime-$(arch_of "${p}").tar
    out=$(xpkg_of "${p}")

    echo "==> ${p}: go build -> ${bin}"
    mkdir -p "$(dirname "${bin}")"
    local goarm=""
    [[ "${arch}" == arm && -n "${variant}" ]] && goarm=${variant#v}
    CGO_ENABLED=0 GOOS=${os} GOARCH=${arch} GOARM=${goarm} go build -trimpath -ldflags '-s -w' -o "${bin}" .

    echo "==> ${p}: runtime image -> ${tarball}"
    "${imgtool}" -binary "${bin}" -platform "${p}" -entrypoint /function \
      -tag "${name}-runtime:$(arch_of "${p}")" -o "${tarball}"

    echo "==> ${p}: crossplane xpkg build -> ${out}"
    rm -f "${out}"
    "${CROSSPLANE}" xpkg build --package-root=package --examples-root="$(package_examples)" \
      --embed-runtime-image-tarball="${tarball}" -o "${out}"
  done < <(platforms)
}

# package_examples copies example/ without what only the tests read (expect.yaml, which is no
# Kubernetes object) into a directory under OUTPUT_DIR, and prints it.
package_examples() {
  local dir
  rm -rf "${OUTPUT_DIR}/examples"
  mkdir -p "${OUTPUT_DIR}/examples"
  dir=$(cd "${OUTPUT_DIR}/examples" && pwd)
  (cd example && find . -name '*.yaml' ! -name expect.yaml -exec cp --parents {} "${dir}/" \;)
  echo "${dir}"
}

push() {
  local registry=${1:-${REGISTRY:-}}
  [[ -n "${registry}" ]] || die "usage: hack/xpkg.sh push REGISTRY (e.g. ghcr.io/open-service-portal)"
  [[ -x "${CROSSPLANE}" ]] || die "crossplane CLI not found at ${CROSSPLANE} (run: make tools)"
  local files=() p f
  while read -r p; do
    f=$(xpkg_of "${p}")
    [[ -f "${f}" ]] || die "${f} is missing (run: hack/xpkg.sh build with the same PLATFORMS)"
    files+=("${f}")
  done < <(platforms)
  local joined
  joined=$(IFS=,; echo "${files[*]}")
  echo "==> crossplane xpkg push -f ${joined} ${registry%/}/${name}:${VERSION}"
  "${CROSSPLANE}" xpkg push -f "${joined}" "${registry%/}/${name}:${VERSION}"
}

case "${1:-}" in
  build) build ;;
  push) shift; push "$@" ;;
  *) die "usage: hack/xpkg.sh build | push REGISTRY" ;;
esac
