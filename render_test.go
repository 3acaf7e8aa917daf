package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// These tests run the real `crossplane composition render` (CLI and core, built by make)
// against this function. `make test` sets the paths and requires them; a plain `go test`
// skips them when the binaries are not there.
func crossplaneBinaries(t *testing.T) (string, string) {
	t.Helper()
	cli, core := os.Getenv("CROSSPLANE_CLI"), os.Getenv("CROSSPLANE_CORE")
	if cli == "" || core == "" {
		if os.Getenv("GOLDEN_PATH_REQUIRE_RENDER") != "" {
			t.Fatal("CROSSPLANE_CLI and CROSSPLANE_CORE must name the crossplane CLI and core binaries")
		}
		t.Skip("CROSSPLANE_CLI and CROSSPLANE_CORE are not set; run make test")
	}
	return cli, core
}

// serve runs the function on a free loopback port for the test's duration, with gRPC set up
// as main sets it up.
func serve(t *testing.T) string {
	t.Helper()
	setUpGRPC()
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(insecure.NewCredentials()))
	fnv1.RegisterFunctionRunnerServiceServer(srv, newFunction())
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// rendered is the output of one render: the XR, composed resources by pipeline name, and
// the results.
type rendered struct {
	XR       *unstructured.Unstructured
	Composed map[string]*unstructured.Unstructured
	Results  []string
}

