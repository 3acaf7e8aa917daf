// Package e2e tests function-golden-path in a real Crossplane control plane (etcd,
// kube-apiserver, kube-controller-manager, Crossplane core, the function installed as a
// package). hack/e2e.sh (make e2e) brings that plane up and runs these tests against it; they
// skip when KUBECONFIG and E2E_NAMESPACE are not set.
package e2e
