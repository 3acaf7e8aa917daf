package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

const (
	// mongoRepo is the image repository the function composes by default.
	mongoRepo = "docker.io/library/mongo"
	// fakeDigest is a well-formed digest that no registry serves: no image is ever pulled here.
	fakeDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	// freezeQuota is the ResourceQuota that keeps the statefulset controller away from a
	// StatefulSet (see freezeStatefulSetController).
	freezeQuota = "e2e-freeze-statefulset-controller"
	// touchAnnotation marks objects the test touched to make Crossplane reconcile.
	touchAnnotation = "e2e.golden-path/touched"
	// steadyFor is how long a state must hold after a change behind the function's back.
	steadyFor = 3 * time.Second
)

// TestUntrustedClusterState drives two replica sets of its own through what a live cluster
// does and a render never shows: a StatefulSet scaled by hand (to 0 while the XR asks for a
// standalone server, to 2³¹−1, to 30), an image pinned by digest, a change asked for in the
// middle of a rollout or a reconfiguration, the XR deleted and re-created over its volumes,
// and reconciles that change nothing. After each, the instance keeps its data and
// credentials: the same password and keyfile, every volume data-<instance>-<n> it had, the
// StatefulSet under its name.
//
// The scaling stages have an XR of their own: a scale to 30 makes the real controllers
// update the StatefulSet, its pods and the PodDisruptionBudget in a burst, which may open
// Crossplane's circuit breaker for that XR for 5 minutes (hack/e2e/cluster.sh); it runs last.
// Each stage starts from a ready instance (restoring it after a stage that failed half-way),
// so that one run reports every stage.
func TestUntrustedClusterState(t *testing.T) {
	var ts timings
	defer func() { ts.print() }() // not `defer ts.print()`: that would print the empty slice of now

	guard := &instance{file: "untrusted.yaml", replicas: 3, version: "7.0", storageGB: 10}
	scale := &instance{file: "untrusted-scale.yaml", replicas: 3, version: "7.0", storageGB: 1}
	both := []*instance{guard, scale}
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		for _, in := range both {
			if in.name != "" {
				_ = c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Delete(ctx, in.name, metav1.DeleteOptions{})
			}
		}
	})

	must := func(name string, f func(t *testing.T)) {
		if !t.Run(name, f) {
			t.FailNow()
		}
	}
	must("create", func(t *testing.T) {
		create(t, both, &ts)
	})

	k := startKubelet(t, false)
	saved := map[*instance]*kept{}
	must("ready", func(t *testing.T) {
		for _, in := range both {
			waitXRReady(t, in, k)
			ts.add(t, in.name+" (replicas=3): creation -> Ready=True", time.Since(in.created))
			checkReady(t, in)
			checkQuiet(t, in)
			saved[in] = keep(t, in)
		}
	})

	stage := func(name string, in *instance, f func(t *testing.T, in *instance, kp *kept)) {
		t.Run(name, func(t *testing.T) {
			restore(t, in, k)
			f(t, in, saved[in])
			if err := saved[in].intact(t.Context(), in); err != nil {
				t.Errorf("after stage %s: %v", name, err)
			}
			if u, err := getXR(t.Context(), in.name); err == nil {
				t.Logf("after stage %s: Responsive %s", name, conditionOf(u, "Responsive"))
			}
		})
	}
	stage("conditions-keep-their-time", guard, func(t *testing.T, in *instance, _ *kept) { checkConditionsKeepTime(t, in, &ts) })
	stage("image-pinned-by-digest", guard, func(t *testing.T, in *instance, _ *kept) { checkImagePinned(t, in, k, &ts) })
	stage("change-mid-upgrade", guard, func(t *testing.T, in *instance, _ *kept) { checkChangeMidUpgrade(t, in, k, &ts) })
	stage("change-mid-reconfiguration", guard, func(t *testing.T, in *instance, kp *kept) {
		checkChangeMidReconfiguration(t, in, k, kp, &ts)
	})
	stage("recreated-over-volumes", guard, func(t *testing.T, in *instance, kp *kept) { checkRecreatedOverVolumes(t, in, k, kp, &ts) })
	stage("scaled-to-0-asked-standalone", scale, func(t *testing.T, in *instance, kp *kept) { checkScaledToZero(t, in, k, kp) })
	stage("scaled-by-hand-to-maxint32", scale, func(t *testing.T, in *instance, kp *kept) { checkScaledToMaxInt32(t, in, k, kp, &ts) })
	stage("scaled-by-hand-to-30", scale, func(t *testing.T, in *instance, kp *kept) { checkScaledByHand(t, in, k, kp, &ts) })
}

// ---- what must survive ----

// kept is what must survive every stage: the values of the instance's Secrets and its
// volumes (by UID).
type kept struct {
	secrets map[string]map[string][]byte // Secret name -> key -> value
	volumes map[string]types.UID         // PersistentVolumeClaim name -> UID
}

// keptKeys are the Secret keys whose values the data knows; host and uri follow the spec.
//
//nolint:gochecknoglobals // a constant list.
var keptKeys = []string{"username", "password", "keyfile"}

func keep(t *testing.T, in *instance) *kept {
	t.Helper()
	k := &kept{secrets: map[string]map[string][]byte{}, volumes: map[string]types.UID{}}
	for _, name := range []string{in.inst + "-credentials", in.inst + "-keyfile"} {
		s, err := c.kube.CoreV1().Secrets(c.ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Data["password"]) == 0 && len(s.Data["keyfile"]) == 0 {
			t.Fatalf("Secret %s has neither password nor keyfile", name)
		}
		k.secrets[name] = s.Data
	}
	k.addVolumes(t, in)
	return k
}

// addVolumes records the volumes of the instance's members (created by the statefulset
// controller with their pods).
func (k *kept) addVolumes(t *testing.T, in *instance) {
	t.Helper()
	for i := range in.replicas {
		name := fmt.Sprintf("data-%s-%d", in.inst, i)
		if _, ok := k.volumes[name]; ok {
			continue
		}
		p, err := c.kube.CoreV1().PersistentVolumeClaims(c.ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("volume of member %d: %v", i, err)
		}
		k.volumes[name] = p.UID
	}
}

