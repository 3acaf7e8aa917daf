#!/usr/bin/env bash
# make e2e: runs the function in a real Crossplane control plane on this machine, hermetically.
#
# 1. builds (or reuses, cached in .cache/bin) etcd, kube-apiserver, kube-controller-manager
#    (hack/tools/kube), the crossplane CLI and core, the function binary, the .xpkg
#    (hack/xpkg.sh) and the e2e test binary (test/e2e, a separate Go module);
# 2. installs docker-registry and openssl from apt if missing, and kubectl (apt, else built from
#    hack/tools/kube);
# 3. runs hack/e2e/cluster.sh in private network, PID and mount namespaces (root needed):
#    nothing listens beyond that namespace's loopback, and every process of the run dies with it.
#
# env: CROSSPLANE, CROSSPLANE_CORE  CLI and core binaries (the Makefile passes them)
#      KUBECTL                      kubectl to use (default: the one on PATH, else apt, else built)
#      E2E_RUN                      only run tests matching this regexp (go test -run)
#      E2E_TEST_TIMEOUT             go test -timeout for the tests (default 30m)
#      E2E_KEEP=1                   keep the work directory (etcd data, PKI) for inspection
#      E2E_HOLD=1                   after the tests, keep the plane up until WORK/hold is removed
#                                   (cluster.sh prints how to reach it with nsenter and kubectl)
# Logs of every component and of the tests: _output/e2e/logs/.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "${root}"
export GOFLAGS=${GOFLAGS:--buildvcs=false}

BIN=${root}/.cache/bin
CROSSPLANE=${CROSSPLANE:-${BIN}/crossplane}
CROSSPLANE_CORE=${CROSSPLANE_CORE:-${BIN}/crossplane-core}
OUT=${root}/_output/e2e
start_ts=${EPOCHREALTIME}

