package goldenpath

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// Object is a composed resource as a blueprint builds it: a Kubernetes object of a Go type
// whose group AddKinds registered, or an *unstructured.Unstructured for a kind without one
// (e.g. external-dns's DNSEndpoint).
type Object interface {
	runtime.Object
	metav1.Object
}

// typed returns o as an Object with its kind set, from the scheme AddKinds fills.
func typed(o runtime.Object) (Object, error) {
	obj, ok := o.(Object)
	if !ok {
		return nil, errors.Errorf("%T has no object metadata", o)
	}
	gvks, _, err := composed.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		return nil, errors.Wrapf(err, "cannot determine the kind of %T", o)
	}
	o.GetObjectKind().SetGroupVersionKind(gvks[0])
	return obj, nil
}

// Kind of a composed resource, e.g. StatefulSet.
func Kind(o Object) string { return o.GetObjectKind().GroupVersionKind().Kind }