// volumesKept returns nil while every recorded volume exists, the same object, not deleted.
func (k *kept) volumesKept(ctx context.Context) error {
	for name, uid := range k.volumes {
		p, err := c.kube.CoreV1().PersistentVolumeClaims(c.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("volume %s: %w", name, err)
		}
		if p.UID != uid {
			return fmt.Errorf("volume %s was deleted and created again (uid %s -> %s)", name, uid, p.UID)
		}
		if p.DeletionTimestamp != nil {
			return fmt.Errorf("volume %s is being deleted", name)
		}
	}
	return nil
}

// intact returns nil while the instance keeps its data and credentials: the same values in
// its Secrets, every volume, and its StatefulSet under its name.
func (k *kept) intact(ctx context.Context, in *instance) error {
	for name, data := range k.secrets {
		s, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("Secret %s: %w", name, err)
		}
		for _, key := range keptKeys {
			if !bytes.Equal(s.Data[key], data[key]) {
				return fmt.Errorf("Secret %s: the value of %q changed", name, key)
			}
		}
	}
	if err := k.volumesKept(ctx); err != nil {
		return err
	}
	if _, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{}); err != nil {
		return fmt.Errorf("StatefulSet %s: %w", in.inst, err)
	}
	return nil
}

// restore brings the instance back to where every stage starts, in case the stage before
// failed half-way: the spec the test last asked for, the image of that release, every pod
// allowed to become ready and Jobs to complete; then waits until the XR is ready.
func restore(t *testing.T, in *instance, k *kubelet) {
	t.Helper()
	k.holdJobPods(false)
	for i := range 7 {
		k.setReady(fmt.Sprintf("%s-%d", in.inst, i), true)
	}
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": in.version, "replicas": in.replicas}})
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(t.Context(), in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := mongoRepo + ":" + in.version; mongodImage(s) != want {
		t.Logf("restoring the image of StatefulSet %s: %s -> %s", in.inst, mongodImage(s), want)
		patchImage(t, in, want)
	}
	waitXRReady(t, in, k)
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to have rolled out %s:%s", in.inst, mongoRepo, in.version), func() error {
		return rolledOut(t.Context(), in, mongoRepo+":"+in.version)
	})
}

// ---- reading and changing things behind the function's back ----

func mongodContainer(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == "mongod" {
			return &spec.Containers[i]
		}
	}
	return nil
}

func mongodImage(s *appsv1.StatefulSet) string {
	if ct := mongodContainer(&s.Spec.Template.Spec); ct != nil {
		return ct.Image
	}
	return "<no container mongod>"
}

func replicasOf(s *appsv1.StatefulSet) string {
	if s.Spec.Replicas == nil {
		return "<absent>"
	}
	return strconv.Itoa(int(*s.Spec.Replicas))
}

// scaleByHand scales the StatefulSet through its scale subresource, as `kubectl scale
// statefulset NAME --replicas=N` does, and returns its generation from before.
func scaleByHand(t *testing.T, in *instance, n int32) int64 {
	t.Helper()
	ctx, name := t.Context(), in.inst
	quiesce(t, in)
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"spec": map[string]any{"replicas": n}})
	if err != nil {
		t.Fatal(err)
	}
	gvr := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}
	sc, err := c.dyn.Resource(gvr).Namespace(c.ns).Patch(ctx, name, types.MergePatchType, b, metav1.PatchOptions{FieldManager: "kubectl"}, "scale")
	if err != nil {
		t.Fatalf("scale StatefulSet %s to %d: %v", name, n, err)
	}
	if got, _, _ := unstructured.NestedInt64(sc.Object, "spec", "replicas"); got != int64(n) {
		t.Fatalf("scale StatefulSet %s to %d: the scale subresource says %d", name, n, got)
	}
	t.Logf("scaled StatefulSet %s by hand: %s -> %d replicas", name, replicasOf(s), n)
	return s.Generation
}

// scaledBack returns nil once the StatefulSet has want replicas again after a change of
// its generation from before (the scale by hand made it before+1, Crossplane's fix more).
func scaledBack(ctx context.Context, name string, before int64, want int32) error {
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if s.Generation < before+2 || s.Spec.Replicas == nil || *s.Spec.Replicas != want {
		return fmt.Errorf("StatefulSet %s: spec.replicas %s at generation %d (scaled by hand at %d), want %d",
			name, replicasOf(s), s.Generation, before+1, want)
	}
	return nil
}

// quiesce waits until Crossplane has stopped reconciling the XR: neither the XR nor the
// function's log about it changed for a second. A change by hand made while a reconcile is in
// flight may be overwritten by that reconcile's apply of what it read before (Crossplane
// applies without a resourceVersion): that would test the race, not the function.
func quiesce(t *testing.T, in *instance) {
	t.Helper()
	const window = time.Second
	rv, calls, since := "", -2, time.Time{}
	eventually(t, 30*time.Second, fmt.Sprintf("Crossplane to stop reconciling MongoDB %s for %s", in.name, window), func() error {
		u, err := getXR(t.Context(), in.name)
		if err != nil {
			return err
		}
		if n := functionCalls(in.name); u.GetResourceVersion() != rv || n != calls {
			rv, calls, since = u.GetResourceVersion(), n, time.Now()
		}
		if time.Since(since) < window {
			return fmt.Errorf("resourceVersion %s, %d lines about it in the function's log, changing", rv, calls)
		}
		return nil
	})
}

// patchImage sets the mongod container's image by hand.
func patchImage(t *testing.T, in *instance, image string) {
	t.Helper()
	name := in.inst
	quiesce(t, in)
	b, err := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "mongod", "image": image}},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Patch(t.Context(), name, types.StrategicMergePatchType, b, metav1.PatchOptions{FieldManager: "e2e-admin"})
	if err != nil {
		t.Fatalf("set the image of StatefulSet %s to %s: %v", name, image, err)
	}
	if got := mongodImage(s); got != image {
		t.Fatalf("set the image of StatefulSet %s to %s: it has %s", name, image, got)
	}
}

// touch annotates an object, a change that nothing reads, to make Crossplane reconcile.
func touch(t *testing.T, what string, patch func(ctx context.Context, b []byte) error) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]any{touchAnnotation: time.Now().Format(time.RFC3339Nano)}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := patch(t.Context(), b); err != nil {
		t.Fatalf("annotate %s: %v", what, err)
	}
}

