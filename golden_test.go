package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

var update = flag.Bool( //nolint:gochecknoglobals // A test flag is package state by the flag package's design.
	"update", false, "rewrite the golden files under testdata/golden from what the function returns")

// TestGolden pins the whole response for every example: each composed manifest as it is sent
// to Crossplane (probes, args, env, volume templates), the XR's status, conditions, results,
// requirements and TTL. Every example XR is rendered with nothing observed, and xr.yaml also
// with the example's observed steady state. Values generated at random (passwords, keyfiles)
// are masked. Review a change with `go test -run TestGolden -update .` and git diff.
func TestGolden(t *testing.T) {
	for dir, xrs := range examples(t) {
		in := compositionInput(t, dir)
		cases := map[string]func() *fnv1.RunFunctionRequest{}
		for _, x := range xrs {
			xrYAML := readFile(t, x)[0]
			cases[strings.TrimSuffix(filepath.Base(x), ".yaml")+".fresh"] = func() *fnv1.RunFunctionRequest {
				return newRequest(t, in, xrYAML, nil, nil)
			}
		}
		if observed := filepath.Join(dir, "observed.yaml"); exists(observed) {
			xrYAML := readFile(t, filepath.Join(dir, "xr.yaml"))[0]
			cases["xr.steady"] = func() *fnv1.RunFunctionRequest {
				return newRequest(t, in, xrYAML, objects(t, readFile(t, observed)...), nil)
			}
		}
		for name, req := range cases {
			t.Run(filepath.Join(filepath.Base(dir), name), func(t *testing.T) {
				got := goldenOf(t, run(t, req()), run(t, req()))
				path := filepath.Join("testdata", "golden", filepath.Base(dir), name+".yaml")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, got, 0o600); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (write it with go test -run TestGolden -update .)", err)
				}
				if diff := cmp.Diff(string(want), string(got)); diff != "" {
					t.Errorf("response differs from %s (-want, +got); if the change is deliberate, run go test -run TestGolden -update . and review the diff:\n%s", path, diff)
				}
			})
		}
	}
}

// goldenOf is a response as YAML a reviewer can read, with the values that differ between two
// calls on the same request (generated secrets) masked.
func goldenOf(t *testing.T, rsp, again *fnv1.RunFunctionResponse) []byte {
	t.Helper()
	asMap := func(r *fnv1.RunFunctionResponse) map[string]any {
		j, err := protojson.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(j, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	got := asMap(rsp)
	mask(got, asMap(again))
	y, err := yaml.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// mask replaces every string in a that differs from the same place in b.
func mask(a, b any) {
	switch at := a.(type) {
	case map[string]any:
		bt, _ := b.(map[string]any)
		for k, v := range at {
			if s, ok := v.(string); ok && bt[k] != s {
				at[k] = "<generated>"
				continue
			}
			mask(v, bt[k])
		}
	case []any:
		bt, _ := b.([]any)
		for i, v := range at {
			var other any
			if i < len(bt) {
				other = bt[i]
			}
			mask(v, other)
		}
	}
}

// compositionInput is the Input of the function's step in an example's Composition.
func compositionInput(t *testing.T, dir string) string {
	t.Helper()
	var comp struct {
		Spec struct {
			Pipeline []struct {
				Input map[string]any `json:"input"`
			} `json:"pipeline"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(dir, "composition.yaml"))[0]), &comp); err != nil || len(comp.Spec.Pipeline) == 0 {
		t.Fatalf("%s/composition.yaml: no pipeline step with an input: %v", dir, err)
	}
	in, err := yaml.Marshal(comp.Spec.Pipeline[0].Input)
	if err != nil {
		t.Fatal(err)
	}
	return string(in)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
