#!/usr/bin/env bash
# Runs INSIDE the private network, PID and mount namespaces that hack/e2e.sh creates
# (`unshare --net --pid --fork --mount-proc --kill-child`); do not run it directly.
#
# Brings up a real control plane on loopback only: etcd, kube-apiserver, kube-controller-manager
# (no scheduler, no kubelet), Crossplane core (External package runtime) and its RBAC manager, a
# TLS registry holding the function's .xpkg, the function itself; installs the Function package
# through the real package manager, applies the example XRD/Composition/RBAC, then runs the Go
# e2e tests (test/e2e). Every process is stopped by PID on exit; the kernel kills whatever is
# left when this script (PID 1 of the namespace) exits, and the network namespace goes with it.
set -euo pipefail

: "${E2E_ROOT:?} ${E2E_WORK:?} ${E2E_LOGS:?} ${E2E_BIN:?} ${E2E_CRDS:?} ${E2E_XPKG:?} ${E2E_TEST_BIN:?} ${E2E_KUBECTL:?}"
: "${CROSSPLANE:?} ${CROSSPLANE_CORE:?} ${FUNCTION_BIN:?}"

W=${E2E_WORK}
LOGS=${E2E_LOGS}
PKI=${W}/pki
NS=${E2E_NAMESPACE:-golden-path-e2e}
EXAMPLE=${E2E_EXAMPLE:-${E2E_ROOT}/example/mongodb}
REGISTRY=127.0.0.1:5000
FN_NAME=function-golden-path
FN_PORT=9443
FN_PKG=${REGISTRY}/${FN_NAME}:v0.0.0-e2e
ADMIN_KUBECONFIG=${W}/admin.kubeconfig
export KUBECONFIG=${ADMIN_KUBECONFIG}
kubectl() { "${E2E_KUBECTL}" "$@"; }

t0=${EPOCHREALTIME}
log() { printf '[e2e %6ss] %s\n' "$(awk -v a="${EPOCHREALTIME}" -v b="${t0}" 'BEGIN{printf "%.1f", a-b}')" "$*"; }
die() { log "FAIL: $*"; exit 1; }