// functionCalls counts the lines the function logged about the XR: its debug log
// (hack/e2e/cluster.sh runs it with --debug into E2E_LOGS/function.log) has one or two per
// call. -1 when the log cannot be read.
func functionCalls(name string) int {
	if c.logs == "" {
		return -1
	}
	b, err := os.ReadFile(filepath.Join(c.logs, "function.log"))
	if err != nil {
		return -1
	}
	needle := fmt.Appendf(nil, "%q: %q", "xr-name", name)
	n := 0
	for line := range bytes.Lines(b) {
		if bytes.Contains(line, needle) {
			n++
		}
	}
	return n
}

// reconciled waits until the function was called for the XR again: Crossplane kept
// reconciling it after what.
func reconciled(t *testing.T, name string, since int, what string) time.Duration {
	t.Helper()
	if since < 0 {
		t.Logf("the function's log cannot be read; waiting %s after %s instead", steadyFor, what)
		time.Sleep(steadyFor)
		return steadyFor
	}
	return eventually(t, waitCompose, fmt.Sprintf("the function to be called for MongoDB %s after %s", name, what), func() error {
		if n := functionCalls(name); n <= since {
			return fmt.Errorf("the function logged %d lines about it, as before", n)
		}
		return nil
	})
}

func functionHealthy(ctx context.Context) error {
	fn, err := c.dyn.Resource(gvrFunction).Get(ctx, functionName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if err := wantCondition(fn, "Healthy", "True"); err != nil {
		return fmt.Errorf("Function %s: %w", functionName, err)
	}
	return nil
}

// wantReason checks a condition's status and reason, and that its message contains every
// substring.
func wantReason(u *unstructured.Unstructured, typ, st, reason string, contains ...string) error {
	if err := wantCondition(u, typ, st, contains...); err != nil {
		return err
	}
	if got := conditionOf(u, typ); got.Reason != reason {
		return fmt.Errorf("condition %s is %s, want reason %s", typ, got, reason)
	}
	return nil
}

// conditionTimes returns each condition type's lastTransitionTime, and how often each type
// appears.
func conditionTimes(u *unstructured.Unstructured) (map[string]string, map[string]int) {
	times, counts := map[string]string{}, map[string]int{}
	cs, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, x := range cs {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		typ, _ := m["type"].(string)
		ltt, _ := m["lastTransitionTime"].(string)
		times[typ] = ltt
		counts[typ]++
	}
	return times, counts
}

// refused returns nil when the XR is synced and refuses its current spec for reason.
func refused(ctx context.Context, name, reason string, contains ...string) error {
	return xrState(ctx, name, func(u *unstructured.Unstructured) error {
		if err := observedCurrent(u); err != nil {
			return err
		}
		if err := wantCondition(u, "Synced", "True"); err != nil {
			return err
		}
		return wantReason(u, "SpecAccepted", "False", reason, contains...)
	})
}

// accepted returns nil when the XR is synced and accepts its current spec.
func accepted(ctx context.Context, name string) error {
	return xrState(ctx, name, func(u *unstructured.Unstructured) error {
		if err := observedCurrent(u); err != nil {
			return err
		}
		if err := wantCondition(u, "Synced", "True"); err != nil {
			return err
		}
		return wantCondition(u, "SpecAccepted", "True")
	})
}

// replicaSetIntact returns nil while the instance is the replica set it was: exactly the
// composed objects of in.replicas members (keyfile, PodDisruptionBudget of a majority, the
// replica set Job of that count), a StatefulSet of in.replicas whose mongod runs --replSet.
func replicaSetIntact(ctx context.Context, in *instance) error {
	got, err := listComposed(ctx, in.name)
	if err != nil {
		return err
	}
	want := in.composed()
	sortComposed(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("objects labelled crossplane.io/composite=%s:\n  got  %v\n  want %v", in.name, got, want)
	}
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if s.Spec.Replicas == nil || int(*s.Spec.Replicas) != in.replicas {
		return fmt.Errorf("StatefulSet %s: spec.replicas is %s, want %d", in.inst, replicasOf(s), in.replicas)
	}
	if ct := mongodContainer(&s.Spec.Template.Spec); ct == nil || !slices.Contains(ct.Args, "--replSet") {
		return fmt.Errorf("StatefulSet %s: mongod does not run --replSet (container %+v)", in.inst, ct)
	}
	pdb, err := c.kube.PolicyV1().PodDisruptionBudgets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if majority := in.replicas/2 + 1; pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != majority {
		return fmt.Errorf("PodDisruptionBudget %s: minAvailable is %v, want %d", in.inst, pdb.Spec.MinAvailable, majority)
	}
	return nil
}

// steady returns nil while the function is healthy and the XR synced, accepting its spec, and
// the replica set intact.
func steady(ctx context.Context, in *instance) error {
	if err := functionHealthy(ctx); err != nil {
		return err
	}
	if err := accepted(ctx, in.name); err != nil {
		return err
	}
	return replicaSetIntact(ctx, in)
}

// rolledOut returns nil once the StatefulSet's rolling update is done: every member updated,
// ready, and running image.
func rolledOut(ctx context.Context, in *instance, image string) error {
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		return err
	}
	st := s.Status
	if st.ObservedGeneration != s.Generation || int(st.UpdatedReplicas) != in.replicas || int(st.ReadyReplicas) != in.replicas || st.CurrentRevision != st.UpdateRevision {
		return fmt.Errorf("StatefulSet %s: not rolled out to %d members%s", s.Name, in.replicas, rolloutState(ctx, in))
	}
	if got := mongodImage(s); got != image {
		u, err := getXR(ctx, in.name)
		if err != nil {
			return err
		}
		return fmt.Errorf("StatefulSet %s: mongod runs %s, want %s%s", s.Name, got, image, describe(u))
	}
	pods, err := statefulSetPods(ctx, s)
	if err != nil {
		return err
	}
	if len(pods) != in.replicas {
		return fmt.Errorf("StatefulSet %s has %d pods, want %d", s.Name, len(pods), in.replicas)
	}
	for _, p := range pods {
		if ct := mongodContainer(&p.Spec); ct == nil || ct.Image != image {
			return fmt.Errorf("pod %s does not run %s", p.Name, image)
		}
	}
	return nil
}

