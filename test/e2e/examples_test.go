package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// TestExamples runs every example XR of every golden path (example/*/xr*.yaml) in the
// control plane, knowing nothing of its golden path but what its expect.yaml says: the XR
// composes the pipeline names listed, becomes Ready with its golden path's condition True
// (the simulated kubelet runs its pods, the simulated platform routes and publishes), and its
// composed objects go with it.
func TestExamples(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "example", "*", "expect.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no example/*/expect.yaml: %v", err)
	}
	startKubelet(t, false)
	startPlatform(t)
	for _, expect := range dirs {
		dir := filepath.Dir(expect)
		var e struct {
			Condition    string              `json:"condition"`
			Composes     map[string][]string `json:"composes"`
			BeforeDelete map[string]any      `json:"beforeDelete"`
			// Operator names an operator the example's resources need, which this control
			// plane does not run: a test of its own plays it.
			Operator string `json:"operator"`
		}
		readYAML(t, expect, &e)
		if e.Operator != "" {
			t.Logf("%s: needs the %s operator; its own test plays it", dir, e.Operator)
			continue
		}
		gvr, scope := xrdResource(t, filepath.Join(dir, "xrd.yaml"))
		for file, pipeline := range e.Composes {
			t.Run(filepath.Base(dir)+"/"+file, func(t *testing.T) {
				u := &unstructured.Unstructured{}
				readYAML(t, filepath.Join(dir, file), &u.Object)
				var xrs dynamic.ResourceInterface = c.dyn.Resource(gvr)
				if scope != "Cluster" {
					u.SetNamespace(c.ns)
					xrs = c.dyn.Resource(gvr).Namespace(c.ns)
				}
				if _, err := xrs.Create(t.Context(), u, metav1.CreateOptions{}); err != nil {
					t.Fatalf("create %s %s: %v", u.GetKind(), u.GetName(), err)
				}
				all := fmt.Sprintf("%d/%d", len(pipeline), len(pipeline))
				eventually(t, 2*time.Minute, fmt.Sprintf("%s %s Ready with %s True and %s resources ready", u.GetKind(), u.GetName(), e.Condition, all), func() error {
					got, err := xrs.Get(t.Context(), u.GetName(), metav1.GetOptions{})
					if err != nil {
						return err
					}
					for _, typ := range []string{"Ready", e.Condition} {
						if cd := conditionOf(got, typ); cd.Status != "True" {
							return fmt.Errorf("%s is %s%s", typ, cd, describe(got))
						}
					}
					if r := statusString(got, "readyResources"); r != all {
						return fmt.Errorf("readyResources %s%s", r, describe(got))
					}
					return nil
				})
				got, err := xrs.Get(t.Context(), u.GetName(), metav1.GetOptions{})
				if err != nil {
					t.Fatal(err)
				}
				refs, _, _ := unstructured.NestedSlice(got.Object, "spec", "crossplane", "resourceRefs")
				if len(refs) != len(pipeline) {
					t.Errorf("%d composed resources, want %d (expect.yaml: %v)", len(refs), len(pipeline), pipeline)
				}
				if out := os.Getenv("E2E_CAPTURE"); out != "" {
					capture(t, filepath.Join(out, filepath.Base(dir), file), got, refs, scope)
				}
				if e.BeforeDelete != nil {
					prepareDelete(t, xrs, u.GetName(), e.BeforeDelete)
				}
				if err := xrs.Delete(t.Context(), u.GetName(), metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
				eventually(t, 2*time.Minute, fmt.Sprintf("%s %s and its composed objects to be gone", u.GetKind(), u.GetName()), func() error {
					if _, err := xrs.Get(t.Context(), u.GetName(), metav1.GetOptions{}); !kerrors.IsNotFound(err) {
						return fmt.Errorf("XR still there (%w)", err)
					}
					for _, r := range refs {
						if _, err := getRef(t.Context(), r, scope); !kerrors.IsNotFound(err) {
							return fmt.Errorf("%s still there (%w)", describeRef(r), err)
						}
					}
					return nil
				})
			})
		}
	}
}

// prepareDelete applies an example's beforeDelete merge patch to its XR and waits until the
// function has rolled it out: the XR's status describes the new generation and it is Ready.
func prepareDelete(t *testing.T, xrs dynamic.ResourceInterface, name string, patch map[string]any) {
	t.Helper()
	b, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	u, err := xrs.Patch(t.Context(), name, types.MergePatchType, b, metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch %s with %s: %v", name, b, err)
	}
	eventually(t, time.Minute, fmt.Sprintf("%s %s to roll out %s", u.GetKind(), name, b), func() error {
		got, err := xrs.Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if err := observedCurrent(got); err != nil {
			return fmt.Errorf("%w%s", err, describe(got))
		}
		if cd := conditionOf(got, "SpecAccepted"); cd.Status != "True" {
			return fmt.Errorf("SpecAccepted is %s%s", cd, describe(got))
		}
		return nil
	})
}

// capture writes a Ready XR and its composed objects as the API server returns them (status,
// defaults and managedFields included), which is what Crossplane sends the function on a
// steady-state call: make bench-capture keeps them for make bench (hack/bench/cluster).
func capture(t *testing.T, path string, xr *unstructured.Unstructured, refs []any, scope string) {
	t.Helper()
	docs := make([]map[string]any, 0, 1+len(refs))
	docs = append(docs, xr.Object)
	for _, r := range refs {
		u, err := getRef(t.Context(), r, scope)
		if err != nil {
			t.Fatalf("capture %s: %v", describeRef(r), err)
		}
		docs = append(docs, u.Object)
	}
	var b []byte
	for _, d := range docs {
		y, err := yaml.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		b = append(append(b, "---\n"...), y...)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// getRef gets a composed object an XR's spec.crossplane.resourceRefs names: in the test's
// namespace for a namespaced XR, in the one the reference names for a cluster-scoped XR.
func getRef(ctx context.Context, r any, scope string) (*unstructured.Unstructured, error) {
	ref, _ := r.(map[string]any)
	apiVersion, _ := ref["apiVersion"].(string)
	kind, _ := ref["kind"].(string)
	name, _ := ref["name"].(string)
	ns, _ := ref["namespace"].(string)
	if scope != "Cluster" {
		ns = c.ns
	}
	gvr, _ := meta.UnsafeGuessKindToResource(schema.FromAPIVersionAndKind(apiVersion, kind))
	return c.dyn.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
}

// describeRef is a resource reference for humans: its kind and name.
func describeRef(r any) string {
	ref, _ := r.(map[string]any)
	return fmt.Sprintf("%v %v", ref["kind"], ref["name"])
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// xrdResource is the resource of the XRs an XRD defines, and their scope.
func xrdResource(t *testing.T, path string) (schema.GroupVersionResource, string) {
	t.Helper()
	var xrd struct {
		Spec struct {
			Scope string `json:"scope"`
			Group string `json:"group"`
			Names struct {
				Plural string `json:"plural"`
			} `json:"names"`
			Versions []struct {
				Name string `json:"name"`
			} `json:"versions"`
		} `json:"spec"`
	}
	readYAML(t, path, &xrd)
	if len(xrd.Spec.Versions) == 0 || xrd.Spec.Names.Plural == "" {
		t.Fatalf("%s: no plural or version", path)
	}
	return schema.GroupVersionResource{Group: xrd.Spec.Group, Version: xrd.Spec.Versions[0].Name, Resource: strings.ToLower(xrd.Spec.Names.Plural)}, xrd.Spec.Scope
}
