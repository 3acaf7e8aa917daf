// Package registry lists the golden paths the function composes. Adding a golden path adds
// one line here; everything else of it lives in its own package and example.
package registry

//go:generate go run ../../hack/rbacgen

import (
	"maps"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/mongodb"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/valkey"
)

// All golden paths, by the name an Input selects them with.
//
//nolint:gochecknoglobals // The registry, read only.
var All = byName(
	mongodb.Registration,
	valkey.Registration,
)

func byName(rs ...goldenpath.Registration) map[string]goldenpath.Registration {
	out := make(map[string]goldenpath.Registration, len(rs))
	for _, r := range rs {
		out[r.Name] = r
	}
	return out
}

// Names of the golden paths, sorted.
func Names() []string { return slices.Sorted(maps.Keys(All)) }

// schemes add the API groups golden paths may compose to a scheme.
//
//nolint:gochecknoglobals // A table, read only.
var schemes = map[schema.GroupVersion]func(*runtime.Scheme) error{
	corev1.SchemeGroupVersion:       corev1.AddToScheme,
	appsv1.SchemeGroupVersion:       appsv1.AddToScheme,
	batchv1.SchemeGroupVersion:      batchv1.AddToScheme,
	policyv1.SchemeGroupVersion:     policyv1.AddToScheme,
	networkingv1.SchemeGroupVersion: networkingv1.AddToScheme,
}

// The SDK converts typed objects through its package-level composed.Scheme: the groups of the
// kinds golden paths compose are registered there once.
func init() { //nolint:gochecknoinits // composed.Scheme is package state by the SDK's design.
	done := map[schema.GroupVersion]bool{}
	for _, r := range All {
		for _, gvk := range r.Composes {
			gv := gvk.GroupVersion()
			if add, ok := schemes[gv]; ok && !done[gv] {
				utilruntime.Must(add(composed.Scheme))
				done[gv] = true
			}
		}
	}
}