// rolloutState describes the StatefulSet's rollout and its pods, for failure messages.
func rolloutState(ctx context.Context, in *instance) string {
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		return "\n  StatefulSet: " + err.Error()
	}
	st := s.Status
	var b strings.Builder
	fmt.Fprintf(&b, "\n  StatefulSet %s: generation %d (observed %d), replicas %s, image %s, currentRevision %s, updateRevision %s, updated %d, ready %d",
		s.Name, s.Generation, st.ObservedGeneration, replicasOf(s), mongodImage(s), st.CurrentRevision, st.UpdateRevision, st.UpdatedReplicas, st.ReadyReplicas)
	pods, err := statefulSetPods(ctx, s)
	if err != nil {
		return b.String() + "\n  pods: " + err.Error()
	}
	for i := range pods {
		p := &pods[i]
		image, ready := "", false
		if ct := mongodContainer(&p.Spec); ct != nil {
			image = ct.Image
		}
		for _, cd := range p.Status.Conditions {
			ready = ready || cd.Type == corev1.PodReady && cd.Status == corev1.ConditionTrue
		}
		fmt.Fprintf(&b, "\n  pod %s (uid %s): revision %s, image %s, phase %s, ready %t", p.Name, p.UID, p.Labels[appsv1.ControllerRevisionHashLabelKey], image, p.Status.Phase, ready)
	}
	return b.String()
}

// ---- stages ----

// checkConditionsKeepTime makes Crossplane reconcile a ready XR that nothing changed: every
// condition keeps its lastTransitionTime, and each type appears once.
func checkConditionsKeepTime(t *testing.T, in *instance, ts *timings) {
	ctx := t.Context()
	u, err := getXR(ctx, in.name)
	if err != nil {
		t.Fatal(err)
	}
	before, counts := conditionTimes(u)
	for _, typ := range []string{"Synced", "Ready", "DatabaseReady", "SpecAccepted"} {
		if counts[typ] != 1 || before[typ] == "" {
			t.Fatalf("condition %s appears %d times (lastTransitionTime %q)%s", typ, counts[typ], before[typ], describe(u))
		}
	}
	// lastTransitionTime has a resolution of a second: a condition set anew shows.
	time.Sleep(1100 * time.Millisecond)

	// A reconcile caused by the XR itself: an annotation, which changes nothing the function
	// reads (and no generation).
	calls := functionCalls(in.name)
	touch(t, "MongoDB "+in.name, func(ctx context.Context, b []byte) error {
		_, err := c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Patch(ctx, in.name, types.MergePatchType, b, metav1.PatchOptions{})
		return err
	})
	if d, err := waitFor(10*time.Second, "a call of the function after the XR was annotated", func() error {
		if n := functionCalls(in.name); n <= calls {
			return fmt.Errorf("%d lines about it in the function's log, as before", n)
		}
		return nil
	}); err != nil {
		t.Logf("annotating the XR made no reconcile that called the function (%v); touching a composed object next", err)
	} else {
		ts.add(t, in.name+": XR annotated -> function called", d)
	}

	// One caused by a composed object (realtime compositions).
	calls = functionCalls(in.name)
	touch(t, "Service "+in.inst, func(ctx context.Context, b []byte) error {
		_, err := c.kube.CoreV1().Services(c.ns).Patch(ctx, in.inst, types.MergePatchType, b, metav1.PatchOptions{})
		return err
	})
	d := reconciled(t, in.name, calls, "a composed Service was annotated")
	ts.add(t, in.name+": composed Service annotated -> function called", d)

	consistently(t, steadyFor, fmt.Sprintf("MongoDB %s keeping its conditions' lastTransitionTime across reconciles", in.name), func() error {
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error {
			now, counts := conditionTimes(u)
			for typ, n := range counts {
				if n != 1 {
					return fmt.Errorf("condition %s appears %d times", typ, n)
				}
			}
			for typ, ltt := range before {
				if now[typ] != ltt {
					return fmt.Errorf("condition %s: lastTransitionTime %s -> %s, with no change of its status", typ, ltt, now[typ])
				}
			}
			return wantCondition(u, "Ready", "True")
		})
	})
}

// checkScaledByHand scales the StatefulSet to 30 by hand while the XR asks for 3: Crossplane
// scales it back, the function keeps serving, and the replica set stays what it was.
func checkScaledByHand(t *testing.T, in *instance, k *kubelet, saved *kept, ts *timings) {
	ctx := t.Context()
	events := countEvents(t, in)
	calls := functionCalls(in.name)
	gen := scaleByHand(t, in, 30)
	defer func() { t.Logf("watch events during the scale to 30 and back: %s", events()) }()
	d := eventually(t, waitCompose, fmt.Sprintf("Crossplane to scale StatefulSet %s back to %d", in.inst, in.replicas), func() error {
		return scaledBack(ctx, in.inst, gen, int32(in.replicas))
	})
	ts.add(t, in.name+": StatefulSet scaled to 30 by hand -> back to 3", d)
	reconciled(t, in.name, calls, "the scale to 30")
	consistently(t, steadyFor, fmt.Sprintf("MongoDB %s staying a synced replica set of %d after the scale to 30", in.name, in.replicas), func() error {
		if err := steady(ctx, in); err != nil {
			return err
		}
		return saved.intact(ctx, in)
	})
	// The members the statefulset controller added meanwhile go again.
	waitXRReady(t, in, k)
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to have %d pods again", in.inst, in.replicas), func() error {
		return rolledOut(ctx, in, mongoRepo+":"+in.version)
	})
	checkReady(t, in)
}

// countEvents counts the watch events of the instance's StatefulSet, PodDisruptionBudget and
// pods from now until the returned function is called, which tells them: what Crossplane's
// circuit breaker counts (composed resources) and what the controllers did.
func countEvents(t *testing.T, in *instance) func() string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	start := func(kind string, w watch.Interface, err error) {
		if err != nil {
			t.Logf("watch %s: %v", kind, err)
			return
		}
		wg.Go(func() {
			defer w.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-w.ResultChan():
					if !ok {
						return
					}
					mu.Lock()
					counts[kind+" "+string(ev.Type)]++
					mu.Unlock()
				}
			}
		})
	}
	// From the current state on: no ADDED events for what exists.
	sts, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	byName := metav1.ListOptions{FieldSelector: "metadata.name=" + in.inst, ResourceVersion: sts.ResourceVersion}
	w, err := c.kube.AppsV1().StatefulSets(c.ns).Watch(ctx, byName)
	start("StatefulSet", w, err)
	w, err = c.kube.PolicyV1().PodDisruptionBudgets(c.ns).Watch(ctx, byName)
	start("PodDisruptionBudget", w, err)
	w, err = c.kube.CoreV1().Pods(c.ns).Watch(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + in.inst, ResourceVersion: sts.ResourceVersion})
	start("Pod", w, err)
	return func() string {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		keys := make([]string, 0, len(counts))
		for k := range counts {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %d; ", k, counts[k])
		}
		return b.String()
	}
}

