package goldenpath

import (
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// Presets are the built-in compute sizes an XR chooses with spec.size. An Input's presets
// replace or add to them.
//
//nolint:gochecknoglobals // A table of data, read only.
var Presets = map[string]v1beta1.Preset{
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

// Preset is the preset an XR's spec.size names: the Input's, else a built-in one. Its memory
// request or limit must be at least minMemory, what the main container (named for the
// message) needs.
func Preset(size string, in *v1beta1.Input, minMemory resource.Quantity, container string) (v1beta1.Preset, *field.Error) {
	path := field.NewPath("spec", "size")
	preset, ok := in.Presets[size]
	if !ok {
		preset, ok = Presets[size]
	}
	if !ok {
		names := slices.Sorted(maps.Keys(Presets))
		for n := range in.Presets {
			if _, builtin := Presets[n]; !builtin {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		return preset, field.NotSupported(path, size, names)
	}
	if mem, ok := preset.Memory(); !ok || mem.Cmp(minMemory) < 0 {
		return preset, field.Invalid(path, size, fmt.Sprintf("the preset's memory (%s) is less than the %s %s needs; give presets.%s a memory request and limit of at least %s",
			mem.String(), minMemory.String(), container, size, minMemory.String()))
	}
	return preset, nil
}
