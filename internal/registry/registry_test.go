package registry

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestInputEnum holds the Input CRD's goldenPath enum (its +kubebuilder marker in
// input/v1beta1) equal to the registered golden paths: a golden path the schema does not
// offer cannot be selected, and one it offers must exist.
func TestInputEnum(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "package", "input", "goldenpath.fn.openportal.dev_inputs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema struct {
						Properties map[string]struct {
							Enum []string `json:"enum"`
						} `json:"properties"`
					} `json:"openAPIV3Schema"` //nolint:tagliatelle // The CRD field as Kubernetes spells it.
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &crd); err != nil || len(crd.Spec.Versions) == 0 {
		t.Fatalf("cannot read the Input CRD: %v", err)
	}
	enum := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["goldenPath"].Enum
	if diff := cmp.Diff(Names(), enum); diff != "" {
		t.Errorf("the Input's goldenPath enum (input/v1beta1, +kubebuilder:validation:Enum) and the registry differ: -registry, +enum:\n%s", diff)
	}
}

// TestRegistrations checks what every registration must have for the core, the generated
// RBAC and the harness.
func TestRegistrations(t *testing.T) {
	for name, r := range All {
		if r.Name != name || r.Blueprint == nil || r.Condition == "" || r.XR.Kind == "" || len(r.Composes) == 0 {
			t.Errorf("%s: a registration needs its name, XR kind, condition type, composed kinds and blueprint: %+v", name, r)
		}
		if _, err := os.Stat(filepath.Join("..", "..", r.Example, "composition.yaml")); err != nil {
			t.Errorf("%s: example %s: %v", name, r.Example, err)
		}
	}
}