// watchImages records each change of the StatefulSet's mongod image (with its generation)
// from now until the returned function is called: a rollout that went back and forth shows.
func watchImages(t *testing.T, in *instance) func() string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := []string{fmt.Sprintf("%s (generation %d)", mongodImage(s), s.Generation)}
	w, err := c.kube.AppsV1().StatefulSets(c.ns).Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + in.inst, ResourceVersion: s.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	last := mongodImage(s)
	wg.Go(func() {
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				if s, ok := ev.Object.(*appsv1.StatefulSet); ok && mongodImage(s) != last {
					last = mongodImage(s)
					mu.Lock()
					seen = append(seen, fmt.Sprintf("%s (generation %d)", last, s.Generation))
					mu.Unlock()
				}
			}
		}
	})
	return func() string {
		cancel()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(seen, " -> ")
	}
}

// checkScaledToMaxInt32 scales the StatefulSet to 2³¹−1 by hand: the function sizes nothing
// from that count, Crossplane scales it back.
func checkScaledToMaxInt32(t *testing.T, in *instance, k *kubelet, saved *kept, ts *timings) {
	ctx := t.Context()
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods, err := statefulSetPods(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	podUIDs := map[string]types.UID{}
	for _, p := range pods {
		podUIDs[p.Name] = p.UID
	}

	thaw := freezeStatefulSetController(t, s)
	calls := functionCalls(in.name)
	gen := scaleByHand(t, in, math.MaxInt32)
	d := eventually(t, waitCompose, fmt.Sprintf("Crossplane to scale StatefulSet %s back to %d from 2^31-1", in.inst, in.replicas), func() error {
		return scaledBack(ctx, in.inst, gen, int32(in.replicas))
	})
	ts.add(t, in.name+": StatefulSet scaled to 2^31-1 by hand -> back to 3", d)
	reconciled(t, in.name, calls, "the scale to 2^31-1")
	consistently(t, steadyFor, fmt.Sprintf("MongoDB %s staying a synced replica set of %d after the scale to 2^31-1", in.name, in.replicas), func() error {
		if err := steady(ctx, in); err != nil {
			return err
		}
		return saved.intact(ctx, in)
	})
	thaw()

	eventually(t, waitReady, fmt.Sprintf("the statefulset controller to take StatefulSet %s up again", in.inst), func() error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s.Status.ObservedGeneration != s.Generation {
			return fmt.Errorf("status.observedGeneration %d, generation %d", s.Status.ObservedGeneration, s.Generation)
		}
		if revs := revisionsOf(ctx, s); len(revs) == 0 {
			return fmt.Errorf("no ControllerRevision of StatefulSet %s yet", s.Name)
		}
		return nil
	})
	waitXRReady(t, in, k)
	checkReady(t, in)
	pods, err = statefulSetPods(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods {
		if uid, ok := podUIDs[p.Name]; !ok || uid != p.UID {
			t.Errorf("pod %s was replaced while the statefulset controller was held (its revision is re-created under the same name, so no pod should be)", p.Name)
		}
	}
}

// freezeStatefulSetController keeps kube-controller-manager's statefulset controller from
// acting on the StatefulSet until the returned function is called (or the test ends).
//
// The controller must not see 2³¹−1 replicas: before it looks at a single pod it allocates a
// slot and builds a pod object for every replica (pkg/controller/statefulset,
// updateStatefulSet), which would take all the machine's memory. A ResourceQuota of no
// ControllerRevisions (its status written here: this plane runs no quota controller) makes the
// apiserver refuse every new one; with the StatefulSet's revisions deleted, every sync fails where it would create one, before that allocation. Once
// thawed, the controller creates the revision again under the same name (a hash of the pod
// template), so no pod is replaced.
func freezeStatefulSetController(t *testing.T, s *appsv1.StatefulSet) func() {
	t.Helper()
	ctx := t.Context()
	none := corev1.ResourceList{"count/controllerrevisions.apps": resource.MustParse("0")}
	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: freezeQuota}, Spec: corev1.ResourceQuotaSpec{Hard: none}}
	if _, err := c.kube.CoreV1().ResourceQuotas(c.ns).Create(ctx, q, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create ResourceQuota %s: %v", freezeQuota, err)
	}
	thaw := func() {
		ctx := context.WithoutCancel(t.Context())
		err := c.kube.CoreV1().ResourceQuotas(c.ns).Delete(ctx, freezeQuota, metav1.DeleteOptions{})
		if kerrors.IsNotFound(err) {
			return
		}
		if err != nil {
			t.Errorf("delete ResourceQuota %s: %v", freezeQuota, err)
			return
		}
		// The controller backs off after failed syncs; a change of the StatefulSet has it
		// look at once.
		touch(t, "StatefulSet "+s.Name, func(_ context.Context, b []byte) error {
			_, err := c.kube.AppsV1().StatefulSets(c.ns).Patch(ctx, s.Name, types.MergePatchType, b, metav1.PatchOptions{})
			return err
		})
	}
	t.Cleanup(thaw)

	// Admission reads the quota's status, which the quota controller writes (the plane runs
	// it): none of that kind may exist. Until it has, the test writes it: none does (as far
	// as admission knows).
	eventually(t, 30*time.Second, "the status of ResourceQuota "+freezeQuota, func() error {
		q, err := c.kube.CoreV1().ResourceQuotas(c.ns).Get(ctx, freezeQuota, metav1.GetOptions{})
		if err != nil || len(q.Status.Hard) > 0 {
			return err
		}
		q.Status = corev1.ResourceQuotaStatus{Hard: none, Used: none}
		_, err = c.kube.CoreV1().ResourceQuotas(c.ns).UpdateStatus(ctx, q, metav1.UpdateOptions{})
		return err
	})

	probe := &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-freeze-probe"},
		Data:       runtime.RawExtension{Raw: []byte(`{}`)},
		Revision:   1,
	}
	_, err := c.kube.AppsV1().ControllerRevisions(c.ns).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if !kerrors.IsForbidden(err) {
		t.Skipf("the apiserver does not refuse new ControllerRevisions under ResourceQuota %s (err: %v): the statefulset controller cannot be held, so no scale to 2^31-1", freezeQuota, err)
	}
	for _, r := range revisionsOf(ctx, s) {
		if err := c.kube.AppsV1().ControllerRevisions(c.ns).Delete(ctx, r, metav1.DeleteOptions{}); err != nil && !kerrors.IsNotFound(err) {
			t.Fatalf("delete ControllerRevision %s: %v", r, err)
		}
	}
	consistently(t, time.Second, fmt.Sprintf("StatefulSet %s having no ControllerRevision while its controller is held", s.Name), func() error {
		if revs := revisionsOf(ctx, s); len(revs) > 0 {
			return fmt.Errorf("ControllerRevisions %v", revs)
		}
		return nil
	})
	return thaw
}

