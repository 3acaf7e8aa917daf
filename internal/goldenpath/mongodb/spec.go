package mongodb

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// Spec is the spec of a MongoDB XR (database.platform.io/v1alpha1). Pointers tell an absent
// field, which gets its default, from an explicit zero, which is invalid.
type Spec struct {
	// Version is the MongoDB release, e.g. "7.0".
	Version *string `json:"version,omitempty"`
	// StorageGB is the size of each member's volume in GiB.
	StorageGB *int64 `json:"storageGB,omitempty"` //nolint:tagliatelle // The XR's API, as the portal's templates write it.
	// Replicas is 1 for a standalone server, or an odd number for a replica set.
	Replicas *int32 `json:"replicas,omitempty"`
	// Size is a compute preset: small, medium, large or one the platform adds.
	Size *string `json:"size,omitempty"`
	// StorageClassName overrides the platform's storage class.
	StorageClassName *string `json:"storageClassName,omitempty"`
	// Access says who may connect besides pods in the XR's own namespace.
	Access Access `json:"access,omitzero"`
}

// Access to the database over the network.
type Access struct {
	// Namespaces whose pods may connect, besides the XR's own namespace.
	Namespaces []string `json:"namespaces,omitempty"`
}

// Defaults of the spec; the example XRD declares the same.
const (
	DefaultVersion   = "7.0"
	DefaultStorageGB = 10
	DefaultReplicas  = 1
	DefaultSize      = "small"

	// MaxReplicas is MongoDB's limit of voting members in a replica set.
	MaxReplicas = 7
	// MaxStorageGB keeps a typo (10000 instead of 100) from ordering a huge volume.
	MaxStorageGB = 16384
	// MaxAccessNamespaces bounds spec.access.namespaces: each is a rule of the NetworkPolicy.
	MaxAccessNamespaces = 64
)

// minMemory is the least memory mongod runs in: its smallest WiredTiger cache (0.25 GB) and
// its own overhead.
var minMemory = resource.MustParse("512Mi") //nolint:gochecknoglobals // A constant quantity.

// release is a supported MongoDB release.
type release struct {
	// Version as written in the XR, e.g. "7.0"; also the image tag.
	Version string
}

// releases are the supported releases, oldest first. MongoDB upgrades one release at a
// time, so the order also says which upgrades are allowed.
var releases = []release{ //nolint:gochecknoglobals // A table of data, read only.
	{Version: "6.0"},
	{Version: "7.0"},
	{Version: "8.0"},
}

func releaseIndex(version string) int {
	return slices.IndexFunc(releases, func(r release) bool { return r.Version == version })
}

func supportedVersions() []string {
	vs := make([]string, len(releases))
	for i, r := range releases {
		vs[i] = r.Version
	}
	return vs
}

// presets are the built-in compute sizes. An Input's presets replace or add to them.
var presets = map[string]v1beta1.Preset{ //nolint:gochecknoglobals // A table of data, read only.
	"small": {
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
	},
	"medium": {
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("4Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")},
	},
	"large": {
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("16Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("16Gi")},
	},
}

// params are a validated, defaulted spec: what the blueprint composes from.
type params struct {
	Version string
	// Image is the image that runs, kept as it is (e.g. pinned by digest) when the release
	// does not change; empty composes the release's image from the Input.
	Image            string
	StorageGB        int64
	Storage          resource.Quantity
	Replicas         int32
	Size             string
	Preset           v1beta1.Preset
	StorageClassName string
	Namespaces       []string
}

// ReplicaSet tells whether the instance is a replica set rather than a standalone server.
func (p params) ReplicaSet() bool { return p.Replicas > 1 }

