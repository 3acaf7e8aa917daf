package servers

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
	"github.com/open-service-portal/function-golden-path/internal/registry"
)

// composed is what a golden path composes for an example XR, as Crossplane would get it on
// its first call for a new instance: every requirement answered with nothing found.
type composed map[resource.Name]map[string]any

// compose runs the blueprint of the golden path whose example holds file (e.g.
// valkey/xr.yaml, under example/).
func compose(t *testing.T, file string) composed {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "example", file))
	if err != nil {
		t.Fatal(err)
	}
	xr := &resource.Composite{Resource: composite.New()}
	if err := yaml.Unmarshal(b, &xr.Resource.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var reg goldenpath.Registration
	for _, r := range registry.All {
		if r.Example == filepath.Join("example", filepath.Dir(file)) {
			reg = r
		}
	}
	if reg.Blueprint == nil {
		t.Fatalf("no golden path has its example in example/%s", filepath.Dir(file))
	}
	in := &v1beta1.Input{GoldenPath: reg.Name}
	in.Default()
	name := xr.Resource.GetName()
	r := goldenpath.Request{
		XR:       xr,
		Instance: goldenpath.Instance{Name: name, ID: name[strings.LastIndex(name, "-")+1:]},
		Input:    in,
		Required: map[string][]resource.Required{},
	}
	bp := reg.Blueprint
	for key := range bp.Requirements(r) {
		r.Required[key] = nil
	}
	c, err := bp.Compose(r)
	if err != nil {
		t.Fatalf("compose %s: %v", file, err)
	}
	out := composed{}
	for _, res := range c.Resources {
		out[res.Name] = goldenpathtest.Composed(t, res.Object).Object
	}
	return out
}

// value is an entry of a composed ConfigMap's or Secret's data (decoded).
func (c composed) value(t *testing.T, name resource.Name, key string) string {
	t.Helper()
	data, _ := c[name]["data"].(map[string]any)
	v, ok := data[key].(string)
	if !ok || v == "" {
		t.Fatalf("%s has no data %q", name, key)
	}
	if c[name]["kind"] != "Secret" {
		return v
	}
	d, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		t.Fatalf("%s %q: %v", name, key, err)
	}
	return string(d)
}
