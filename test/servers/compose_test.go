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
	"github.com/open-service-portal/function-golden-path/internal/registry"
)

// composed is what a golden path composes for an example XR, as Crossplane would get it on
// its first call for a new instance: every requirement answered with nothing found.
type composed map[resource.Name]map[string]any

// compose runs a golden path's blueprint on example/<dir>/<file>.
func compose(t *testing.T, goldenPath, file string) composed {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "example", file))
	if err != nil {
		t.Fatal(err)
	}
	xr := &resource.Composite{Resource: composite.New()}
	if err := yaml.Unmarshal(b, &xr.Resource.Object); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	in := &v1beta1.Input{GoldenPath: goldenPath}
	in.Default()
	name := xr.Resource.GetName()
	r := goldenpath.Request{
		XR:       xr,
		Instance: goldenpath.Instance{Name: name, ID: name[strings.LastIndex(name, "-")+1:]},
		Input:    in,
		Required: map[string][]resource.Required{},
	}
	bp := registry.All[goldenPath].Blueprint
	for key := range bp.Requirements(r) {
		r.Required[key] = nil
	}
	c, err := bp.Compose(r)
	if err != nil {
		t.Fatalf("compose %s: %v", file, err)
	}
	out := composed{}
	for _, res := range c.Resources {
		out[res.Name] = res.Object.Object
	}
	return out
}

// configData is a ConfigMap's data entry.
func (c composed) configData(t *testing.T, name resource.Name, key string) string {
	t.Helper()
	data, _ := c[name]["data"].(map[string]any)
	v, ok := data[key].(string)
	if !ok {
		t.Fatalf("%s has no data %q", name, key)
	}
	return v
}

// secretData is a Secret's data entry, decoded.
func (c composed) secretData(t *testing.T, name resource.Name, key string) string {
	t.Helper()
	data, _ := c[name]["data"].(map[string]any)
	v, _ := data[key].(string)
	d, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(d) == 0 {
		t.Fatalf("%s has no data %q: %v", name, key, err)
	}
	return string(d)
}