# ---- processes: started in the background, stopped by PID ----
declare -a PIDS=() NAMES=()
start() { # start NAME CMD...  (output to $LOGS/NAME.log)
  local name=$1; shift
  "$@" >"${LOGS}/${name}.log" 2>&1 &
  PIDS+=("$!"); NAMES+=("${name}")
  log "started ${name} (pid $!)"
}
# Background commands of a non-interactive shell ignore SIGINT, so stopping is by SIGTERM: from
# hack/e2e.sh to this script, from here to every process by PID.
alive() { # alive NAME: fail with the log's tail if the process died
  local i
  for i in "${!NAMES[@]}"; do
    if [[ "${NAMES[$i]}" == "$1" ]] && ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      tail -n 30 "${LOGS}/$1.log" >&2 || true
      die "$1 exited early (log: ${LOGS}/$1.log)"
    fi
  done
}
stop_all() {
  local i pid deadline
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill -TERM "${PIDS[$i]}" 2>/dev/null || true; done
  deadline=$((SECONDS + 15))
  for pid in "${PIDS[@]}"; do
    while kill -0 "${pid}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "${pid}" 2>/dev/null || true
    wait "${pid}" 2>/dev/null || true
  done
}
dump() {
  log "diagnostics (logs in ${LOGS})"
  {
    kubectl get functions,functionrevisions,xrd,compositions -o wide || true
    kubectl get mongodbs.database.platform.io,statefulsets,pods,jobs,services,secrets,pdb,networkpolicies,pvc -n "${NS}" -o wide || true
    kubectl get events -A --sort-by=.lastTimestamp | tail -n 60 || true
  } >"${LOGS}/cluster-state.txt" 2>&1
  local f
  for f in "${LOGS}"/*.log; do
    echo "----- tail ${f}" >&2
    tail -n 15 "${f}" >&2 || true
  done
  failures >&2 || true
}
failures() { # what each failed test printed, last: go test -v streams it long before its --- FAIL line
  [[ -f "${LOGS}/e2e-test.log" ]] || return 0
  echo "----- output of the failed tests (from ${LOGS}/e2e-test.log)"
  awk '
    NR == FNR { if (match($0, /--- FAIL: [^ ]+/)) failed[substr($0, RSTART + 10, RLENGTH - 10)] = 1; next }
    /^=== (RUN|NAME|CONT|PAUSE) / { name = $3; show = name in failed; if (show) print; next }
    /^ *--- (PASS|FAIL|SKIP):/ { show = 0 }
    show
  ' "${LOGS}/e2e-test.log" "${LOGS}/e2e-test.log"
}
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  if ((rc != 0)); then dump; fi
  if [[ -n "${E2E_HOLD:-}" ]]; then
    trap 'rm -f "${W}/hold"' INT TERM
    touch "${W}/hold"
    log "E2E_HOLD: the plane stays up until ${W}/hold is removed; use it with"
    log "  nsenter -n -t \$(pgrep -o -f 'unshare --net.*cluster.sh') env KUBECONFIG=${ADMIN_KUBECONFIG} kubectl ..."
    while [[ -e "${W}/hold" ]]; do sleep 1; done
  fi
  log "stopping ${#PIDS[@]} processes"
  stop_all
  exit "${rc}"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

wait_for() { # wait_for DESCRIPTION TIMEOUT_SECONDS CMD...
  local desc=$1 timeout=$2; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { "$@" || true; die "timed out after ${timeout}s waiting for ${desc}"; }
    sleep 0.5
  done
}

# ---- network: loopback only ----
ip link set lo up
[[ -z "$(ip -o link show | grep -v ': lo:' || true)" ]] || die "unexpected network interfaces in the namespace"

# ---- PKI ----
mkdir -p "${PKI}"
cert() { # cert NAME SUBJECT EKU [SAN]
  local name=$1 subj=$2 eku=$3 san=${4:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "${PKI}/${name}.key" \
    -subj "${subj}" -out "${PKI}/${name}.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=${eku}"
    [[ -z "${san}" ]] || echo "subjectAltName=${san}"
  } >"${PKI}/${name}.ext"
  openssl x509 -req -in "${PKI}/${name}.csr" -CA "${PKI}/ca.crt" -CAkey "${PKI}/ca.key" -CAcreateserial \
    -days 2 -sha256 -extfile "${PKI}/${name}.ext" -out "${PKI}/${name}.crt" 2>/dev/null
}
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "${PKI}/ca.key" \
  -subj "/CN=golden-path-e2e-ca" -days 2 -out "${PKI}/ca.crt" 2>/dev/null
cert apiserver "/CN=kube-apiserver" serverAuth \
  "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
cert admin "/O=system:masters/CN=e2e-admin" clientAuth
# Crossplane core authenticates as its ServiceAccount's user name (RBAC matches ServiceAccount
# subjects by user name), so it gets exactly what the chart's RBAC grants.
cert crossplane "/O=system:serviceaccounts/O=system:serviceaccounts:crossplane-system/CN=system:serviceaccount:crossplane-system:crossplane" clientAuth
cert registry "/CN=registry" serverAuth "IP:127.0.0.1,DNS:localhost"
cert function "/CN=${FN_NAME}" serverAuth,clientAuth "IP:127.0.0.1,DNS:localhost,DNS:${FN_NAME}"
cert xp-client "/CN=crossplane" clientAuth
openssl genrsa -out "${PKI}/sa.key" 2048 2>/dev/null
openssl rsa -in "${PKI}/sa.key" -pubout -out "${PKI}/sa.pub" 2>/dev/null
for d in function xp-client; do
  mkdir -p "${PKI}/${d}-dir"
  cp "${PKI}/${d}.crt" "${PKI}/${d}-dir/tls.crt"
  cp "${PKI}/${d}.key" "${PKI}/${d}-dir/tls.key"
  cp "${PKI}/ca.crt" "${PKI}/${d}-dir/ca.crt"
done

kubeconfig() { # kubeconfig FILE CERTNAME
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: "${PKI}/ca.crt"}
users:
- name: $2
  user: {client-certificate: "${PKI}/$2.crt", client-key: "${PKI}/$2.key"}
contexts:
- name: e2e
  context: {cluster: e2e, user: $2}
current-context: e2e
EOF
}
kubeconfig "${ADMIN_KUBECONFIG}" admin
kubeconfig "${W}/crossplane.kubeconfig" crossplane
log "PKI ready"

# ---- etcd, kube-apiserver, kube-controller-manager ----
start etcd "${E2E_BIN}/etcd" --name e2e --data-dir "${W}/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster e2e=http://127.0.0.1:2380 --unsafe-no-fsync --log-level warn

start kube-apiserver "${E2E_BIN}/kube-apiserver" \
  --etcd-servers=http://127.0.0.1:2379 \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port=6443 \
  --cert-dir="${W}/apiserver" \
  --tls-cert-file="${PKI}/apiserver.crt" --tls-private-key-file="${PKI}/apiserver.key" \
  --client-ca-file="${PKI}/ca.crt" \
  --authorization-mode=RBAC \
  --service-account-key-file="${PKI}/sa.pub" --service-account-signing-key-file="${PKI}/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=10.96.0.0/16 \
  --endpoint-reconciler-type=none --enable-priority-and-fairness=false \
  --profiling=false --v=1
wait_for "kube-apiserver /readyz" 90 kubectl get --raw /readyz
alive kube-apiserver
log "kube-apiserver ready"

# No kubelet and no scheduler: pods are really created (and admitted), tests play the kubelet.
start kube-controller-manager "${E2E_BIN}/kube-controller-manager" \
  --kubeconfig="${ADMIN_KUBECONFIG}" \
  --authentication-kubeconfig="${ADMIN_KUBECONFIG}" --authorization-kubeconfig="${ADMIN_KUBECONFIG}" \
  --bind-address=127.0.0.1 --secure-port=10257 --leader-elect=false \
  --root-ca-file="${PKI}/ca.crt" --service-account-private-key-file="${PKI}/sa.key" \
  --controllers=garbage-collector-controller,namespace-controller,resourcequota-controller,persistentvolumeclaim-protection-controller,serviceaccount-controller,serviceaccount-token-controller,clusterrole-aggregation-controller,statefulset-controller,deployment-controller,replicaset-controller,job-controller,disruption-controller,root-ca-certificate-publisher-controller \
  --profiling=false --v=1

# ---- Crossplane: CRDs, RBAC, lock; RBAC manager; core with the External package runtime ----
kubectl create namespace crossplane-system >/dev/null
kubectl apply --server-side --field-manager=e2e -f "${E2E_CRDS}" >/dev/null
# A CRD the API server has not given a status yet makes kubectl wait fail at once ("status.conditions
# accessor error"), not wait: retry until every CRD is Established.
wait_for "Crossplane's CRDs Established" 60 kubectl wait --for=condition=Established --timeout=5s crd --all
kubectl apply --server-side --field-manager=e2e -f "${E2E_ROOT}/hack/e2e/manifests/crossplane-rbac.yaml" >/dev/null
kubectl apply --server-side --field-manager=e2e -f - >/dev/null <<EOF
apiVersion: pkg.crossplane.io/v1beta1
kind: Lock
metadata:
  name: lock
EOF
# Crossplane's XR circuit breaker allows a burst of 50 watch events per XR, then one every 2 s
# (refill rate 1 token/s), and stays open 5 minutes. The simulated kubelet compresses minutes of
# pod start-up into a second, so the e2e refills 20x faster (E2E_CIRCUIT_BREAKER_REFILL_RATE;
# 1 is Crossplane's default); the burst and the cool-down keep their defaults. How often the
# breaker opened is printed at the end. Reconcile loops are caught by the tests instead (a
# ready XR must come to rest).
# Crossplane's server certificate for the function, referenced by the FunctionRevision status.
kubectl -n crossplane-system create secret generic "${FN_NAME}-tls-server" \
  --from-file=tls.crt="${PKI}/function.crt" --from-file=tls.key="${PKI}/function.key" \
  --from-file=ca.crt="${PKI}/ca.crt" >/dev/null

start crossplane-rbac-manager env KUBECONFIG="${ADMIN_KUBECONFIG}" "${CROSSPLANE_CORE}" rbac start
mkdir -p "${W}/xpkg-cache"
start crossplane env KUBECONFIG="${W}/crossplane.kubeconfig" POD_NAMESPACE=crossplane-system \
  POD_SERVICE_ACCOUNT=crossplane "${CROSSPLANE_CORE}" core start \
  --package-runtime=External --enable-webhooks=false \
  --tls-client-certs-dir="${PKI}/xp-client-dir" --ca-bundle-path="${PKI}/ca.crt" \
  --xpkg-cache-dir="${W}/xpkg-cache" --metrics-port=18080 --health-probe-port=18081 \
  --enable-realtime-compositions --poll-interval=1m --debug \
  --circuit-breaker-refill-rate="${E2E_CIRCUIT_BREAKER_REFILL_RATE:-20}"
wait_for "Crossplane health probe" 60 curl -fsS http://127.0.0.1:18081/readyz
alive crossplane
alive crossplane-rbac-manager
alive kube-controller-manager
log "Crossplane core up"

# ---- registry with the function's package ----
mkdir -p "${W}/registry"
cat >"${W}/registry.yml" <<EOF
version: 0.1
log: {level: warn}
storage:
  filesystem: {rootdirectory: "${W}/registry"}
http:
  addr: 127.0.0.1:5000
  tls: {certificate: "${PKI}/registry.crt", key: "${PKI}/registry.key"}
EOF
start registry docker-registry serve "${W}/registry.yml"
wait_for "registry" 30 curl -fsS --cacert "${PKI}/ca.crt" "https://${REGISTRY}/v2/"
SSL_CERT_FILE="${PKI}/ca.crt" "${CROSSPLANE}" xpkg push -f "${E2E_XPKG}" "${FN_PKG}" >"${LOGS}/xpkg-push.log" 2>&1 ||
  { cat "${LOGS}/xpkg-push.log" >&2; die "crossplane xpkg push to the local registry failed"; }
log "pushed ${E2E_XPKG##*/} as ${FN_PKG}"

