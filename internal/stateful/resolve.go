package stateful

import (
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// Asked are the fields every data service's spec has, defaulted.
type Asked struct {
	Version          string
	Replicas         int32
	StorageGB        int64
	StorageClassName string
	Size             string
	Access           Access
}

// Resolved are those fields validated: the members the spec wants, before the guards settle
// them against what runs, and the compute preset.
type Resolved struct {
	Want

	StorageGB  int64
	Size       string
	Preset     v1beta1.Preset
	Namespaces []string
}

// Resolve validates what a spec asks of every data service, returning each problem with its
// field: a supported release, the storage's bounds, a member count (1, or one ValidMembers
// accepts; replicas says which, for the message), a preset with the engine's memory, a storage
// class name and spec.access.
func (e Engine) Resolve(a Asked, in *v1beta1.Input, replicas string) (Resolved, field.ErrorList) {
	r := Resolved{
		Want:       Want{Version: a.Version, Replicas: a.Replicas, StorageClassName: a.StorageClassName},
		StorageGB:  a.StorageGB,
		Size:       a.Size,
		Namespaces: a.Access.Namespaces,
	}
	var errs field.ErrorList
	if e.ReleaseIndex(r.Version) < 0 {
		errs = append(errs, field.NotSupported(fieldVersion, r.Version, e.Releases))
	}
	storage, err := StorageGiB(r.StorageGB)
	if err != nil {
		errs = append(errs, err)
	}
	r.Storage = storage
	if r.Replicas != 1 && !e.ValidMembers(r.Replicas) {
		errs = append(errs, field.Invalid(fieldReplicas, r.Replicas, replicas))
	}
	preset, perr := e.Preset(r.Size, in)
	if perr != nil {
		errs = append(errs, perr)
	}
	r.Preset = preset
	if r.StorageClassName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(r.StorageClassName) {
			errs = append(errs, field.Invalid(fieldStorageCls, r.StorageClassName, msg))
		}
	}
	return r, append(errs, a.Access.Validate()...)
}
