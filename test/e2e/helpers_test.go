package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"
)

// poll is how often waits look again; short, so that the recorded timings are precise.
const poll = 100 * time.Millisecond

//nolint:gochecknoglobals // API coordinates, constant in all but name.
var (
	gvrMongoDB  = schema.GroupVersionResource{Group: "database.platform.io", Version: "v1alpha1", Resource: "mongodbs"}
	gvrFunction = schema.GroupVersionResource{Group: "pkg.crossplane.io", Version: "v1", Resource: "functions"}
	gvrXRD      = schema.GroupVersionResource{Group: "apiextensions.crossplane.io", Version: "v2", Resource: "compositeresourcedefinitions"}
)

// cluster is the control plane hack/e2e.sh brought up.
type cluster struct {
	kube kubernetes.Interface
	dyn  dynamic.Interface
	ns   string
	logs string // directory for artefacts (timings), may be empty
}

// c is the cluster under test, set up once by TestMain.
var c *cluster //nolint:gochecknoglobals // shared by every test, like testing.M's flags.

func TestMain(m *testing.M) {
	kubeconfig, ns := os.Getenv("KUBECONFIG"), os.Getenv("E2E_NAMESPACE")
	if kubeconfig == "" || ns == "" {
		fmt.Fprintln(os.Stderr, "e2e: KUBECONFIG and E2E_NAMESPACE are not set; run these tests with `make e2e`")
		os.Exit(0)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	cfg.QPS, cfg.Burst = 100, 200
	c = &cluster{
		kube: kubernetes.NewForConfigOrDie(cfg),
		dyn:  dynamic.NewForConfigOrDie(cfg),
		ns:   ns,
		logs: os.Getenv("E2E_LOGS"),
	}
	os.Exit(m.Run())
}

// eventually calls check every poll until it returns nil, and returns how long that took.
// After timeout it fails the test, saying what it waited for and why the last check failed.
func eventually(t *testing.T, timeout time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	d, err := waitFor(timeout, what, check)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// waitFor is eventually without failing the test: it returns the error instead.
func waitFor(timeout time.Duration, what string, check func() error) (time.Duration, error) {
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start), nil
		}
		if time.Since(start) > timeout {
			return time.Since(start), fmt.Errorf("timed out after %s waiting for %s: %w", timeout, what, err)
		}
		time.Sleep(poll)
	}
}

// consistently fails the test if check fails at any time during d. A failure that rests on
// the XR's status alone (xrState's) fails it only if it lasts over flapFor, or recurs more
// than maxFlaps times; the checks of composed resources allow nothing.
//
// Crossplane (v2.4) rewrites an XR's status for a moment to what its cache held when a
// reconcile began: it server-side applies the composite's status with the conditions it read
// then (composition_functions.go), and writes the reconcile's own with the update that
// follows. While an XR is reconciled back to back after a change, its cache lags a write or
// two, and a read between the two writes sees the conditions of a reconcile before the
// change, labelled with the new generation. Seen in the e2e with the function logging what
// it decided on every call: every call after the change refused it, and the XR read
// SpecAccepted True, with the members' readiness of a second earlier, for one poll.
func consistently(t *testing.T, d time.Duration, what string, check func() error) {
	t.Helper()
	flaps := 0
	for start := time.Now(); time.Since(start) < d; time.Sleep(250 * time.Millisecond) {
		err := check()
		if err == nil {
			continue
		}
		at := time.Since(start).Round(time.Millisecond)
		if !errors.As(err, new(statusError)) || flaps == maxFlaps {
			t.Fatalf("%s stopped holding after %s: %v", what, at, err)
		}
		flaps++
		lasted, again := heldAgain(check)
		if again != nil {
			t.Fatalf("%s stopped holding after %s, and still did not hold %s later (%v): %v", what, at, lasted.Round(time.Millisecond), again, err)
		}
		t.Logf("%s: the XR's status read stale after %s, as Crossplane rewrites it from its cache, and held again %s later: %v", what, at, lasted.Round(time.Millisecond), err)
	}
}