func render(t *testing.T, target, dir, xr string, flags ...string) rendered {
	t.Helper()
	cli, core := crossplaneBinaries(t)
	args := append([]string{
		"composition", "render", xr, filepath.Join(dir, "composition.yaml"), filepath.Join(dir, "functions.yaml"),
		"--include-function-results", "--xrd", filepath.Join(dir, "xrd.yaml"),
		"--crossplane-binary", core,
		"--function-annotations", "render.crossplane.io/runtime-development-target=" + target,
	}, flags...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), cli, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("crossplane %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}

	out := rendered{Composed: map[string]*unstructured.Unstructured{}}
	for doc := range bytes.SplitSeq(stdout.Bytes(), []byte("\n---\n")) {
		// Through JSON, so that numbers are int64 as the unstructured helpers want them.
		j, err := yaml.YAMLToJSON(doc)
		u := &unstructured.Unstructured{}
		if err != nil || len(bytes.TrimSpace(j)) <= len("null") || u.UnmarshalJSON(j) != nil {
			continue
		}
		switch {
		case u.GetKind() == "Result":
			out.Results = append(out.Results, fmt.Sprintf("%s %s: %s", u.Object["severity"], u.Object["reason"], u.Object["message"]))
		case u.GetAnnotations()["crossplane.io/composition-resource-name"] != "":
			out.Composed[u.GetAnnotations()["crossplane.io/composition-resource-name"]] = u
		default:
			out.XR = u
		}
	}
	if out.XR == nil {
		t.Fatalf("render printed no XR:\n%s", stdout.String())
	}
	return out
}

// examples are the XRs of every example/<golden path>/ directory.
func examples(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	dirs, err := filepath.Glob("example/*/composition.yaml")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, c := range dirs {
		dir := filepath.Dir(c)
		more, _ := filepath.Glob(filepath.Join(dir, "xr-*.yaml"))
		out[dir] = append([]string{filepath.Join(dir, "xr.yaml")}, more...)
	}
	return out
}

// TestRenderExamples renders every example XR through the real CLI and checks what a
// platform engineer would: names, labels, Backstage annotations, readiness, status, and a
// pod spec that passes Pod Security "restricted".
func TestRenderExamples(t *testing.T) {
	target := serve(t)
	for dir, xrs := range examples(t) {
		for _, xr := range xrs {
			t.Run(xr, func(t *testing.T) {
				first := render(t, target, dir, xr)
				second := render(t, target, dir, xr)
				if diff := cmp.Diff(names(first), names(second)); diff != "" {
					t.Errorf("names differ between two renders: -first, +second:\n%s", diff)
				}

				inst, _, _ := unstructured.NestedString(first.XR.Object, "status", "instanceName")
				if inst == "" {
					t.Fatalf("status.instanceName is empty")
				}
				e := expectations(t, dir)
				checkStatus(t, e, first.XR, "Provisioning", "False")
				if diff := cmp.Diff(e.fresh(filepath.Base(xr)), slices.Sorted(maps.Keys(first.Composed)), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
					t.Errorf("pipeline names (expect.yaml's first, else composes): -want, +got:\n%s", diff)
				}
				for pname, o := range first.Composed {
					checkLabels(t, e, pname, o, first.XR.GetName(), inst, first.Composed[e.Workload].GetName())
					checkRestricted(t, pname, o)
				}
				checkWorkload(t, e, first.Composed[e.Workload], first.XR.GetName(), inst)
			})
		}
	}
}

// TestRenderSteadyState renders every example's xr.yaml with its observed resources
// (observed.yaml): every name and the kept secret are kept, and the XR is Ready.
func TestRenderSteadyState(t *testing.T) {
	target := serve(t)
	for dir := range examples(t) {
		observed := filepath.Join(dir, "observed.yaml")
		if !exists(observed) {
			continue
		}
		t.Run(dir, func(t *testing.T) {
			e := expectations(t, dir)
			xr := filepath.Join(dir, "xr.yaml")
			fresh := render(t, target, dir, xr)
			steady := render(t, target, dir, xr, "--observed-resources", observed)

			steadyNames := names(steady)
			for pname, name := range names(fresh) {
				if got := steadyNames[pname]; got != name {
					t.Errorf("%s: %s when new, %q with observed resources", pname, name, got)
				}
			}
			if diff := cmp.Diff(e.Composes["xr.yaml"], slices.Sorted(maps.Keys(steady.Composed)), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("pipeline names with observed resources (expect.yaml's composes): -want, +got:\n%s", diff)
			}
			if e.Kept.Resource != "" {
				v, _, _ := unstructured.NestedString(steady.Composed[e.Kept.Resource].Object, "data", e.Kept.Key)
				if got, _ := base64.StdEncoding.DecodeString(v); string(got) != e.Kept.Value {
					t.Errorf("%s %s: want the observed one, got %q", e.Kept.Resource, e.Kept.Key, got)
				}
			}
			checkStatus(t, e, steady.XR, "Ready", "True")
			all := fmt.Sprintf("%d/%d", len(steady.Composed), len(steady.Composed))
			if got, _, _ := unstructured.NestedString(steady.XR.Object, "status", "readyResources"); got != all {
				t.Errorf("status.readyResources: want %s, got %q", all, got)
			}
		})
	}
}

// expectation is an example's expect.yaml.
type expectation struct {
	// App and Component are the app.kubernetes.io/name and component of the workload.
	App       string              `json:"app"`
	Component string              `json:"component"`
	Workload  string              `json:"workload"`
	Condition string              `json:"condition"`
	Status    []string            `json:"status"`
	Composes  map[string][]string `json:"composes"`
	// First is what a new XR composes first, when that is not all of Composes.
	First map[string][]string `json:"first"`
	Kept  struct {
		Resource, Key, Value string
	} `json:"kept"`
}

// fresh is what the XR in file composes when nothing of it exists yet.
func (e expectation) fresh(file string) []string {
	if first, ok := e.First[file]; ok {
		return first
	}
	return e.Composes[file]
}

func expectations(t *testing.T, dir string) expectation {
	t.Helper()
	var e expectation
	if err := yaml.Unmarshal([]byte(readFile(t, filepath.Join(dir, "expect.yaml"))[0]), &e); err != nil || e.Workload == "" || e.Condition == "" || e.App == "" || e.Component == "" {
		t.Fatalf("%s/expect.yaml: needs at least app, component, workload and condition: %v", dir, err)
	}
	return e
}

// TestValidateExamples runs `crossplane resource validate` of every example XR against its
// XRD, and checks that it does catch an invalid one.
func TestValidateExamples(t *testing.T) {
	cli, _ := crossplaneBinaries(t)
	validate := func(xrd, xr string) (string, error) {
		out, err := exec.CommandContext(t.Context(), cli, "resource", "validate", xrd, xr, "--crossplane-image=",
			"--cache-dir", t.TempDir()).CombinedOutput()
		return string(out), err
	}
	for dir, xrs := range examples(t) {
		for _, xr := range xrs {
			if out, err := validate(filepath.Join(dir, "xrd.yaml"), xr); err != nil {
				t.Errorf("crossplane resource validate %s: %v\n%s", xr, err, out)
			}
		}
	}

	// What the XRD refuses, and so what a form made from it refuses too.
	for dir, refused := range map[string]map[[2]string]string{
		"example/mongodb": {
			{"replicas: 3", "replicas: 4"}:                        "spec.replicas: Unsupported value: 4",
			{"name: mongodb-3a4f75ae", "name: 1mongodb-3a4f75ae"}: "metadata.name must start with a letter",
		},
		"example/postgresql": {
			{`version: "17"`, `version: "13"`}:       `spec.version: Unsupported value: "13"`,
			{"replicas: 3", "replicas: 6"}:           "spec.replicas: Invalid value: 6",
			{"database: orders", "database: Orders"}: "spec.database: Invalid value",
		},
		"example/valkey": {
			{"replicas: 3", "replicas: 2"}:            "2 members cannot elect a new primary",
			{"persistence: AOF", "persistence: Disk"}: "spec.persistence: Unsupported value: \"Disk\"",
		},
	} {
		b, err := os.ReadFile(filepath.Join(dir, "xr.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for change, want := range refused {
			bad := filepath.Join(t.TempDir(), "xr.yaml")
			if err := os.WriteFile(bad, bytes.Replace(b, []byte(change[0]), []byte(change[1]), 1), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := validate(filepath.Join(dir, "xrd.yaml"), bad)
			if err == nil || !strings.Contains(out, want) {
				t.Errorf("validate of %s: want a failure saying %q, got %v:\n%s", change[1], want, err, out)
			}
		}
	}
}

func names(r rendered) map[string]string {
	out := map[string]string{}
	for pname, o := range r.Composed {
		out[pname] = o.GetKind() + "/" + o.GetName()
	}
	return out
}

func checkStatus(t *testing.T, e expectation, xr *unstructured.Unstructured, phase, ready string) {
	t.Helper()
	if got, _, _ := unstructured.NestedString(xr.Object, "status", "phase"); got != phase {
		t.Errorf("status.phase: want %s, got %q", phase, got)
	}
	conds, _, _ := unstructured.NestedSlice(xr.Object, "status", "conditions")
	found := map[string]string{}
	for _, c := range conds {
		m, _ := c.(map[string]any)
		found[fmt.Sprint(m["type"])] = fmt.Sprint(m["status"])
	}
	for _, typ := range []string{e.Condition, "Ready"} {
		if found[typ] != ready {
			t.Errorf("condition %s: want %s, got %q (conditions: %v)", typ, ready, found[typ], found)
		}
	}
	if found["Synced"] != "True" || found["SpecAccepted"] != "True" {
		t.Errorf("conditions Synced and SpecAccepted: want True, got %v", found)
	}
	for _, f := range e.Status {
		if v, _, _ := unstructured.NestedFieldNoCopy(xr.Object, "status", f); v == nil || v == "" || reflect.ValueOf(v).Kind() == reflect.Slice && reflect.ValueOf(v).Len() == 0 {
			t.Errorf("status.%s is empty", f)
		}
	}
}

func checkLabels(t *testing.T, e expectation, pname string, o *unstructured.Unstructured, xrName, inst, workload string) {
	t.Helper()
	// kubernetes-id names the entity an object belongs to: the workload's (<workload>-<component>)
	// for the workload and what its selector selects, the XR's for the rest.
	entity := xrName
	if o.GetLabels()["app.kubernetes.io/component"] == e.Component {
		entity = workload + "-" + e.Component
	}
	want := map[string]string{
		"app.kubernetes.io/name": e.App, "app.kubernetes.io/instance": inst,
		"app.kubernetes.io/managed-by": "function-golden-path", "app.kubernetes.io/part-of": xrName,
		"backstage.io/kubernetes-id": entity,
	}
	for k, v := range want {
		if got := o.GetLabels()[k]; got != v {
			t.Errorf("%s: label %s: want %q, got %q", pname, k, v, got)
		}
		if tmpl, ok, _ := unstructured.NestedStringMap(o.Object, "spec", "template", "metadata", "labels"); ok && tmpl[k] != v {
			t.Errorf("%s: pod template label %s: want %q, got %q", pname, k, v, tmpl[k])
		}
	}
	// A namespace is named as its XR; everything else starts with the instance name.
	if !strings.HasPrefix(o.GetName(), inst) && o.GetKind() != "Namespace" {
		t.Errorf("%s: name %q does not start with the instance name %q", pname, o.GetName(), inst)
	}
}

// checkWorkload checks the TeraSky ingestor's annotations on the workload.
func checkWorkload(t *testing.T, e expectation, w *unstructured.Unstructured, xrName, inst string) {
	t.Helper()
	a := w.GetAnnotations()
	kind := w.GetKind()
	for _, k := range []string{"owner", "system", "lifecycle", "component-type", "title", "description"} {
		if a["terasky.backstage.io/"+k] == "" {
			t.Errorf("%s: annotation terasky.backstage.io/%s is empty", kind, k)
		}
	}
	if got := a["terasky.backstage.io/name"]; got == "" || got == xrName {
		t.Errorf("%s: terasky.backstage.io/name must be set and differ from the XR's name %q, got %q", kind, xrName, got)
	}
	if got, want := a["terasky.backstage.io/subcomponent-of"], "component:default/"+xrName; got != want {
		t.Errorf("%s: subcomponent-of: want %q, got %q", kind, want, got)
	}
	// The ingestor derives no selector from a StatefulSet or from kinds without one: the
	// workload names its own, which selects its pods, Services and itself.
	if got, want := a["terasky.backstage.io/kubernetes-label-selector"],
		"app.kubernetes.io/component="+e.Component+",app.kubernetes.io/instance="+inst+",app.kubernetes.io/name="+e.App; got != want {
		t.Errorf("%s: kubernetes-label-selector: want %q, got %q", kind, want, got)
	}
	// Portals that ingest only marked objects must still see the workload.
	if got := a["terasky.backstage.io/add-to-catalog"]; got != "true" {
		t.Errorf("%s: add-to-catalog: want \"true\", got %q", kind, got)
	}
	// Text the ingestor copies once must not change with the spec.
	if d := a["terasky.backstage.io/description"]; strings.Contains(d, "7.0") || strings.Contains(d, "GiB") || strings.Contains(d, "replica set of") {
		t.Errorf("%s: description %q names a release or a member count, which go stale in the catalog", kind, d)
	}
}

// checkRestricted checks the pod spec against Pod Security "restricted".
func checkRestricted(t *testing.T, pname string, o *unstructured.Unstructured) {
	t.Helper()
	spec, ok, _ := unstructured.NestedMap(o.Object, "spec", "template", "spec")
	if !ok {
		return
	}
	if v, _, _ := unstructured.NestedBool(spec, "securityContext", "runAsNonRoot"); !v {
		t.Errorf("%s: pod securityContext.runAsNonRoot must be true", pname)
	}
	if v, _, _ := unstructured.NestedString(spec, "securityContext", "seccompProfile", "type"); v != "RuntimeDefault" {
		t.Errorf("%s: pod seccompProfile must be RuntimeDefault, got %q", pname, v)
	}
	for _, key := range []string{"containers", "initContainers"} {
		cs, _, _ := unstructured.NestedSlice(spec, key)
		for _, c := range cs {
			m, _ := c.(map[string]any)
			if v, _, _ := unstructured.NestedBool(m, "securityContext", "allowPrivilegeEscalation"); v {
				t.Errorf("%s: container %v allows privilege escalation", pname, m["name"])
			}
			if _, set, _ := unstructured.NestedBool(m, "securityContext", "allowPrivilegeEscalation"); !set {
				t.Errorf("%s: container %v must set allowPrivilegeEscalation: false", pname, m["name"])
			}
			if drop, _, _ := unstructured.NestedStringSlice(m, "securityContext", "capabilities", "drop"); !slices.Equal(drop, []string{"ALL"}) {
				t.Errorf("%s: container %v must drop ALL capabilities, drops %v", pname, m["name"], drop)
			}
		}
	}
}

// checkTopology checks that a replica set would form and that a standalone is one.
