// Package goldenpathtest builds the requests golden path tests compose from, out of YAML a
// human can read.
package goldenpathtest

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Object reads a YAML object as the function reads what Crossplane sends it, from a protobuf
// Struct (goldenpath.Content).
func Object(t *testing.T, y string) map[string]any {
	t.Helper()
	obj := map[string]any{}
	if err := yaml.Unmarshal([]byte(y), &obj); err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	s, err := structpb.NewStruct(obj)
	if err != nil {
		t.Fatalf("%v\n%s", err, y)
	}
	return goldenpath.Content(s)
}

// Request is a request to the golden path reg (whose kinds it registers) for the XR in xr, with
// the instance name given, the observed composed resources by pipeline name and the Input
// (defaulted; nil for the defaults).
func Request(t *testing.T, reg goldenpath.Registration, xr, instance string, in *v1beta1.Input, observed map[resource.Name]string) goldenpath.Request {
	t.Helper()
	goldenpath.AddKinds(reg)
	if in == nil {
		in = &v1beta1.Input{}
	}
	in.Default()
	r := goldenpath.Request{
		XR:       &resource.Composite{Resource: &composite.Unstructured{}},
		Instance: goldenpath.Instance{Name: instance, ID: instance[len(instance)-min(8, len(instance)):]},
		Observed: map[resource.Name]resource.ObservedComposed{},
		Required: map[string][]resource.Required{},
		Input:    in,
	}
	r.XR.Resource.Object = Object(t, xr)
	for name, y := range observed {
		c := composed.New()
		c.Object = Object(t, y)
		r.Observed[name] = resource.ObservedComposed{Resource: c}
	}
	return r
}

// Required adds resources Crossplane fetched for a requirement.
func Required(t *testing.T, r goldenpath.Request, key string, objects ...string) {
	t.Helper()
	r.Required[key] = []resource.Required{}
	for _, y := range objects {
		u := composed.New()
		u.Object = Object(t, y)
		r.Required[key] = append(r.Required[key], resource.Required{Resource: &u.Unstructured})
	}
}

// Composed is a composed resource as Crossplane receives it (goldenpath.Encode), read back
// as an unstructured object: every number a float64.
func Composed(t *testing.T, o goldenpath.Object) *composed.Unstructured {
	t.Helper()
	r, err := goldenpath.Encode(o, fnv1.Ready_READY_UNSPECIFIED)
	if err != nil {
		t.Fatal(err)
	}
	c := composed.New()
	c.Object = Received(t, r).GetResource().AsMap()
	return c
}

// Received is m as its receiver reads it off the wire: a composed resource goldenpath.Encode
// wrote holds its Struct again.
func Received[M proto.Message](t *testing.T, m M) M {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out := m.ProtoReflect().New().Interface().(M) //nolint:forcetypeassert // New makes an M.
	if err := proto.Unmarshal(b, out); err != nil {
		t.Fatal(err)
	}
	return out
}
