package stateful

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Preset is the preset an XR's spec.size names (goldenpath.Preset), with at least the memory
// the engine needs.
func (e Engine) Preset(size string, in *v1beta1.Input) (v1beta1.Preset, *field.Error) {
	return goldenpath.Preset(size, in, e.MinMemory, e.Container)
}
