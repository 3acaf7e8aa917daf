package stateful

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	// MaxStorageGB keeps a typo (10000 instead of 100) from ordering a huge volume.
	MaxStorageGB = 16384
	// MaxAccessNamespaces bounds spec.access.namespaces: each is a rule of the NetworkPolicy.
	MaxAccessNamespaces = 64
)

// StorageGiB is spec.storageGB as the quantity of a volume, checked against its bounds.
func StorageGiB(gb int64) (resource.Quantity, *field.Error) {
	if gb <= 0 || gb > MaxStorageGB {
		return resource.Quantity{}, field.Invalid(fieldStorage, gb, fmt.Sprintf("must be from 1 to %d", MaxStorageGB))
	}
	return *resource.NewQuantity(gb<<30, resource.BinarySI), nil
}

// Access says who may connect to a data service besides pods in the XR's own namespace.
type Access struct {
	// Namespaces whose pods may connect, besides pods of this namespace.
	// +kubebuilder:title="Namespaces allowed to connect"
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=63
	// +listType=set
	// +optional
	Namespaces []string `json:"namespaces,omitempty"`
}

// Validate checks spec.access: namespace names, each once, a bounded number.
func (a Access) Validate() field.ErrorList {
	path := spec.Child("access", "namespaces")
	if len(a.Namespaces) > MaxAccessNamespaces {
		return field.ErrorList{field.TooMany(path, len(a.Namespaces), MaxAccessNamespaces)}
	}
	var errs field.ErrorList
	seen := make(map[string]bool, len(a.Namespaces))
	for i, ns := range a.Namespaces {
		if seen[ns] {
			errs = append(errs, field.Duplicate(path.Index(i), ns))
		}
		seen[ns] = true
		for _, msg := range validation.IsDNS1123Label(ns) {
			errs = append(errs, field.Invalid(path.Index(i), ns, msg))
		}
	}
	return errs
}