step() { printf '\n==> [%ss] %s\n' "$(awk -v a="${EPOCHREALTIME}" -v b="${start_ts}" 'BEGIN{printf "%.1f", a-b}')" "$*"; }
die() { echo "e2e.sh: $*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "needs root: the control plane runs in a private network namespace (unshare --net)"
[[ "$(uname -s)" == Linux ]] || die "needs Linux (network namespaces)"

step "tools (built once, cached in .cache/bin)"
hack/build-tool.sh hack/tools/kube/etcd go.etcd.io/etcd/server/v3 "${BIN}/etcd"
hack/build-tool.sh hack/tools/kube k8s.io/kubernetes/cmd/kube-apiserver "${BIN}/kube-apiserver"
hack/build-tool.sh hack/tools/kube k8s.io/kubernetes/cmd/kube-controller-manager "${BIN}/kube-controller-manager"
crds=$(cd hack/tools/crossplane-core && go list -m -f '{{.Dir}}' github.com/crossplane/crossplane/v2)/cluster/crds
[[ -d "${crds}" ]] || die "Crossplane CRDs not found at ${crds}"
# The CRDs of what the platform runs beside Crossplane, which golden paths compose: the Gateway
# API's (the release the function's go.mod pins) and external-dns's DNSEndpoint (a pinned
# release, downloaded as a module). No controller of theirs runs: the tests play their status.
EXTERNAL_DNS_VERSION=v0.19.0
gateway_crds=$(go list -m -f '{{.Dir}}' sigs.k8s.io/gateway-api)/config/crd/standard
dnsendpoint_crd=$(go mod download -json "sigs.k8s.io/external-dns@${EXTERNAL_DNS_VERSION}" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')/config/crd/standard/dnsendpoints.externaldns.k8s.io.yaml
[[ -d "${gateway_crds}" && -f "${dnsendpoint_crd}" ]] || die "platform CRDs not found: ${gateway_crds} ${dnsendpoint_crd}"
# The package manager refuses every package when the core has no version: `make e2e` builds
# it with the version stamped (see the Makefile).
[[ "$("${CROSSPLANE_CORE}" --version 2>/dev/null)" == v* ]] ||
  die "${CROSSPLANE_CORE} has no version stamped; build it with make (make e2e does)"

missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v openssl >/dev/null || missing+=(openssl)
command -v pgrep >/dev/null || missing+=(procps)
command -v unshare >/dev/null || missing+=(util-linux)
command -v ip >/dev/null || missing+=(iproute2)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends "${missing[@]}" ||
    { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
fi
# kubectl: the system's if there is one, else Debian's package (trixie and later), else built
# from the same Kubernetes release as the control plane.
kubectl_bin=${KUBECTL:-$(command -v kubectl || true)}
if [[ -z "${kubectl_bin}" ]]; then
  step "kubectl"
  if DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends kubectl; then
    kubectl_bin=$(command -v kubectl)
  else
    hack/build-tool.sh hack/tools/kube k8s.io/kubernetes/cmd/kubectl "${BIN}/kubectl"
    kubectl_bin=${BIN}/kubectl
  fi
fi

# In _output, not in .cache/bin: worktrees share the tools cache, and one worktree's e2e must
# not run another's function.
step "function binary (_output/e2e/function-golden-path)"
mkdir -p "${OUT}"
CGO_ENABLED=0 go build -trimpath -o "${OUT}/function-golden-path" .

step "package (hack/xpkg.sh build)"
arch=$(go env GOARCH)
CROSSPLANE=${CROSSPLANE} PLATFORMS=linux/${arch} OUTPUT_DIR=_output hack/xpkg.sh build
xpkg=${root}/_output/function-golden-path-${arch}.xpkg

step "e2e test binary (test/e2e)"
mkdir -p "${OUT}"
rm -rf "${OUT}/logs"
mkdir -p "${OUT}/logs"
(cd test/e2e && go test -c -o "${OUT}/e2e.test" .)

work=$(mktemp -d /tmp/golden-path-e2e.XXXXXX)
child=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "${child}" ]] && kill -0 "${child}" 2>/dev/null; then
    # unshare ignores TERM while it waits; cluster.sh (its child, PID 1 of the namespaces)
    # stops its processes on TERM. If that takes too long, killing unshare kills cluster.sh
    # (--kill-child), and with it, by the kernel, everything in its PID namespace.
    local inner
    inner=$(pgrep -P "${child}" || true)
    [[ -z "${inner}" ]] || kill -TERM ${inner} 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "${child}" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "${child}" 2>/dev/null || true
    wait "${child}" 2>/dev/null || true
  fi
  # Every process of the run had the work directory on its command line; none may be left.
  local left
  left=$(pgrep -af -- "${work}" || true)
  if [[ -n "${left}" ]]; then
    echo "e2e.sh: processes left behind:" >&2
    echo "${left}" >&2
    rc=1
  fi
  if [[ "${E2E_KEEP:-0}" == 1 ]]; then
    echo "work directory kept: ${work}"
  else
    rm -rf "${work}"
  fi
  step "done (exit ${rc}; logs in ${OUT}/logs)"
  exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "control plane and tests (private network namespace; logs in _output/e2e/logs)"
E2E_ROOT=${root} E2E_WORK=${work} E2E_LOGS=${OUT}/logs E2E_BIN=${BIN} E2E_CRDS=${crds} \
  E2E_PLATFORM_CRDS="${gateway_crds} ${dnsendpoint_crd}" \
  E2E_XPKG=${xpkg} E2E_TEST_BIN=${OUT}/e2e.test E2E_KUBECTL=${kubectl_bin} \
  CROSSPLANE=${CROSSPLANE} CROSSPLANE_CORE=${CROSSPLANE_CORE} FUNCTION_BIN=${OUT}/function-golden-path \
  unshare --net --pid --fork --mount-proc --kill-child -- bash "${root}/hack/e2e/cluster.sh" &
child=$!
wait "${child}"