// revisionsOf names the ControllerRevisions the StatefulSet controls; nil when they cannot
// be listed.
func revisionsOf(ctx context.Context, s *appsv1.StatefulSet) []string {
	l, err := c.kube.AppsV1().ControllerRevisions(c.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	var names []string
	for i := range l.Items {
		if ref := metav1.GetControllerOf(&l.Items[i]); ref != nil && ref.UID == s.UID {
			names = append(names, l.Items[i].Name)
		}
	}
	return names
}

// checkScaledToZero asks a replica set for 1 member, and scales its StatefulSet to 0 by hand:
// it stays a replica set of the members it had.
func checkScaledToZero(t *testing.T, in *instance, k *kubelet, saved *kept) {
	ctx := t.Context()
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"replicas": 1}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to refuse turning standalone", in.name), func() error {
		return refused(ctx, in.name, "TopologyChangeRefused", "spec.replicas")
	})
	calls := functionCalls(in.name)
	gen := scaleByHand(t, in, 0)
	eventually(t, waitCompose, fmt.Sprintf("Crossplane to scale StatefulSet %s back to %d from 0", in.inst, in.replicas), func() error {
		return scaledBack(ctx, in.inst, gen, int32(in.replicas))
	})
	reconciled(t, in.name, calls, "the scale to 0")
	consistently(t, steadyFor, fmt.Sprintf("MongoDB %s staying a replica set of %d, refusing standalone", in.name, in.replicas), func() error {
		if err := functionHealthy(ctx); err != nil {
			return err
		}
		if err := refused(ctx, in.name, "TopologyChangeRefused", "spec.replicas"); err != nil {
			return err
		}
		if err := replicaSetIntact(ctx, in); err != nil {
			return err
		}
		return saved.intact(ctx, in)
	})
	u, _ := getXR(ctx, in.name)
	t.Logf("refused: SpecAccepted %s", conditionOf(u, "SpecAccepted"))

	patchXR(t, in.name, map[string]any{"spec": map[string]any{"replicas": in.replicas}})
	waitXRReady(t, in, k)
	checkReady(t, in)
}

// checkImagePinned pins the StatefulSet's image by digest by hand: the function keeps the pin
// and still reads its release; an image whose release cannot be read stops version changes.
func checkImagePinned(t *testing.T, in *instance, k *kubelet, ts *timings) {
	ctx := t.Context()
	pinned := mongoRepo + ":" + in.version + "@" + fakeDigest
	stays := func(image string) error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got := mongodImage(s); got != image {
			return fmt.Errorf("StatefulSet %s: mongod's image is %s, want %s", in.inst, got, image)
		}
		return nil
	}

	calls := functionCalls(in.name)
	start := time.Now()
	patchImage(t, in, pinned)
	reconciled(t, in.name, calls, "the image was pinned by digest")
	consistently(t, steadyFor, fmt.Sprintf("StatefulSet %s keeping the image pinned by hand, %s", in.inst, pinned), func() error {
		if err := stays(pinned); err != nil {
			return err
		}
		return accepted(ctx, in.name)
	})
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to roll out %s", in.inst, pinned), func() error {
		return rolledOut(ctx, in, pinned)
	})
	waitXRReady(t, in, k)
	ts.add(t, in.name+": image pinned by digest by hand -> rolled out, XR Ready", time.Since(start))
	if err := stays(pinned); err != nil {
		t.Error(err)
	}

	// A downgrade is refused by the release read from the pinned image's tag; the pin stays.
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": "6.0"}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to refuse 6.0 under %s", in.name, pinned), func() error {
		return refused(ctx, in.name, "DowngradeRefused", "spec.version")
	})
	consistently(t, steadyFor, fmt.Sprintf("MongoDB %s refusing the downgrade, its image pinned", in.name), func() error {
		if err := stays(pinned); err != nil {
			return err
		}
		return refused(ctx, in.name, "DowngradeRefused", "spec.version")
	})
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": in.version}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to accept %s again", in.name, in.version), func() error {
		return accepted(ctx, in.name)
	})

	// A digest and no tag: no release can be read, so no version change rolls out.
	bare := mongoRepo + "@" + fakeDigest
	patchImage(t, in, bare)
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to roll out %s", in.inst, bare), func() error {
		return rolledOut(ctx, in, bare)
	})
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": "8.0"}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to refuse 8.0 under %s", in.name, bare), func() error {
		return refused(ctx, in.name, "VersionUnknown", "spec.version")
	})
	consistently(t, steadyFor, fmt.Sprintf("MongoDB %s keeping the image %s", in.name, bare), func() error {
		if err := stays(bare); err != nil {
			return err
		}
		return refused(ctx, in.name, "VersionUnknown", "spec.version")
	})
	u, _ := getXR(ctx, in.name)
	t.Logf("refused: SpecAccepted %s", conditionOf(u, "SpecAccepted"))

	// Back to the release's tag, by hand, as the refusal says.
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": in.version}})
	patchImage(t, in, mongoRepo+":"+in.version)
	waitXRReady(t, in, k)
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to roll out %s:%s", in.inst, mongoRepo, in.version), func() error {
		return rolledOut(ctx, in, mongoRepo+":"+in.version)
	})
	checkStatefulSet(t, in.inst, in)
}