# ---- the function: a local process serving gRPC over mTLS (what the runtime would run) ----
start function "${FUNCTION_BIN}" --tls-certs-dir "${PKI}/function-dir" \
  --address "127.0.0.1:${FN_PORT}" --metrics-address "" --debug
wait_for "function listening on 127.0.0.1:${FN_PORT}" 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/${FN_PORT}"
alive function

# ---- install the Function package through the package manager ----
kubectl apply --server-side --field-manager=e2e -f - >/dev/null <<EOF
apiVersion: pkg.crossplane.io/v1
kind: Function
metadata:
  name: ${FN_NAME}
spec:
  package: ${FN_PKG}
  packagePullPolicy: Always
EOF
active_revision() {
  kubectl get functionrevisions -l "pkg.crossplane.io/package=${FN_NAME}" \
    -o jsonpath='{range .items[?(@.spec.desiredState=="Active")]}{.metadata.name}{"\n"}{end}' | head -n 1
}
has_active_revision() { [[ -n "$(active_revision)" ]]; }
wait_for "an active FunctionRevision of ${FN_NAME} (package pulled and unpacked)" 120 has_active_revision
wait_for "Function ${FN_NAME} Installed=True" 120 \
  kubectl wait --for=condition=Installed=True --timeout=2s "function.pkg.crossplane.io/${FN_NAME}"
