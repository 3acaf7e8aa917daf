package goldenpath

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// TestEncode checks that a typed object becomes a desired resource holding only what was
// set: Crossplane owns every field it applies.
func TestEncode(t *testing.T) {
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
	r, err := Encode(o, fnv1.Ready_READY_TRUE)
	if err != nil {
		t.Fatal(err)
	}
	s := received(t, r)
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
	if diff := cmp.Diff(want, s.GetResource().AsMap()); diff != "" {
		t.Errorf("Encode(...): -want, +got:\n%s", diff)
	}
	if s.GetReady() != fnv1.Ready_READY_TRUE {
		t.Errorf("Encode(...): want READY_TRUE, got %v", s.GetReady())
	}
}

// TestEncodeLengths checks fields whose length takes one, two, three and four bytes: those
// Encode moves, and those it writes where it left room.
func TestEncodeLengths(t *testing.T) {
	if err := corev1.AddToScheme(composed.Scheme); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		data   map[string]string
	}{
		"Empty":     {reason: "An object with no data at all.", data: nil},
		"OneByte":   {reason: "Every field under 128 bytes.", data: map[string]string{"a": "", "b": strings.Repeat("x", 100)}},
		"TwoBytes":  {reason: "Fields from 128 bytes to 16 KiB, the room left.", data: map[string]string{"a": strings.Repeat("x", 127), "b": strings.Repeat("y", 128), "c": strings.Repeat("z", 16000)}},
		"Three":     {reason: "A field over 16 KiB, and one short.", data: map[string]string{"a": strings.Repeat("x", 16384), "b": "short"}},
		"FourBytes": {reason: "A field over 2 MiB.", data: map[string]string{"a": strings.Repeat("x", 1<<21+1)}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cm, err := typed(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm", Labels: map[string]string{"l": "v"}}, Data: tc.data})
			if err != nil {
				t.Fatal(err)
			}
			r, err := Encode(cm, fnv1.Ready_READY_FALSE)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "cm", "labels": map[string]any{"l": "v"}}}
			if tc.data != nil {
				data := map[string]any{}
				for k, v := range tc.data {
					data[k] = v
				}
				want["data"] = data
			}
			if diff := cmp.Diff(want, received(t, r).GetResource().AsMap()); diff != "" {
				t.Errorf("%s\nEncode(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// FuzzEncode checks that the wire form Encode writes is read as the Struct of the same JSON,
// read by the standard library, without nulls in objects and without the status of an object
// that has metadata, whatever the JSON.
func FuzzEncode(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","creationTimestamp":null},"data":{"k":"v"}}`,
		`{"status":{"phase":"x"},"metadata":{},"spec":{"t":[{"metadata":{"n":1},"status":{}},null,[],{}]}}`,
		`{"status":{"phase":"x"},"spec":{"a":-1.5e300,"b":true,"c":false,"d":"\u00e9\n\"","e":0}}`,
		`{"long":"` + strings.Repeat("x", 200) + `","deep":[[[[[[[[{"a":[1,2,3]}]]]]]]]]}`,
		`{"metadata":null,"status":{"a":1}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		// Encode reads what encoding/json writes: valid UTF-8, each name once, numbers a
		// float64 holds.
		if !utf8.Valid(data) || !jsontext.Value(data).IsValid() || json.Unmarshal(data, &obj) != nil || obj == nil {
			t.Skip()
		}
		want, err := structpb.NewStruct(stripped(obj).(map[string]any))
		if err != nil {
			t.Skip() // Not a JSON object the Struct can hold.
		}
		var w wire
		var d jsontext.Decoder
		d.Reset(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
		if err := w.resource(&d); err != nil {
			t.Fatalf("resource(%s): %v", data, err)
		}
		r := &fnv1.Resource{}
		if err := proto.Unmarshal(w.b, r); err != nil {
			t.Fatalf("resource(%s): the wire form does not decode: %v", data, err)
		}
		if diff := cmp.Diff(want, r.GetResource(), protocmp.Transform()); diff != "" {
			t.Errorf("resource(%s): -want, +got:\n%s", data, diff)
		}
	})
}

// stripped is what Encode keeps of a JSON value: no nulls in objects, no status beside metadata
// (a null metadata is none).
func stripped(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if e != nil {
				out[k] = stripped(e)
			}
		}
		if _, ok := out["metadata"]; ok {
			delete(out, "status")
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = stripped(e)
		}
		return out
	}
	return v
}

// received is r as Crossplane reads it off the wire: goldenpathtest.Received, which this
// package's own tests cannot import (goldenpathtest imports goldenpath).
func received(t *testing.T, r *fnv1.Resource) *fnv1.Resource {
	t.Helper()
	b, err := proto.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	out := &fnv1.Resource{}
	if err := proto.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}