// resolve defaults and validates a spec, returning every problem with its field.
func resolve(s Spec, in *v1beta1.Input) (params, field.ErrorList) {
	p := params{
		Version:          ptr.Deref(s.Version, DefaultVersion),
		StorageGB:        ptr.Deref(s.StorageGB, DefaultStorageGB),
		Replicas:         ptr.Deref(s.Replicas, DefaultReplicas),
		Size:             ptr.Deref(s.Size, DefaultSize),
		StorageClassName: ptr.Deref(s.StorageClassName, in.StorageClassName),
		Namespaces:       s.Access.Namespaces,
	}

	var errs field.ErrorList
	if releaseIndex(p.Version) < 0 {
		errs = append(errs, field.NotSupported(spec.Child("version"), p.Version, supportedVersions()))
	}
	if p.StorageGB <= 0 || p.StorageGB > MaxStorageGB {
		errs = append(errs, field.Invalid(spec.Child("storageGB"), p.StorageGB, fmt.Sprintf("must be from 1 to %d", MaxStorageGB)))
	} else {
		p.Storage = *resource.NewQuantity(p.StorageGB<<30, resource.BinarySI)
	}
	if p.Replicas < 1 || p.Replicas > MaxReplicas || p.Replicas%2 == 0 {
		errs = append(errs, field.Invalid(spec.Child("replicas"), p.Replicas,
			fmt.Sprintf("must be 1 for a standalone server or an odd number up to %d for a replica set (an even number of members cannot elect a primary after losing half)", MaxReplicas)))
	}
	preset, err := resolvePreset(p.Size, in)
	if err != nil {
		errs = append(errs, err)
	}
	p.Preset = preset
	if p.StorageClassName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(p.StorageClassName) {
			errs = append(errs, field.Invalid(spec.Child("storageClassName"), p.StorageClassName, msg))
		}
	}
	errs = append(errs, validNamespaces(p.Namespaces)...)
	return p, errs
}

// resolvePreset is the preset an XR's size names: the Input's, else a built-in one. mongod
// needs a memory request or limit, and enough of it.
func resolvePreset(size string, in *v1beta1.Input) (v1beta1.Preset, *field.Error) {
	preset, ok := in.Presets[size]
	if !ok {
		preset, ok = presets[size]
	}
	if !ok {
		return preset, field.NotSupported(spec.Child("size"), size, presetNames(in))
	}
	if mem, ok := preset.Memory(); !ok || mem.Cmp(minMemory) < 0 {
		return preset, field.Invalid(spec.Child("size"), size,
			fmt.Sprintf("the preset's memory (%s) is less than the %s mongod needs; give presets.%s a memory request and limit of at least %s", mem.String(), minMemory.String(), size, minMemory.String()))
	}
	return preset, nil
}

// validNamespaces checks spec.access.namespaces: namespace names, each once, a bounded number.
func validNamespaces(namespaces []string) field.ErrorList {
	path := spec.Child("access", "namespaces")
	if len(namespaces) > MaxAccessNamespaces {
		return field.ErrorList{field.TooMany(path, len(namespaces), MaxAccessNamespaces)}
	}
	var errs field.ErrorList
	seen := make(map[string]bool, len(namespaces))
	for i, ns := range namespaces {
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

func presetNames(in *v1beta1.Input) []string {
	names := make([]string, 0, len(presets)+len(in.Presets))
	for n := range presets {
		names = append(names, n)
	}
	for n := range in.Presets {
		if _, ok := presets[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// describe is the instance for humans, e.g. "MongoDB 7.0 replica set of 3 members, 10 GiB each".
func (p params) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MongoDB %s ", cmp.Or(p.Version, "(unknown release)"))
	if p.ReplicaSet() {
		fmt.Fprintf(&b, "replica set of %d members, %s each", p.Replicas, sizeOf(p.Storage))
	} else {
		fmt.Fprintf(&b, "standalone server, %s", sizeOf(p.Storage))
	}
	fmt.Fprintf(&b, " (%s)", p.Size)
	return b.String()
}

// sizeOf is a volume size for humans: "10 GiB" when it is whole GiB, else as written ("10G").
func sizeOf(q resource.Quantity) string {
	const gib = 1 << 30
	if v := q.Value(); v%gib == 0 {
		return fmt.Sprintf("%d GiB", v/gib)
	}
	return q.String()
}