rev=$(active_revision)
# The External runtime leaves running the function to us; tell Crossplane where it runs.
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
kubectl patch functionrevision "${rev}" --subresource=status --type=merge -p "$(
  cat <<EOF
{"status":{"endpoint":"127.0.0.1:${FN_PORT}","tlsServerSecretName":"${FN_NAME}-tls-server"}}
EOF
)" >/dev/null
kubectl patch functionrevision "${rev}" --subresource=status --type=json -p "$(
  cat <<EOF
[{"op":"add","path":"/status/conditions/-","value":{"type":"RuntimeHealthy","status":"True","reason":"HealthyPackageRevision","lastTransitionTime":"${now}"}}]
EOF
)" >/dev/null
wait_for "Function ${FN_NAME} Healthy=True" 120 \
  kubectl wait --for=condition=Healthy=True --timeout=2s "function.pkg.crossplane.io/${FN_NAME}"
log "Function ${FN_NAME} Installed and Healthy (revision ${rev}, endpoint 127.0.0.1:${FN_PORT})"

# ---- what the platform runs beside Crossplane: CRDs of the kinds golden paths compose, and
# the tenant namespaces' deletion protection ----
for crds in ${E2E_PLATFORM_CRDS}; do
  kubectl apply --server-side --field-manager=e2e -f "${crds}" >/dev/null
done
kubectl wait --for=condition=Established=True --timeout=60s crd/httproutes.gateway.networking.k8s.io \
  crd/dnsendpoints.externaldns.k8s.io >/dev/null
kubectl apply --server-side --field-manager=e2e -f "${E2E_ROOT}/example/tenantnamespace/protection.yaml" >/dev/null
log "Gateway API and DNSEndpoint CRDs established; tenant namespace deletion protection applied"

