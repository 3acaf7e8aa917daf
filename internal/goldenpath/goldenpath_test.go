package goldenpath

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/crossplane/function-sdk-go/resource/composed"
)

// TestAsStruct checks that a typed object becomes a desired resource holding only what was
// set: Crossplane owns every field it applies.
func TestAsStruct(t *testing.T) {
	// The registry registers what golden paths compose; this test registers its own kind.
	if err := appsv1.AddToScheme(composed.Scheme); err != nil {
		t.Fatal(err)
	}
	sts := &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Spec: appsv1.StatefulSetSpec{
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{
					Name:           "c",
					ReadinessProbe: &corev1.Probe{PeriodSeconds: 10}, // timeoutSeconds: 0 must not be applied.
				}},
				Volumes: []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			}},
		},
	}
	o, err := typed(sts)
	if err != nil {
		t.Fatal(err)
	}
	s, err := AsStruct(o)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"apiVersion": "apps/v1", "kind": "StatefulSet",
		"metadata": map[string]any{"name": "db"},
		"spec": map[string]any{
			"serviceName": "", // Not omitempty in the API types; the blueprint always sets it.
			"template": map[string]any{
				"metadata": map[string]any{},
				"spec": map[string]any{
					"containers": []any{map[string]any{"name": "c", "readinessProbe": map[string]any{"periodSeconds": float64(10)}, "resources": map[string]any{}}},
					"volumes":    []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}},
				},
			},
			"updateStrategy": map[string]any{},
		},
	}
	if diff := cmp.Diff(want, s.AsMap()); diff != "" {
		t.Errorf("AsStruct(...): -want, +got:\n%s", diff)
	}
}