const (
	// flapFor is how long a stale XR status may last: Crossplane writes the reconcile's own
	// status milliseconds after the stale one.
	flapFor = 2 * time.Second
	// maxFlaps is how many stale XR statuses a consistently check allows.
	maxFlaps = 2
)

// statusError is a check's failure that rests on the XR's status alone.
type statusError struct{ error }

func (e statusError) Unwrap() error { return e.error }

// heldAgain polls check until it holds again, for at most flapFor; a failure that does not
// rest on the XR's status alone ends it at once.
func heldAgain(check func() error) (time.Duration, error) {
	start := time.Now()
	for {
		time.Sleep(50 * time.Millisecond)
		err := check()
		if err == nil {
			return time.Since(start), nil
		}
		if !errors.As(err, new(statusError)) || time.Since(start) > flapFor {
			return time.Since(start), err
		}
	}
}

// ---- XRs ----

func loadXR(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &u.Object); err != nil {
		t.Fatalf("testdata/%s: %v", file, err)
	}
	u.SetNamespace(c.ns)
	return u
}

func getXR(ctx context.Context, name string) (*unstructured.Unstructured, error) {
	return c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Get(ctx, name, metav1.GetOptions{})
}

func patchXR(t *testing.T, name string, patch map[string]any) *unstructured.Unstructured {
	t.Helper()
	b, err := json.Marshal(patch)
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Patch(t.Context(), name, types.MergePatchType, b, metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patch MongoDB %s with %s: %v", name, b, err)
	}
	return u
}

type cond struct {
	Status, Reason, Message string
	ObservedGeneration      int64
	Found                   bool
}

func (c cond) String() string {
	if !c.Found {
		return "<absent>"
	}
	return fmt.Sprintf("%s (%s): %q", c.Status, c.Reason, c.Message)
}

func conditionOf(u *unstructured.Unstructured, typ string) cond {
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, x := range cs {
		m, ok := x.(map[string]any)
		if !ok || m["type"] != typ {
			continue
		}
		s := func(k string) string { v, _ := m[k].(string); return v }
		g, _, _ := unstructured.NestedInt64(m, "observedGeneration")
		return cond{Status: s("status"), Reason: s("reason"), Message: s("message"), ObservedGeneration: g, Found: true}
	}
	return cond{}
}

func statusString(u *unstructured.Unstructured, field string) string {
	s, _, _ := unstructured.NestedString(u.Object, "status", field)
	return s
}

func kstatusOf(u *unstructured.Unstructured) string {
	r, err := status.Compute(u)
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%s (%s)", r.Status, r.Message)
}

func isKstatus(u *unstructured.Unstructured, want status.Status) error {
	r, err := status.Compute(u)
	if err != nil {
		return err
	}
	if r.Status != want {
		return fmt.Errorf("kstatus is %s (%s), want %s", r.Status, r.Message, want)
	}
	return nil
}

// describe is a one-paragraph account of an XR's state for failure messages.
func describe(u *unstructured.Unstructured) string {
	if u == nil {
		return "<no XR>"
	}
	var b strings.Builder
	og, _, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	fmt.Fprintf(&b, "\n  %s %s: generation %d, status.observedGeneration %d, phase %q, readyResources %q, endpoint %q, instanceName %q, kstatus %s",
		u.GetKind(), u.GetName(), u.GetGeneration(), og, statusString(u, "phase"), statusString(u, "readyResources"),
		statusString(u, "endpoint"), statusString(u, "instanceName"), kstatusOf(u))
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, x := range cs {
		if m, ok := x.(map[string]any); ok {
			fmt.Fprintf(&b, "\n  condition %v=%v (%v): %v", m["type"], m["status"], m["reason"], m["message"])
		}
	}
	rs, _, _ := unstructured.NestedSlice(u.Object, "status", "resources")
	for _, x := range rs {
		if m, ok := x.(map[string]any); ok {
			fmt.Fprintf(&b, "\n  resource %v %v ready=%v: %v", m["kind"], m["name"], m["ready"], m["message"])
		}
	}
	return b.String()
}

