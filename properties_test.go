package main

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// The properties below hold for every request, whatever people or controllers did to the
// cluster: observed state mutated from the example's steady state (fields dropped, retyped,
// scaled, images re-tagged or pinned by digest, quantities in other units, objects missing,
// status edited) and specs valid and invalid. FuzzObservedState explores the mutations; make
// test runs it for a bounded time, make fuzz for longer.

// world is one request as the mutations see it: the XR and the observed objects as maps, and
// what Crossplane would answer to requirements.
type world struct {
	xr       map[string]any
	observed map[string]map[string]any
	cluster  []map[string]any
}

// mutation changes a world, with an argument drawn from the fuzzer's bytes.
type mutation struct {
	name string
	do   func(w *world, arg byte)
}

func pick[T any](arg byte, options ...T) T { return options[int(arg)%len(options)] }

func sts(w *world) map[string]any { return w.observed["mongodb-statefulset"] }

func set(m map[string]any, value any, path ...string) {
	if m == nil {
		return
	}
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	if value == nil {
		delete(m, path[len(path)-1])
		return
	}
	m[path[len(path)-1]] = value
}

func mainContainer(w *world) map[string]any {
	s := sts(w)
	spec, _ := s["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	cs, _ := pod["containers"].([]any)
	if len(cs) == 0 {
		return nil
	}
	c, _ := cs[0].(map[string]any)
	return c
}

const digest = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

//nolint:gochecknoglobals // A table of mutations, read only.
var mutations = []mutation{
	{"StatefulSetScaledByHand", func(w *world, a byte) {
		set(sts(w), pick[any](a, nil, float64(0), float64(2), float64(30), float64(2147483647), float64(-1), "3"), "spec", "replicas")
	}},
	{"ImageRetagged", func(w *world, a byte) {
		if c := mainContainer(w); c != nil {
			c["image"] = pick(a, "docker.io/library/mongo:8.0.4", "docker.io/library/mongo:6.0", "docker.io/library/mongo:latest",
				"docker.io/library/mongo:7.0"+digest, "docker.io/library/mongo"+digest, "docker.io/library/mongo:9.0", "evil:7.0", "")
		}
	}},
	{"ReplSetArgsDropped", func(w *world, a byte) {
		if c := mainContainer(w); c != nil {
			c["args"] = pick[any](a, nil, []any{"--replSet", "rs0"}, []any{}, "--replSet")
		}
	}},
	{"StorageInOtherUnits", func(w *world, a byte) {
		s := sts(w)
		spec, _ := s["spec"].(map[string]any)
		claims, _ := spec["volumeClaimTemplates"].([]any)
		if len(claims) > 0 {
			set(claims[0].(map[string]any), pick[any](a, "10G", "512Mi", "10737418240", "5Gi", "20Gi", "1Ti", float64(3), "x"), "spec", "resources", "requests", "storage")
		}
	}},
	{"ObjectMissing", func(w *world, a byte) {
		delete(w.observed, pick(a, "mongodb-credentials", "mongodb-keyfile", "mongodb-statefulset", "mongodb-replicaset-3", "mongodb-service"))
	}},
	{"ObjectRetyped", func(w *world, a byte) {
		switch a % 4 {
		case 0:
			set(sts(w), []any{"x"}, "spec", "template")
		case 1:
			set(sts(w), "ready", "status")
		case 2:
			set(w.observed["mongodb-credentials"], []any{"x"}, "data")
		default:
			set(w.observed["mongodb-replicaset-3"], "done", "status")
		}
	}},
	{"RolloutInProgress", func(w *world, a byte) {
		set(sts(w), pick[any](a, "r2", "", nil), "status", "updateRevision")
	}},
	{"JobNotDone", func(w *world, a byte) {
		set(w.observed["mongodb-replicaset-3"], pick[any](a, nil, []any{}, []any{map[string]any{"type": "Failed", "status": "True"}}), "status", "conditions")
	}},
	{"StatusInstanceName", func(w *world, a byte) {
		set(w.xr, pick[any](a, nil, "mongodb-0c1d2e3f", "1mongodb-3a4f75ae", strings.Repeat("a", 300)+"-3a4f75ae", "mongodb-3a4f75ae"), "status", "instanceName")
	}},
	{"SpecChanged", func(w *world, a byte) {
		switch a % 4 {
		case 0:
			set(w.xr, pick[any](a/4, float64(1), float64(3), float64(5), float64(7), float64(4), "3"), "spec", "replicas")
		case 1:
			set(w.xr, pick[any](a/4, "6.0", "7.0", "8.0", "5.0", float64(7)), "spec", "version")
		case 2:
			set(w.xr, pick[any](a/4, float64(1), float64(5), float64(10), float64(20), float64(0), float64(1e12)), "spec", "storageGB")
		default:
			set(w.xr, pick[any](a/4, "fast", "", "Not_A_Class"), "spec", "storageClassName")
		}
	}},
	{"XRNamed", func(w *world, a byte) {
		set(w.xr, pick(a, "customer-analytics-event-store-for-the-recommendation-engine", "orders.db", "1orders",
			strings.Repeat("x", 63), strings.Repeat("ab-", 84)+"c", "mongodb-3a4f75ae"), "metadata", "name")
	}},
	{"AccessNamespaces", func(w *world, a byte) {
		ns := make([]any, int(a)%130)
		for i := range ns {
			ns[i] = fmt.Sprintf("team-%d", i)
		}
		set(w.xr, ns, "spec", "access", "namespaces")
	}},
	{"AnnotationsHuge", func(w *world, a byte) {
		set(w.xr, strings.Repeat("component:default/x,", 1+int(a)*100), "metadata", "annotations", "terasky.backstage.io/dependsOn")
		set(w.xr, pick(a, "group:default/team-a", "not a ref!", strings.Repeat("g", 300)), "metadata", "annotations", "terasky.backstage.io/owner")
	}},
	{"VolumesOfAnEarlierInstance", func(w *world, _ byte) {
		w.cluster = append(w.cluster, map[string]any{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": map[string]any{"name": "data-mongodb-3a4f75ae-0", "namespace": "team-a"}})
	}},
}

// steadyWorld is the example's replica set in its steady state.
func steadyWorld(t *testing.T) *world {
	t.Helper()
	w := &world{observed: map[string]map[string]any{}}
	w.xr = object(t, readFile(t, "example/mongodb/xr.yaml")[0]).AsMap()
	for name, r := range objects(t, readFile(t, observedExample)...) {
		w.observed[name] = r.GetResource().AsMap()
	}
	return w
}

func (w *world) request(t *testing.T) (*fnv1.RunFunctionRequest, []*fnv1.Resource) {
	t.Helper()
	req := newRequest(t, compositionInput(t, "example/mongodb"), "{}", nil, nil)
	s, err := structpb.NewStruct(w.xr)
	if err != nil {
		t.Fatal(err)
	}
	req.Observed.Composite.Resource = s
	req.Observed.Resources = map[string]*fnv1.Resource{}
	for name, o := range w.observed {
		s, err := structpb.NewStruct(o)
		if err != nil {
			t.Fatal(err)
		}
		req.Observed.Resources[name] = &fnv1.Resource{Resource: s}
	}
	cluster := make([]*fnv1.Resource, 0, len(w.cluster))
	for _, o := range w.cluster {
		s, err := structpb.NewStruct(o)
		if err != nil {
			t.Fatal(err)
		}
		cluster = append(cluster, &fnv1.Resource{Resource: s})
	}
	return req, cluster
}

// mutate applies the mutations that data selects: each pair of bytes picks a mutation and
// its argument.
func mutate(w *world, data []byte) []string {
	var applied []string
	for i := 0; i+1 < len(data) && len(applied) < 8; i += 2 {
		m := mutations[int(data[i])%len(mutations)]
		m.do(w, data[i+1])
		applied = append(applied, fmt.Sprintf("%s(%d)", m.name, data[i+1]))
	}
	return applied
}

// checkInvariants checks what must hold of any response to req.
func checkInvariants(t *testing.T, req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) {
	t.Helper()
	if checkResponse(t, req, rsp) {
		checkAgainstObserved(t, req, rsp)
	}
}

// maxMessage bounds any message of a response, whatever the cluster holds: the function's
// own words with what they quote from the cluster cut (goldenpath.MaxMessage, a few pods).
const maxMessage = 4 << 10

// checkResponse checks what must hold of any response of any golden path: a size bound, bounded
// messages, each condition type once, a Fatal that leaves the desired state untouched, composed
// objects whose metadata the API server takes. It tells whether the response composed (was not
// Fatal).
func checkResponse(t *testing.T, req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) bool {
	t.Helper()
	if n := proto.Size(rsp); n > 1<<20 {
		t.Errorf("response of %d bytes: more than 1 MiB", n)
	}
	for _, r := range rsp.GetResults() {
		if n := len(r.GetMessage()); n > maxMessage {
			t.Errorf("a result's message of %d bytes: %.200s…", n, r.GetMessage())
		}
	}
	seen := map[string]bool{}
	for _, c := range rsp.GetConditions() {
		if seen[c.GetType()] {
			t.Errorf("condition %s appears twice", c.GetType())
		}
		seen[c.GetType()] = true
		if n := len(c.GetMessage()); n > maxMessage {
			t.Errorf("condition %s's message of %d bytes: %.200s…", c.GetType(), n, c.GetMessage())
		}
	}
	if slices.ContainsFunc(rsp.GetResults(), func(r *fnv1.Result) bool { return r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL }) {
		if diff := cmp.Diff(req.GetDesired(), rsp.GetDesired(), protocmp.Transform()); diff != "" {
			t.Errorf("a Fatal result changed the desired state: -request, +response:\n%s", diff)
		}
		return false
	}
	for name, r := range rsp.GetDesired().GetResources() {
		checkObject(t, name, r.GetResource().AsMap())
	}
	return true
}

// checkObject checks that the API server would take a composed object's metadata.
func checkObject(t *testing.T, pname string, o map[string]any) {
	t.Helper()
	meta, _ := o["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	kind, _ := o["kind"].(string)
	check := validation.IsDNS1123Subdomain
	if kind == "Service" || kind == "StatefulSet" {
		check = validation.IsDNS1035Label
	}
	for _, msg := range check(name) {
		t.Errorf("%s: name %q: %s", pname, name, msg)
	}
	labels := func(l any, where string) {
		m := map[string]string{}
		if lm, ok := l.(map[string]any); ok {
			for k, v := range lm {
				m[k], _ = v.(string)
			}
		}
		for _, e := range metav1validation.ValidateLabels(m, field.NewPath(where)) {
			t.Errorf("%s: %v", pname, e)
		}
	}
	labels(meta["labels"], "metadata.labels")
	spec, _ := o["spec"].(map[string]any)
	if tmpl, ok := spec["template"].(map[string]any); ok {
		tm, _ := tmpl["metadata"].(map[string]any)
		labels(tm["labels"], "spec.template.metadata.labels")
	}
	annotations := map[string]string{}
	if am, ok := meta["annotations"].(map[string]any); ok {
		for k, v := range am {
			annotations[k], _ = v.(string)
		}
	}
	for _, e := range apivalidation.ValidateAnnotations(annotations, field.NewPath("metadata.annotations")) {
		t.Errorf("%s: %v", pname, e)
	}
	if kind == "StatefulSet" {
		if r, _ := spec["replicas"].(float64); r < 1 || r > 7 {
			t.Errorf("%s: %v replicas", pname, r)
		}
	}
}

// checkAgainstObserved checks that nothing observed that must not change does: a
// StatefulSet's immutable fields, a Secret's values, the release (never down, never a
// release skipped), the topology.
func checkAgainstObserved(t *testing.T, req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) {
	t.Helper()
	observed := func(name string, into any) bool {
		r, ok := req.GetObserved().GetResources()[name]
		return ok && goldenpath.Decode(r.GetResource().AsMap(), into, "") == nil
	}
	desired := func(name string, into any) bool {
		r, ok := rsp.GetDesired().GetResources()[name]
		return ok && goldenpath.Decode(r.GetResource().AsMap(), into, "") == nil
	}
	var was, is appsv1.StatefulSet
	if observed("mongodb-statefulset", &was) && desired("mongodb-statefulset", &is) {
		if diff := cmp.Diff(was.Spec.Selector, is.Spec.Selector); diff != "" && was.Spec.Selector != nil {
			t.Errorf("StatefulSet selector changed: %s", diff)
		}
		if was.Spec.ServiceName != "" && was.Spec.ServiceName != is.Spec.ServiceName {
			t.Errorf("StatefulSet serviceName changed: %q -> %q", was.Spec.ServiceName, is.Spec.ServiceName)
		}
		claims := func(s appsv1.StatefulSet) []string {
			out := make([]string, 0, len(s.Spec.VolumeClaimTemplates))
			for _, c := range s.Spec.VolumeClaimTemplates {
				q := c.Spec.Resources.Requests[corev1.ResourceStorage]
				out = append(out, fmt.Sprintf("%s %s %v", c.GetName(), q.String(), c.Spec.StorageClassName))
			}
			return out
		}
		if wc := claims(was); len(wc) > 0 {
			if diff := cmp.Diff(wc, claims(is)); diff != "" {
				t.Errorf("volumeClaimTemplates changed: %s", diff)
			}
		}
		wasImage, isImage := image(&was), image(&is)
		from, to := releaseIndex(wasImage), releaseIndex(isImage)
		if from >= 0 && to >= 0 && (to < from || to > from+1) {
			t.Errorf("release %s -> %s: downgraded or skipped", wasImage, isImage)
		}
		if from < 0 && wasImage != isImage && !was.Spec.Template.Spec.Containers[0].Stdin && wasImage != "" {
			t.Errorf("image of unknown release %q replaced by %q", wasImage, isImage)
		}
		if replSet(&was) && !replSet(&is) {
			t.Errorf("a replica set became standalone")
		}
	}
	for _, name := range []string{"mongodb-credentials", "mongodb-keyfile"} {
		var wasSecret, isSecret corev1.Secret
		if observed(name, &wasSecret) && desired(name, &isSecret) {
			for k, v := range wasSecret.Data {
				if k != "uri" && k != "host" && k != "replicaSet" && string(isSecret.Data[k]) != string(v) {
					t.Errorf("%s: %s changed", name, k)
				}
			}
		}
	}
}

func image(s *appsv1.StatefulSet) string {
	for _, c := range s.Spec.Template.Spec.Containers {
		if c.Name == "mongod" {
			return c.Image
		}
	}
	return ""
}

func releaseIndex(image string) int {
	for i, r := range []string{"6.0", "7.0", "8.0"} {
		ref, _, _ := strings.Cut(image, "@")
		if strings.HasSuffix(ref, ":"+r) || strings.Contains(ref, ":"+r+".") {
			return i
		}
	}
	return -1
}

func replSet(s *appsv1.StatefulSet) bool {
	for _, c := range s.Spec.Template.Spec.Containers {
		if c.Name == "mongod" && slices.Contains(c.Args, "--replSet") {
			return true
		}
	}
	return slices.ContainsFunc(s.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return strings.HasPrefix(v.Name, "keyfile") })
}

// seeds are the known-bad cases of the issue that opened this suite, as mutation programs.
func seeds() [][]byte {
	idx := func(name string) byte {
		return byte(slices.IndexFunc(mutations, func(m mutation) bool { return m.name == name }))
	}
	return [][]byte{
		{},
		{idx("StatefulSetScaledByHand"), 4}, // 2^31-1 replicas
		{idx("StatefulSetScaledByHand"), 3}, // 30 replicas
		{idx("StatefulSetScaledByHand"), 1, idx("SpecChanged"), 0},                               // 0 replicas, standalone asked
		{idx("ReplSetArgsDropped"), 0, idx("StatefulSetScaledByHand"), 0},                        // no count, no --replSet, keyfile left
		{idx("ImageRetagged"), 3, idx("SpecChanged"), 1},                                         // digest-pinned 7.0, 6.0 asked
		{idx("ImageRetagged"), 0, idx("SpecChanged"), 5},                                         // 8.0.4, 7.0 asked
		{idx("ImageRetagged"), 4, idx("SpecChanged"), 9},                                         // digest only, 8.0 asked
		{idx("ObjectMissing"), 0, idx("ObjectMissing"), 2, idx("VolumesOfAnEarlierInstance"), 0}, // re-created over volumes
		{idx("StatusInstanceName"), 1},                                                           // status names another instance
		{idx("StatusInstanceName"), 2},                                                           // a leading digit
		{idx("RolloutInProgress"), 0, idx("SpecChanged"), 9},                                     // 8.0 mid-rollout
		{idx("JobNotDone"), 1, idx("SpecChanged"), 8},                                            // 5 members mid-reconfiguration
		{idx("StorageInOtherUnits"), 0},                                                          // 10G
		{idx("StorageInOtherUnits"), 1},                                                          // 512Mi
		{idx("XRNamed"), 0, idx("ObjectMissing"), 2, idx("ObjectMissing"), 0},                    // a long name, nothing running
		{idx("AccessNamespaces"), 100},                                                           // 100 namespaces
		{idx("AnnotationsHuge"), 200},                                                            // 200 KB of dependsOn
		{idx("ObjectRetyped"), 0},
		{idx("ObjectRetyped"), 1},
		{idx("ObjectRetyped"), 2},
		{idx("ObjectRetyped"), 3},
	}
}

// runWorld runs the function on a mutated world as Crossplane would, and checks the
// invariants, and that a second run names the instance the same.
func runWorld(t *testing.T, data []byte) {
	t.Helper()
	w := steadyWorld(t)
	applied := mutate(w, data)
	req, cluster := w.request(t)
	t.Logf("mutations: %v", applied)
	rsp := run(t, proto.CloneOf(req), cluster...)
	checkInvariants(t, req, rsp)
	again := run(t, proto.CloneOf(req), cluster...)
	name := func(r *fnv1.RunFunctionResponse) any {
		return r.GetDesired().GetComposite().GetResource().AsMap()["status"]
	}
	first, _ := name(rsp).(map[string]any)
	second, _ := name(again).(map[string]any)
	if first["instanceName"] != second["instanceName"] {
		t.Errorf("instance name differs between two calls: %v, %v", first["instanceName"], second["instanceName"])
	}
}

// TestProperties runs the known-bad cases and a deterministic sweep of mutation pairs.
func TestProperties(t *testing.T) {
	for i, s := range seeds() {
		t.Run(fmt.Sprintf("seed-%d", i), func(t *testing.T) { runWorld(t, s) })
	}
	for a := range mutations {
		for b := range mutations {
			for _, arg := range []byte{0, 1, 3, 4} {
				t.Run(fmt.Sprintf("%s+%s/%d", mutations[a].name, mutations[b].name, arg), func(t *testing.T) {
					runWorld(t, []byte{byte(a), arg, byte(b), arg + 1})
				})
			}
		}
	}
}

// FuzzObservedState explores mutation programs beyond the sweep.
func FuzzObservedState(f *testing.F) {
	for _, s := range seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16 {
			data = data[:16]
		}
		runWorld(t, data)
	})
}

// TestConcurrentCalls runs 64 calls at once on one Function over mixed requests (new,
// steady, refused, fatal), under -race in make test, and checks each against the same call
// made alone (generated secrets aside).
func TestConcurrentCalls(t *testing.T) {
	programs := seeds()
	type call struct {
		req     *fnv1.RunFunctionRequest
		cluster []*fnv1.Resource
		want    *fnv1.RunFunctionResponse
	}
	calls := make([]call, 64)
	for i := range calls {
		w := steadyWorld(t)
		mutate(w, programs[i%len(programs)])
		calls[i].req, calls[i].cluster = w.request(t)
		calls[i].want = masked(run(t, proto.CloneOf(calls[i].req), calls[i].cluster...))
	}
	var wg sync.WaitGroup
	got := make([]*fnv1.RunFunctionResponse, len(calls))
	for i := range calls {
		wg.Go(func() { got[i] = masked(run(t, proto.CloneOf(calls[i].req), calls[i].cluster...)) })
	}
	wg.Wait()
	for i := range calls {
		if diff := cmp.Diff(calls[i].want, got[i], protocmp.Transform()); diff != "" {
			t.Errorf("call %d differs from the same call made alone: -alone, +concurrent:\n%s", i, diff)
		}
	}
}

// masked is a response with generated secret values replaced.
func masked(rsp *fnv1.RunFunctionResponse) *fnv1.RunFunctionResponse {
	out := proto.CloneOf(rsp)
	for _, r := range out.GetDesired().GetResources() {
		if r.GetResource().GetFields()["kind"].GetStringValue() != "Secret" {
			continue
		}
		if data := r.GetResource().GetFields()["data"].GetStructValue(); data != nil {
			for k := range data.GetFields() {
				data.Fields[k] = structpb.NewStringValue(base64.StdEncoding.EncodeToString([]byte("masked")))
			}
		}
	}
	return out
}