# ---- every example's XRD, Composition and RBAC (E2E_EXAMPLE=DIR for one) ----
examples=("${EXAMPLE}/composition.yaml")
[[ -n "${E2E_EXAMPLE:-}" ]] || examples=("${E2E_ROOT}"/example/*/composition.yaml)
for ex in "${examples[@]}"; do
  ex=$(dirname "${ex}")
  for f in xrd composition rbac; do
    [[ -f "${ex}/${f}.yaml" ]] || die "${ex}/${f}.yaml is missing"
  done
  kubectl apply --server-side --field-manager=e2e -f "${ex}/rbac.yaml" -f "${ex}/xrd.yaml" \
    -f "${ex}/composition.yaml" >/dev/null
  xrd=$(kubectl get -f "${ex}/xrd.yaml" -o name)
  wait_for "${xrd} Established=True" 120 kubectl wait --for=condition=Established=True --timeout=2s "${xrd}"
  log "${xrd} established"
done

kubectl create namespace "${NS}" >/dev/null
kubectl label namespace "${NS}" pod-security.kubernetes.io/enforce=restricted \
  pod-security.kubernetes.io/enforce-version=latest >/dev/null
wait_for "ServiceAccount ${NS}/default" 60 kubectl -n "${NS}" get serviceaccount default
log "namespace ${NS} (pod-security enforce=restricted)"
ss -ltnp >"${LOGS}/listeners.txt" 2>&1 || true
log "control plane up (listeners, all in this namespace: ${LOGS}/listeners.txt)"

# ---- a real Backstage backend (E2E_BACKSTAGE=1, make e2e-backstage) ----
# The portal's service account and role (example/backstage/portal-rbac.yaml: no Secrets), and
# the backend of hack/backstage, on loopback, against this plane with that account's token.
if [[ "${E2E_BACKSTAGE:-0}" == 1 ]]; then
  kubectl apply --server-side --field-manager=e2e -f "${E2E_ROOT}/example/backstage/portal-rbac.yaml" >/dev/null
  wait_for "the portal's service account token" 60 \
    bash -c "kubectl -n backstage get secret backstage-token -o jsonpath='{.data.token}' | grep -q ."
  BACKSTAGE_K8S_TOKEN=$(kubectl -n backstage get secret backstage-token -o jsonpath='{.data.token}' | base64 -d)
  export E2E_BACKSTAGE_URL=http://127.0.0.1:7007 E2E_BACKSTAGE_TOKEN=golden-path-e2e-static-token
  start backstage env -C "${E2E_ROOT}/hack/backstage" BACKSTAGE_K8S_TOKEN="${BACKSTAGE_K8S_TOKEN}" BACKSTAGE_K8S_CA="$(base64 -w0 "${PKI}/ca.crt")" \
    BACKSTAGE_STATIC_TOKEN="${E2E_BACKSTAGE_TOKEN}" NODE_ENV=production \
    node backend.js --config app-config.yaml
  wait_for "Backstage backend /.backstage/health/v1/readiness" 180 curl -fsS "${E2E_BACKSTAGE_URL}/.backstage/health/v1/readiness"
  alive backstage
  log "Backstage backend up at ${E2E_BACKSTAGE_URL}"
fi

# ---- the e2e tests ----
# In the background, so that a TERM from hack/e2e.sh is handled at once (bash runs traps only
# between foreground commands, but interrupts `wait`).
cd "${E2E_ROOT}/test/e2e"
start e2e-test env E2E_NAMESPACE="${NS}" E2E_LOGS="${LOGS}" "${E2E_TEST_BIN}" -test.v -test.count=1 \
  -test.timeout="${E2E_TEST_TIMEOUT:-30m}" ${E2E_RUN:+-test.run "${E2E_RUN}"}
test_pid=${PIDS[-1]}
tail -n +1 -f --pid="${test_pid}" "${LOGS}/e2e-test.log" &
tail_pid=$!
rc=0
wait "${test_pid}" || rc=$?
wait "${tail_pid}" || true
log "Crossplane logged 'Circuit breaker is open' (an XR's events dropped) $(grep -c 'Circuit breaker is open' "${LOGS}/crossplane.log" || true) times"
((rc == 0)) || die "e2e tests failed (exit ${rc}; output in ${LOGS}/e2e-test.log)"
log "e2e tests passed"