// xrState fetches the XR and checks it; the error carries the XR's state, as a statusError.
func xrState(ctx context.Context, name string, check func(u *unstructured.Unstructured) error) error {
	u, err := getXR(ctx, name)
	if err != nil {
		return err
	}
	if err := check(u); err != nil {
		return statusError{fmt.Errorf("%w%s", err, describe(u))}
	}
	return nil
}

// wantCondition checks a condition's status and that its message contains every substring.
func wantCondition(u *unstructured.Unstructured, typ, st string, contains ...string) error {
	got := conditionOf(u, typ)
	if got.Status != st {
		return fmt.Errorf("condition %s is %s, want %s", typ, got, st)
	}
	for _, s := range contains {
		if !strings.Contains(got.Message, s) {
			return fmt.Errorf("condition %s message %q does not mention %q", typ, got.Message, s)
		}
	}
	return nil
}

func observedCurrent(u *unstructured.Unstructured) error {
	og, found, _ := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
	if !found || og != u.GetGeneration() {
		return fmt.Errorf("status.observedGeneration is %d (present: %t), want generation %d", og, found, u.GetGeneration())
	}
	return nil
}

// ---- composed resources ----

// composed is one resource the function composes for an XR.
type composed struct {
	Pipeline string // crossplane.io/composition-resource-name
	Kind     string
	Name     string
}

func (r composed) String() string { return fmt.Sprintf("%s %s (%s)", r.Kind, r.Name, r.Pipeline) }

// expectedComposed is the function's contract: what an instance of the given size consists of.
func expectedComposed(inst string, replicas int) []composed {
	rs := []composed{
		{"mongodb-credentials", "Secret", inst + "-credentials"},
		{"mongodb-headless", "Service", inst + "-headless"},
		{"mongodb-service", "Service", inst},
		{"mongodb-statefulset", "StatefulSet", inst},
		{"mongodb-networkpolicy", "NetworkPolicy", inst},
	}
	if replicas > 1 {
		rs = append(rs,
			composed{"mongodb-keyfile", "Secret", inst + "-keyfile"},
			composed{"mongodb-pdb", "PodDisruptionBudget", inst},
			composed{fmt.Sprintf("mongodb-replicaset-%d", replicas), "Job", fmt.Sprintf("%s-rs-init-%d", inst, replicas)},
		)
	}
	return rs
}

//nolint:gochecknoglobals // a constant list.
var composedKinds = []string{"Secret", "Service", "StatefulSet", "NetworkPolicy", "PodDisruptionBudget", "Job"}

func getComposed(ctx context.Context, kind, name string) (metav1.Object, error) {
	ns, o := c.ns, metav1.GetOptions{}
	switch kind {
	case "Secret":
		return c.kube.CoreV1().Secrets(ns).Get(ctx, name, o)
	case "Service":
		return c.kube.CoreV1().Services(ns).Get(ctx, name, o)
	case "StatefulSet":
		return c.kube.AppsV1().StatefulSets(ns).Get(ctx, name, o)
	case "NetworkPolicy":
		return c.kube.NetworkingV1().NetworkPolicies(ns).Get(ctx, name, o)
	case "PodDisruptionBudget":
		return c.kube.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, o)
	case "Job":
		return c.kube.BatchV1().Jobs(ns).Get(ctx, name, o)
	}
	return nil, fmt.Errorf("unknown kind %s", kind)
}

// listComposed lists the objects of the composed kinds labelled as composed by the XR.
func listComposed(ctx context.Context, xrName string) ([]composed, error) {
	ns, o := c.ns, metav1.ListOptions{LabelSelector: "crossplane.io/composite=" + xrName}
	var out []composed
	add := func(kind string, objs []metav1.Object) {
		for _, x := range objs {
			out = append(out, composed{Pipeline: x.GetAnnotations()["crossplane.io/composition-resource-name"], Kind: kind, Name: x.GetName()})
		}
	}
	for _, kind := range composedKinds {
		var objs []metav1.Object
		switch kind {
		case "Secret":
			l, err := c.kube.CoreV1().Secrets(ns).List(ctx, o)
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		case "Service":
			l, err := c.kube.CoreV1().Services(ns).List(ctx, o)
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		case "StatefulSet":
			l, err := c.kube.AppsV1().StatefulSets(ns).List(ctx, o)
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		case "NetworkPolicy":
			l, err := c.kube.NetworkingV1().NetworkPolicies(ns).List(ctx, o)
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		case "PodDisruptionBudget":
			l, err := c.kube.PolicyV1().PodDisruptionBudgets(ns).List(ctx, o)
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		case "Job":
			l, err := c.kube.BatchV1().Jobs(ns).List(ctx, o)
			if err != nil {
				return nil, err
			}
			for i := range l.Items {
				objs = append(objs, &l.Items[i])
			}
		}
		add(kind, objs)
	}
	sortComposed(out)
	return out, nil
}