// checkChangeMidUpgrade asks for a scale while an upgrade rolls out, then goes back from the
// upgrade, none of whose new pods became ready.
func checkChangeMidUpgrade(t *testing.T, in *instance, k *kubelet, ts *timings) {
	ctx := t.Context()
	// The statefulset controller replaces the highest member first. Its new pod never becomes
	// ready: marked as soon as it exists, well before the simulated kubelet starts it. (The
	// old pod must stay ready: the controller replaces no pod while one is unavailable.)
	last := fmt.Sprintf("%s-%d", in.inst, in.replicas-1)
	t.Cleanup(func() { k.setReady(last, true) })
	old, err := c.kube.CoreV1().Pods(c.ns).Get(ctx, last, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	recreatedOld := false
	images := watchImages(t, in)
	defer func() { t.Logf("StatefulSet %s ran: %s", in.inst, images()) }()
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": "8.0"}})
	eventually(t, waitReady, fmt.Sprintf("the statefulset controller to replace pod %s for 8.0", last), func() error {
		p, err := c.kube.CoreV1().Pods(c.ns).Get(ctx, last, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.UID == old.UID {
			s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
			if err != nil {
				return err
			}
			u, err := getXR(ctx, in.name)
			if err != nil {
				return err
			}
			return fmt.Errorf("still the old pod %s; StatefulSet %s runs %s%s", last, in.inst, mongodImage(s), describe(u))
		}
		// The controller may create it again at the old revision first, when its status is
		// stale (a StatefulSet without rollingUpdate: newVersionedStatefulSetPod compares
		// the ordinal with status.currentReplicas); that one must become ready to be
		// replaced.
		if ct := mongodContainer(&p.Spec); ct == nil || ct.Image != mongoRepo+":8.0" {
			if !recreatedOld {
				recreatedOld = true
				t.Logf("the statefulset controller created pod %s again at the old revision (%s)%s", last, p.Labels[appsv1.ControllerRevisionHashLabelKey], rolloutState(ctx, in))
			}
			old = p
			return fmt.Errorf("pod %s was created again at the old revision", last)
		}
		k.setReady(last, false)
		return nil
	})
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to roll out 8.0 as far as pod %s, running and not ready", in.inst, last), func() error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		st := s.Status
		if st.UpdateRevision == "" || st.CurrentRevision == st.UpdateRevision {
			return fmt.Errorf("StatefulSet %s: no rolling update in progress (currentRevision %q, updateRevision %q)", in.inst, st.CurrentRevision, st.UpdateRevision)
		}
		p, err := c.kube.CoreV1().Pods(c.ns).Get(ctx, last, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if rev := p.Labels[appsv1.ControllerRevisionHashLabelKey]; rev != st.UpdateRevision || p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("pod %s: revision %s (update revision %s), phase %s; %s%s", last, rev, st.UpdateRevision, p.Status.Phase, k.err(), rolloutState(ctx, in))
		}
		if ct := mongodContainer(&p.Spec); ct == nil || ct.Image != mongoRepo+":8.0" {
			return fmt.Errorf("pod %s does not run %s:8.0", last, mongoRepo)
		}
		for _, cd := range p.Status.Conditions {
			if cd.Type == corev1.PodReady && cd.Status == corev1.ConditionTrue {
				return fmt.Errorf("pod %s became ready before it was marked not ready; %s", last, k.err())
			}
		}
		return nil
	})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to accept 8.0", in.name), func() error { return accepted(ctx, in.name) })

	// A scale asked for mid-rollout waits.
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"replicas": 5}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to hold a scale to 5 while 8.0 rolls out", in.name), func() error {
		return refused(ctx, in.name, "RolloutInProgress", "spec.replicas")
	})
	consistently(t, steadyFor, fmt.Sprintf("StatefulSet %s keeping %d replicas mid-rollout", in.inst, in.replicas), func() error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s.Spec.Replicas == nil || int(*s.Spec.Replicas) != in.replicas {
			return fmt.Errorf("StatefulSet %s: spec.replicas is %s", in.inst, replicasOf(s))
		}
		return refused(ctx, in.name, "RolloutInProgress", "spec.replicas")
	})
	u, _ := getXR(ctx, in.name)
	t.Logf("held: SpecAccepted %s", conditionOf(u, "SpecAccepted"))

	// Back to the release that runs: none of the upgrade's new pods ever became ready.
	start := time.Now()
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": in.version, "replicas": in.replicas}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to go back to %s, StatefulSet %s with it", in.name, in.version, in.inst), func() error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got := mongodImage(s); got != mongoRepo+":"+in.version {
			return fmt.Errorf("StatefulSet %s: mongod's image is %s", in.inst, got)
		}
		return accepted(ctx, in.name)
	})
	k.setReady(last, true)
	waitXRReady(t, in, k)
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to roll back to %s:%s", in.inst, mongoRepo, in.version), func() error {
		return rolledOut(ctx, in, mongoRepo+":"+in.version)
	})
	ts.add(t, in.name+": back from an upgrade none of whose pods became ready -> Ready", time.Since(start))
	checkStatefulSet(t, in.inst, in)
}

