// Package input generates the Input CRD and deepcopy code of this Function.
//
// Run `make generate`: it builds the pinned controller-gen (hack/tools/dev) and puts it on PATH.
package input

// Remove existing and generate new input manifests.
//go:generate rm -rf ../package/input/
//go:generate controller-gen paths=./v1beta1 object crd:crdVersions=v1 output:artifacts:config=../package/input