func sortComposed(rs []composed) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].String() < rs[j].String() })
}

// allExist returns nil once every expected object exists, else names the missing ones.
func allExist(ctx context.Context, want []composed) error {
	var missing []string
	for _, r := range want {
		if _, err := getComposed(ctx, r.Kind, r.Name); err != nil {
			if !kerrors.IsNotFound(err) {
				return err
			}
			missing = append(missing, r.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing: %s", strings.Join(missing, ", "))
	}
	return nil
}

// noneExist returns nil once none of the objects exists, else names those left.
func noneExist(ctx context.Context, rs []composed) error {
	var left []string
	for _, r := range rs {
		if _, err := getComposed(ctx, r.Kind, r.Name); err == nil {
			left = append(left, r.String())
		} else if !kerrors.IsNotFound(err) {
			return err
		}
	}
	if len(left) > 0 {
		return fmt.Errorf("still there: %s", strings.Join(left, ", "))
	}
	return nil
}

// ---- pods ----

func podsOf(ctx context.Context, selector string) ([]corev1.Pod, error) {
	l, err := c.kube.CoreV1().Pods(c.ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

func statefulSetPods(ctx context.Context, sts *appsv1.StatefulSet) ([]corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(sts.Spec.Selector)
	if err != nil {
		return nil, err
	}
	pods, err := podsOf(ctx, sel.String())
	if err != nil {
		return nil, err
	}
	var own []corev1.Pod
	for _, p := range pods {
		if ref := metav1.GetControllerOf(&p); ref != nil && ref.Kind == "StatefulSet" && ref.Name == sts.Name {
			own = append(own, p)
		}
	}
	return own, nil
}

// warningEvents lists the Warning events about an object, e.g. a StatefulSet's FailedCreate
// when admission refused its pods.
func warningEvents(ctx context.Context, kind, name string) string {
	l, err := c.kube.CoreV1().Events(c.ns).List(ctx, metav1.ListOptions{
		FieldSelector: fmt.Sprintf("involvedObject.kind=%s,involvedObject.name=%s,type=Warning", kind, name),
	})
	if err != nil {
		return "(cannot list events: " + err.Error() + ")"
	}
	var out []string
	for _, e := range l.Items {
		out = append(out, fmt.Sprintf("%s: %s", e.Reason, e.Message))
	}
	if len(out) == 0 {
		return "(no warning events)"
	}
	return strings.Join(slices.Compact(out), "; ")
}

// ---- timings ----

type timing struct {
	What string
	D    time.Duration
}

type timings []timing

func (ts *timings) add(t *testing.T, what string, d time.Duration) {
	t.Helper()
	*ts = append(*ts, timing{what, d})
	t.Logf("TIMING %-84s %8s", what, d.Round(time.Millisecond))
}

func (ts *timings) print() {
	var b strings.Builder
	b.WriteString("\n==== e2e timings ====\n")
	for _, x := range *ts {
		fmt.Fprintf(&b, "%-86s %8s\n", x.What, x.D.Round(time.Millisecond))
	}
	_, _ = os.Stdout.WriteString(b.String())
	if c.logs != "" {
		// Appended: every test prints its own (hack/e2e.sh starts each run with no logs).
		if f, err := os.OpenFile(filepath.Join(c.logs, "timings.txt"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			_, _ = f.WriteString(b.String())
			_ = f.Close()
		}
	}
}