// checkChangeMidReconfiguration asks for 3 members while the Job that configures 5 runs.
func checkChangeMidReconfiguration(t *testing.T, in *instance, k *kubelet, saved *kept, ts *timings) {
	ctx := t.Context()
	k.holdJobPods(true)
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"replicas": 5}})
	job := in.inst + "-rs-init-5"
	eventually(t, waitCompose, fmt.Sprintf("Job %s and StatefulSet %s of 5", job, in.inst), func() error {
		if _, err := c.kube.BatchV1().Jobs(c.ns).Get(ctx, job, metav1.GetOptions{}); err != nil {
			return err
		}
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 5 {
			return fmt.Errorf("StatefulSet %s: spec.replicas is %s", in.inst, replicasOf(s))
		}
		return nil
	})

	patchXR(t, in.name, map[string]any{"spec": map[string]any{"replicas": in.replicas}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to hold 5 -> 3 while Job %s runs", in.name, job), func() error {
		return refused(ctx, in.name, "RolloutInProgress", "spec.replicas")
	})
	consistently(t, steadyFor, fmt.Sprintf("StatefulSet %s keeping 5 replicas while Job %s runs", in.inst, job), func() error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 5 {
			return fmt.Errorf("StatefulSet %s: spec.replicas is %s", in.inst, replicasOf(s))
		}
		j, err := c.kube.BatchV1().Jobs(c.ns).Get(ctx, job, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cd := range j.Status.Conditions {
			if (cd.Type == batchv1.JobComplete || cd.Type == batchv1.JobFailed) && cd.Status == corev1.ConditionTrue {
				return fmt.Errorf("Job %s finished (%s) although its pods are held", job, cd.Type)
			}
		}
		return refused(ctx, in.name, "RolloutInProgress", "spec.replicas")
	})
	u, _ := getXR(ctx, in.name)
	t.Logf("held: SpecAccepted %s", conditionOf(u, "SpecAccepted"))

	// Going on with 5 is accepted; the Job completes.
	start := time.Now()
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"replicas": 5}})
	in.replicas = 5
	k.holdJobPods(false)
	waitXRReady(t, in, k)
	ts.add(t, in.name+": 5 members asked again, Job let through -> Ready", time.Since(start))
	checkReady(t, in)
	if err := replicaSetIntact(ctx, in); err != nil {
		t.Error(err)
	}
	saved.addVolumes(t, in)
}

// checkRecreatedOverVolumes deletes the XR and creates it again under its name, as Flux
// restoring it from Git would: its volumes outlived it, so the function refuses to generate a
// password until the old Secrets are restored by hand, then adopts them.
func checkRecreatedOverVolumes(t *testing.T, in *instance, k *kubelet, saved *kept, ts *timings) {
	ctx := t.Context()
	old, err := getXR(ctx, in.name)
	if err != nil {
		t.Fatal(err)
	}
	oldSts, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The backup: the Secrets' data as it is now.
	backup := map[string]map[string][]byte{}
	for name := range saved.secrets {
		s, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		backup[name] = s.Data
	}

	start := time.Now()
	if err := c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Delete(ctx, in.name, metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete MongoDB %s: %v", in.name, err)
	}
	eventually(t, waitDelete, fmt.Sprintf("MongoDB %s to be gone", in.name), func() error {
		u, err := getXR(ctx, in.name)
		if kerrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		return fmt.Errorf("still there, finalizers %v%s", u.GetFinalizers(), describe(u))
	})
	eventually(t, waitDelete, fmt.Sprintf("the composed resources and pods of MongoDB %s to be garbage-collected", in.name), func() error {
		if err := noneExist(ctx, in.composed()); err != nil {
			return err
		}
		pods, err := podsOf(ctx, "app.kubernetes.io/instance="+in.inst)
		if err != nil {
			return err
		}
		if len(pods) > 0 {
			return fmt.Errorf("%d pods left", len(pods))
		}
		return nil
	})
	ts.add(t, in.name+": XR deleted -> composed objects and pods garbage-collected", time.Since(start))
	if err := saved.volumesKept(ctx); err != nil {
		t.Fatalf("the volumes must outlive the XR: %v", err)
	}

	// The same XR again, as it was last applied.
	u := loadXR(t, in.file)
	if err := unstructured.SetNestedField(u.Object, int64(in.replicas), "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	if err := unstructured.SetNestedField(u.Object, in.version, "spec", "version"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Create(ctx, u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create MongoDB %s again: %v", in.name, err)
	}
	volume, credentials := "data-"+in.inst+"-0", in.inst+"-credentials"
	d := eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to refuse a new password over volume %s", in.name, volume), func() error {
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error {
			if u.GetUID() == old.GetUID() {
				return fmt.Errorf("still the deleted XR (uid %s)", old.GetUID())
			}
			return wantCondition(u, "Synced", "False", volume)
		})
	})
	ts.add(t, in.name+": XR re-created over its volumes -> Synced=False naming them", d)
	u, _ = getXR(ctx, in.name)
	t.Logf("refused: Synced %s", conditionOf(u, "Synced"))
	// What to restore, by name.
	if err := wantCondition(u, "Synced", "False", credentials); err != nil {
		t.Errorf("the refusal does not say which Secret to restore: %v", err)
	}
	consistently(t, steadyFor, fmt.Sprintf("no new Secret %s nor StatefulSet %s while the old Secrets are missing", credentials, in.inst), func() error {
		if err := noneExist(ctx, []composed{{"mongodb-credentials", "Secret", credentials}, {"mongodb-statefulset", "StatefulSet", in.inst}}); err != nil {
			return err
		}
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error {
			return wantCondition(u, "Synced", "False", volume)
		})
	})

	// Restore the Secrets from the backup by hand: plain Secrets, no owner.
	start = time.Now()
	for name, data := range backup {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Type: corev1.SecretTypeOpaque, Data: data}
		if _, err := c.kube.CoreV1().Secrets(c.ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatalf("restore Secret %s: %v", name, err)
		}
	}
	d = eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to adopt the restored Secrets", in.name), func() error {
		xr, err := getXR(ctx, in.name)
		if err != nil {
			return err
		}
		if err := wantCondition(xr, "Synced", "True"); err != nil {
			return fmt.Errorf("%w%s", err, describe(xr))
		}
		for name := range backup {
			s, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if ref := metav1.GetControllerOf(s); ref == nil || ref.UID != xr.GetUID() {
				return fmt.Errorf("Secret %s: controller is %+v, want MongoDB %s (uid %s)", name, ref, in.name, xr.GetUID())
			}
		}
		return nil
	})
	ts.add(t, in.name+": Secrets restored by hand -> adopted, Synced=True", d)
	waitXRReady(t, in, k)
	ts.add(t, in.name+": Secrets restored by hand -> Ready=True", time.Since(start))
	checkReady(t, in)
	if err := saved.intact(ctx, in); err != nil {
		t.Error(err)
	}
	if err := replicaSetIntact(ctx, in); err != nil {
		t.Error(err)
	}
	xr, err := getXR(ctx, in.name)
	if err != nil {
		t.Fatal(err)
	}
	if got := statusString(xr, "instanceName"); got != in.inst {
		t.Errorf("status.instanceName of the re-created XR is %q, want %q", got, in.inst)
	}
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.UID == oldSts.UID {
		t.Errorf("StatefulSet %s is the old one (uid %s); it should have been garbage-collected with the XR", in.inst, s.UID)
	}
}
