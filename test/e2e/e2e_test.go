package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

const (
	functionName = "function-golden-path"
	xrdName      = "mongodbs.database.platform.io"
	// Crossplane core's identity (hack/e2e/manifests/crossplane-rbac.yaml).
	crossplaneSA = "system:serviceaccount:crossplane-system:crossplane"
	// The label prefix of the TeraSky kubernetes-ingestor's annotations (the Input's default).
	backstagePrefix = "terasky.backstage.io/"
)

// Bounds of the waits. Composition is realtime (about a second); the garbage collector learns
// about new kinds only on its 30 s discovery resync, so deletion waits longer.
const (
	waitCompose = 60 * time.Second
	waitReady   = 120 * time.Second
	waitDelete  = 150 * time.Second
)

var hex8 = regexp.MustCompile(`^[0-9a-f]{8}$`)

// TestControlPlane checks what the tests below rely on: the package is installed through the
// package manager and healthy, the XRD is established, pod security "restricted" is enforced
// in the test namespace, and Crossplane may manage what the function composes.
func TestControlPlane(t *testing.T) {
	ctx := t.Context()

	fn, err := c.dyn.Resource(gvrFunction).Get(ctx, functionName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("Function %s: %v", functionName, err)
	}
	for _, typ := range []string{"Installed", "Healthy"} {
		if err := wantCondition(fn, typ, "True"); err != nil {
			t.Errorf("Function %s: %v", functionName, err)
		}
	}
	if pkg, _, _ := unstructured.NestedString(fn.Object, "spec", "package"); !strings.Contains(pkg, "/"+functionName+":") {
		t.Errorf("Function %s: spec.package is %q, want the package pushed to the local registry", functionName, pkg)
	}

	xrd, err := c.dyn.Resource(gvrXRD).Get(ctx, xrdName, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("XRD %s: %v", xrdName, err)
	}
	if err := wantCondition(xrd, "Established", "True"); err != nil {
		t.Errorf("XRD %s: %v", xrdName, err)
	}
	if scope, _, _ := unstructured.NestedString(xrd.Object, "spec", "scope"); scope != "Namespaced" {
		t.Errorf("XRD %s: spec.scope is %q, want Namespaced", xrdName, scope)
	}

	ns, err := c.kube.CoreV1().Namespaces().Get(ctx, c.ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Fatalf("namespace %s: pod-security.kubernetes.io/enforce is %q, want restricted", c.ns, got)
	}
	// Admission really enforces it: a pod without a restricted security context is refused.
	bad := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "not-restricted"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	_, err = c.kube.CoreV1().Pods(c.ns).Create(ctx, bad, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err == nil || !strings.Contains(err.Error(), "PodSecurity") {
		t.Errorf("a pod violating pod security \"restricted\" was not refused in %s (err: %v)", c.ns, err)
	}

	// Crossplane runs with the chart's RBAC plus the example's aggregated ClusterRole.
	check := func(group, res string, verbs ...string) {
		for _, verb := range verbs {
			sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
				User:               crossplaneSA,
				Groups:             []string{"system:serviceaccounts", "system:serviceaccounts:crossplane-system", "system:authenticated"},
				ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: c.ns, Verb: verb, Group: group, Resource: res},
			}}
			got, err := c.kube.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !got.Status.Allowed {
				t.Errorf("Crossplane (%s) may not %s %s.%s in %s: example/mongodb/rbac.yaml must grant it (ClusterRole labelled rbac.crossplane.io/aggregate-to-crossplane=true)",
					crossplaneSA, verb, res, group, c.ns)
			}
		}
	}
	all := []string{"get", "list", "watch", "create", "update", "patch", "delete"}
	check("", "secrets", all...)
	check("", "services", all...)
	check("apps", "statefulsets", all...)
	check("policy", "poddisruptionbudgets", all...)
	check("networking.k8s.io", "networkpolicies", all...)
	check("batch", "jobs", all...)
	// The function asks Crossplane for the instance's pods (required resources) to name the
	// members that are not ready.
	check("", "pods", "get", "list", "watch")
}

// instance is one XR under test and what the tests learn about it.
type instance struct {
	file      string
	name      string
	replicas  int
	version   string
	storageGB int
	inst      string // the instance name, from status.instanceName
	created   time.Time
}

func (in *instance) composed() []composed { return expectedComposed(in.inst, in.replicas) }

// TestMongoDB drives two MongoDB XRs, a standalone server and a replica set, through their
// life: creation, readiness (with a simulated kubelet), a member failing, an update, a refused
// storage shrink, self-healing and deletion. Stages run in order.
func TestMongoDB(t *testing.T) {
	var ts timings
	defer func() { ts.print() }() // not `defer ts.print()`: that would print the empty slice of now

	solo := &instance{file: "standalone.yaml", replicas: 1, version: "7.0", storageGB: 5}
	rs := &instance{file: "replicaset.yaml", replicas: 3, version: "7.0", storageGB: 10}
	both := []*instance{solo, rs}

	// A stage that stops (t.Fatal) stops the test; one that only reports mismatches (t.Error)
	// lets the later stages run, so that one run shows every mismatch it can.
	stage := func(name string, f func(t *testing.T)) {
		completed := false
		t.Run(name, func(t *testing.T) {
			f(t)
			completed = true
		})
		if !completed {
			t.FailNow()
		}
	}

	stage("create", func(t *testing.T) {
		create(t, both, &ts)
	})

	// From here on, the simulated kubelet reports pods running; the replica set Job's pod only
	// once every member is up and the XR was seen waiting for the Job.
	k := startKubelet(t, true)
	kubeletStart := time.Now()

	stage("standalone-ready", func(t *testing.T) {
		waitXRReady(t, solo, k)
		ts.add(t, solo.name+" (replicas=1): creation -> Ready=True", time.Since(solo.created))
		ts.add(t, solo.name+" (replicas=1): kubelet start -> Ready=True", time.Since(kubeletStart))
		checkReady(t, solo)
		checkQuiet(t, solo)
	})

	stage("replica-set-members-up", func(t *testing.T) {
		job := fmt.Sprintf("%s-rs-init-%d", rs.inst, rs.replicas)
		eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to have %d ready replicas", rs.inst, rs.replicas), func() error {
			s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(t.Context(), rs.inst, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if int(s.Status.ReadyReplicas) != rs.replicas {
				return fmt.Errorf("status.readyReplicas %d (%s)", s.Status.ReadyReplicas, k.err())
			}
			return nil
		})
		ts.add(t, rs.name+" (replicas=3): kubelet start -> all members ready (StatefulSet)", time.Since(kubeletStart))
		// Every member runs, but the replica set is not initiated until its Job completed. (A
		// mismatch here does not stop the stages after it: the Job completes next anyway.)
		_, err := waitFor(20*time.Second, fmt.Sprintf("MongoDB %s to wait for Job %s while its pod runs", rs.name, job), func() error {
			return xrState(t.Context(), rs.name, func(u *unstructured.Unstructured) error {
				if err := wantCondition(u, "Ready", "False"); err != nil {
					return err
				}
				if err := wantCondition(u, "DatabaseReady", "False", job); err != nil {
					return err
				}
				if ph := statusString(u, "phase"); ph != "Provisioning" {
					return fmt.Errorf("status.phase is %q, want Provisioning", ph)
				}
				return isKstatus(u, status.InProgressStatus)
			})
		})
		if err != nil {
			t.Error(err)
		}
		u, _ := getXR(t.Context(), rs.name)
		t.Logf("members up, Job running: DatabaseReady %s; Ready %s", conditionOf(u, "DatabaseReady"), conditionOf(u, "Ready"))
	})

	k.holdJobPods(false)
	jobRelease := time.Now()
	stage("replica-set-ready", func(t *testing.T) {
		waitXRReady(t, rs, k)
		ts.add(t, rs.name+" (replicas=3): Job pod allowed to succeed -> Ready=True", time.Since(jobRelease))
		ts.add(t, rs.name+" (replicas=3): creation -> Ready=True (incl. the stage above)", time.Since(rs.created))
		checkReady(t, rs)
		checkQuiet(t, rs)
	})

	stage("member-not-ready", func(t *testing.T) {
		pod := rs.inst + "-1"
		k.setReady(pod, false)
		d := eventually(t, waitReady, fmt.Sprintf("MongoDB %s to turn not ready after pod %s did", rs.name, pod), func() error {
			return xrState(t.Context(), rs.name, func(u *unstructured.Unstructured) error {
				if err := wantCondition(u, "Ready", "False"); err != nil {
					return err
				}
				if err := wantCondition(u, "DatabaseReady", "False", pod); err != nil {
					return err
				}
				if ph := statusString(u, "phase"); ph == "Ready" {
					return fmt.Errorf("status.phase is still %q", ph)
				}
				if err := checkReadyResources(u, len(rs.composed()), false); err != nil {
					return err
				}
				return isKstatus(u, status.InProgressStatus)
			})
		})
		ts.add(t, fmt.Sprintf("%s: pod %s not ready -> XR Ready=False", rs.name, pod), d)
		u, _ := getXR(t.Context(), rs.name)
		t.Logf("while %s is not ready: phase %q, DatabaseReady %s", pod, statusString(u, "phase"), conditionOf(u, "DatabaseReady"))

		k.setReady(pod, true)
		start := time.Now()
		waitXRReady(t, rs, k)
		ts.add(t, fmt.Sprintf("%s: pod %s ready again -> XR Ready=True", rs.name, pod), time.Since(start))
	})

	stage("update", func(t *testing.T) { checkUpdate(t, rs, k, &ts) })
	stage("storage-shrink-refused", func(t *testing.T) { checkStorageShrink(t, rs) })
	stage("self-heal", func(t *testing.T) { checkSelfHeal(t, rs, &ts) })
	stage("delete", func(t *testing.T) { checkDelete(t, both, &ts) })
}

// checkProvisioning checks a new XR before any pod runs: everything composed, properly named
// and labelled, pods admitted, and the XR not ready, saying why.
// create creates the instances' XRs from their testdata, and checks each provisions.
func create(t *testing.T, ins []*instance, ts *timings) {
	t.Helper()
	for _, in := range ins {
		u := loadXR(t, in.file)
		in.name = u.GetName()
		in.created = time.Now()
		if _, err := c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Create(t.Context(), u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create MongoDB %s: %v", in.name, err)
		}
	}
	for _, in := range ins {
		t.Run(in.name, func(t *testing.T) { checkProvisioning(t, in, ts) })
	}
}

func checkProvisioning(t *testing.T, in *instance, ts *timings) {
	ctx := t.Context()

	var xr *unstructured.Unstructured
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to get status.instanceName", in.name), func() error {
		u, err := getXR(ctx, in.name)
		if err != nil {
			return err
		}
		xr = u
		if statusString(u, "instanceName") == "" {
			return fmt.Errorf("no status.instanceName yet%s", describe(u))
		}
		return nil
	})
	in.inst = statusString(xr, "instanceName")
	id := statusString(xr, "instanceId")
	if !hex8.MatchString(id) {
		t.Errorf("status.instanceId is %q, want 8 hex digits", id)
	}
	if m := regexp.MustCompile(`-([0-9a-f]{8})$`).FindStringSubmatch(in.name); m != nil {
		if in.inst != in.name || id != m[1] {
			t.Errorf("XR %s ends in an 8-hex suffix: want instanceName %q and instanceId %q, got %q and %q", in.name, in.name, m[1], in.inst, id)
		}
	} else if in.inst != in.name+"-"+id {
		t.Errorf("XR %s has no 8-hex suffix: want instanceName %q (name-instanceId), got %q", in.name, in.name+"-"+id, in.inst)
	}
	if t.Failed() {
		t.FailNow()
	}

	want := in.composed()
	eventually(t, waitCompose, "the composed resources of MongoDB "+in.name, func() error {
		return allExist(ctx, want)
	})
	ts.add(t, fmt.Sprintf("%s (replicas=%d): creation -> all %d composed objects exist", in.name, in.replicas, len(want)), time.Since(in.created))

	// Exactly the expected objects, each labelled, annotated and owned as the contract says.
	eventually(t, 10*time.Second, "exactly the composed resources of MongoDB "+in.name, func() error {
		got, err := listComposed(ctx, in.name)
		if err != nil {
			return err
		}
		w := slices.Clone(want)
		sortComposed(w)
		if !slices.Equal(got, w) {
			return fmt.Errorf("objects labelled crossplane.io/composite=%s:\n  got  %v\n  want %v", in.name, got, w)
		}
		return nil
	})
	xr, err := getXR(ctx, in.name)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range want {
		o, err := getComposed(ctx, r.Kind, r.Name)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		checkMeta(t, r.String(), o.GetLabels(), in)
		if got := o.GetAnnotations()["crossplane.io/composition-resource-name"]; got != r.Pipeline {
			t.Errorf("%s: annotation crossplane.io/composition-resource-name is %q, want %q", r, got, r.Pipeline)
		}
		if ref := metav1.GetControllerOf(o); ref == nil || ref.UID != xr.GetUID() || ref.Kind != "MongoDB" {
			t.Errorf("%s: controller ownerReference is %+v, want the MongoDB %s (uid %s)", r, ref, in.name, xr.GetUID())
		}
	}

	sts, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkMeta(t, "StatefulSet "+in.inst+" pod template", sts.Spec.Template.Labels, in)
	checkStatefulSet(t, sts.Name, in)
	for _, k := range []string{"owner", "system", "lifecycle", "component-type", "name", "title", "subcomponent-of"} {
		if v := sts.Annotations[backstagePrefix+k]; v == "" {
			t.Errorf("StatefulSet %s: annotation %s%s is missing", in.inst, backstagePrefix, k)
		}
	}
	if got := sts.Annotations[backstagePrefix+"name"]; got != in.inst+"-database" {
		t.Errorf("StatefulSet %s: annotation %sname is %q, want %q", in.inst, backstagePrefix, got, in.inst+"-database")
	}

	secret, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, in.inst+"-credentials", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"username", "password", "host", "port", "uri"} {
		if len(secret.Data[k]) == 0 {
			t.Errorf("Secret %s: key %q is missing or empty", secret.Name, k)
		}
	}

	var job *batchv1.Job
	if in.replicas > 1 {
		job, err = c.kube.BatchV1().Jobs(c.ns).Get(ctx, fmt.Sprintf("%s-rs-init-%d", in.inst, in.replicas), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkMeta(t, "Job "+job.Name+" pod template", job.Spec.Template.Labels, in)
	}

	// Pods exist only if admission (pod security "restricted") let the controllers create them.
	eventually(t, waitCompose, fmt.Sprintf("pod %s-0 of StatefulSet %s (created by the statefulset controller, admitted under pod security \"restricted\")", in.inst, in.inst), func() error {
		if _, err := c.kube.CoreV1().Pods(c.ns).Get(ctx, in.inst+"-0", metav1.GetOptions{}); err != nil {
			return fmt.Errorf("%w; StatefulSet events: %s", err, warningEvents(ctx, "StatefulSet", in.inst))
		}
		return nil
	})
	ts.add(t, fmt.Sprintf("%s (replicas=%d): creation -> first pod admitted", in.name, in.replicas), time.Since(in.created))
	if job != nil {
		eventually(t, waitCompose, fmt.Sprintf("a pod of Job %s (admitted under pod security \"restricted\")", job.Name), func() error {
			pods, err := podsOf(ctx, "batch.kubernetes.io/job-name="+job.Name)
			if err != nil {
				return err
			}
			if len(pods) == 0 {
				return fmt.Errorf("no pod; Job events: %s", warningEvents(ctx, "Job", job.Name))
			}
			return nil
		})
	}

	// Not ready, and saying why: the first member is not running.
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to report that it is provisioning", in.name), func() error {
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error {
			if err := wantCondition(u, "Synced", "True"); err != nil {
				return err
			}
			if err := wantCondition(u, "Ready", "False", "mongodb-statefulset"); err != nil {
				return err
			}
			if err := wantCondition(u, "DatabaseReady", "False", in.inst+"-0"); err != nil {
				return err
			}
			if err := wantCondition(u, "SpecAccepted", "True"); err != nil {
				return err
			}
			if ph := statusString(u, "phase"); ph != "Provisioning" {
				return fmt.Errorf("status.phase is %q, want Provisioning", ph)
			}
			if err := checkReadyResources(u, len(want), false); err != nil {
				return err
			}
			if got := statusString(u, "connectionSecret"); got != in.inst+"-credentials" {
				return fmt.Errorf("status.connectionSecret is %q, want %q", got, in.inst+"-credentials")
			}
			if err := observedCurrent(u); err != nil {
				return err
			}
			return isKstatus(u, status.InProgressStatus)
		})
	})
	u, _ := getXR(ctx, in.name)
	t.Logf("provisioning: DatabaseReady %s; Ready %s", conditionOf(u, "DatabaseReady"), conditionOf(u, "Ready"))
}

// checkMeta checks the labels every composed object and pod template carries.
func checkMeta(t *testing.T, what string, labels map[string]string, in *instance) {
	t.Helper()
	// kubernetes-id names the entity an object belongs to: the workload's for the workload
	// and what its selector selects, the XR's for the rest.
	entity := in.name
	if labels["app.kubernetes.io/component"] == "database" {
		entity = in.inst + "-database"
	}
	want := map[string]string{
		"app.kubernetes.io/name":       "mongodb",
		"app.kubernetes.io/instance":   in.inst,
		"app.kubernetes.io/managed-by": functionName,
		"app.kubernetes.io/part-of":    in.name,
		"backstage.io/kubernetes-id":   entity,
	}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("%s: label %s is %q, want %q", what, k, labels[k], v)
		}
	}
}

// checkStatefulSet checks the StatefulSet's replicas, image and volume size against the spec.
func checkStatefulSet(t *testing.T, name string, in *instance) {
	t.Helper()
	s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec.Replicas == nil || int(*s.Spec.Replicas) != in.replicas {
		t.Errorf("StatefulSet %s: spec.replicas is %v, want %d", s.Name, s.Spec.Replicas, in.replicas)
	}
	var image string
	for _, ct := range s.Spec.Template.Spec.Containers {
		if ct.Name == "mongod" {
			image = ct.Image
		}
	}
	if want := "docker.io/library/mongo:" + in.version; image != want {
		t.Errorf("StatefulSet %s: container mongod has image %q, want %q", s.Name, image, want)
	}
	if got := claimSize(s.Spec.VolumeClaimTemplates); got != fmt.Sprintf("%dGi", in.storageGB) {
		t.Errorf("StatefulSet %s: volumeClaimTemplate data requests %q, want %dGi", s.Name, got, in.storageGB)
	}
}

func claimSize(pvcs []corev1.PersistentVolumeClaim) string {
	for _, p := range pvcs {
		if p.Name == "data" {
			q := p.Spec.Resources.Requests[corev1.ResourceStorage]
			return q.String()
		}
	}
	return "<no volumeClaimTemplate named data>"
}

// checkReadyResources checks status.readyResources ("n/m") against status.resources[].
func checkReadyResources(u *unstructured.Unstructured, total int, allReady bool) error {
	rr := statusString(u, "readyResources")
	var n, m int
	if _, err := fmt.Sscanf(rr, "%d/%d", &n, &m); err != nil {
		return fmt.Errorf("status.readyResources is %q, want n/m", rr)
	}
	if m != total {
		return fmt.Errorf("status.readyResources is %q, want ?/%d", rr, total)
	}
	if allReady != (n == m) {
		return fmt.Errorf("status.readyResources is %q, want all ready: %t", rr, allReady)
	}
	rs, _, _ := unstructured.NestedSlice(u.Object, "status", "resources")
	if len(rs) != total {
		return fmt.Errorf("status.resources has %d entries, want %d", len(rs), total)
	}
	ready := 0
	for _, x := range rs {
		e, _ := x.(map[string]any)
		if e["name"] == nil || e["kind"] == nil {
			return fmt.Errorf("status.resources entry %v lacks name or kind", e)
		}
		if r, ok := e["ready"].(bool); !ok {
			return fmt.Errorf("status.resources entry %v lacks a boolean ready", e)
		} else if r {
			ready++
		}
	}
	if ready != n {
		return fmt.Errorf("status.readyResources is %q but %d of status.resources are ready", rr, ready)
	}
	return nil
}

// waitXRReady waits for the XR to be ready in every sense.
func waitXRReady(t *testing.T, in *instance, k *kubelet) {
	t.Helper()
	eventually(t, waitReady, fmt.Sprintf("MongoDB %s to become ready", in.name), func() error {
		return xrState(t.Context(), in.name, func(u *unstructured.Unstructured) error {
			if err := k.failed(); err != nil {
				return err
			}
			for _, typ := range []string{"Synced", "Ready", "DatabaseReady", "SpecAccepted"} {
				if err := wantCondition(u, typ, "True"); err != nil {
					return err
				}
			}
			if ph := statusString(u, "phase"); ph != "Ready" {
				return fmt.Errorf("status.phase is %q, want Ready", ph)
			}
			if err := checkReadyResources(u, len(in.composed()), true); err != nil {
				return err
			}
			if err := observedCurrent(u); err != nil {
				return err
			}
			return isKstatus(u, status.CurrentStatus)
		})
	})
}

// checkReady checks a ready XR against the real controllers' view and its credentials.
func checkReady(t *testing.T, in *instance) {
	ctx := t.Context()
	u, err := getXR(ctx, in.name)
	if err != nil {
		t.Fatal(err)
	}
	sts, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if int(sts.Status.ReadyReplicas) != in.replicas || int(sts.Status.AvailableReplicas) != in.replicas || sts.Status.ObservedGeneration != sts.Generation {
		t.Errorf("XR is ready but StatefulSet %s status is ready %d, available %d of %d (observedGeneration %d, generation %d)",
			sts.Name, sts.Status.ReadyReplicas, sts.Status.AvailableReplicas, in.replicas, sts.Status.ObservedGeneration, sts.Generation)
	}
	if in.replicas > 1 {
		job, err := c.kube.BatchV1().Jobs(c.ns).Get(ctx, fmt.Sprintf("%s-rs-init-%d", in.inst, in.replicas), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		complete := false
		for _, cd := range job.Status.Conditions {
			if cd.Type == batchv1.JobComplete && cd.Status == corev1.ConditionTrue {
				complete = true
			}
		}
		if !complete {
			t.Errorf("XR is ready but Job %s is not Complete: %+v", job.Name, job.Status)
		}
		eventually(t, 30*time.Second, fmt.Sprintf("PodDisruptionBudget %s status from the disruption controller", in.inst), func() error {
			pdb, err := c.kube.PolicyV1().PodDisruptionBudgets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if int(pdb.Status.CurrentHealthy) != in.replicas || int(pdb.Status.ExpectedPods) != in.replicas {
				return fmt.Errorf("currentHealthy %d, expectedPods %d, want %d", pdb.Status.CurrentHealthy, pdb.Status.ExpectedPods, in.replicas)
			}
			return nil
		})
	}

	ep := statusString(u, "endpoint")
	secret, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, in.inst+"-credentials", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	host, port := string(secret.Data["host"]), string(secret.Data["port"])
	if ep == "" || ep != host+":"+port {
		t.Errorf("status.endpoint is %q, want host:port of Secret %s (%s:%s)", ep, secret.Name, host, port)
	}
	if _, err := strconv.Atoi(port); err != nil {
		t.Errorf("Secret %s: port %q is not a number", secret.Name, port)
	}
	t.Logf("ready: endpoint %s, DatabaseReady %s", ep, conditionOf(u, "DatabaseReady"))
}

// checkQuiet checks that a ready XR comes to rest: Crossplane and the function do not keep
// rewriting it (a function whose output changes on every call would make Crossplane
// reconcile in a loop).
func checkQuiet(t *testing.T, in *instance) {
	t.Helper()
	const window = 3 * time.Second
	var rv string
	var since time.Time
	changes := -1
	eventually(t, 30*time.Second, fmt.Sprintf("MongoDB %s to stay unchanged for %s", in.name, window), func() error {
		u, err := getXR(t.Context(), in.name)
		if err != nil {
			return err
		}
		if u.GetResourceVersion() != rv {
			rv, since = u.GetResourceVersion(), time.Now()
			changes++
		}
		if time.Since(since) < window {
			return fmt.Errorf("changed %d times; last at resourceVersion %s%s", changes, rv, describe(u))
		}
		return nil
	})
}

// checkUpdate changes version and size of the replica set: same objects, new image and
// replicas, the credentials untouched.
func checkUpdate(t *testing.T, in *instance, k *kubelet, ts *timings) {
	ctx := t.Context()
	before, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, in.inst+"-credentials", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	keyfile, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, in.inst+"-keyfile", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	oldJob := fmt.Sprintf("%s-rs-init-%d", in.inst, in.replicas)

	start := time.Now()
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"version": "8.0", "replicas": 5}})
	in.version, in.replicas = "8.0", 5

	d := eventually(t, waitCompose, fmt.Sprintf("StatefulSet %s to get image mongo:8.0 and 5 replicas", in.inst), func() error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s.Spec.Replicas == nil || *s.Spec.Replicas != 5 {
			return fmt.Errorf("spec.replicas is %v", s.Spec.Replicas)
		}
		for _, ct := range s.Spec.Template.Spec.Containers {
			if ct.Name == "mongod" && ct.Image != "docker.io/library/mongo:8.0" {
				return fmt.Errorf("container mongod has image %s", ct.Image)
			}
		}
		return nil
	})
	ts.add(t, in.name+": update 7.0->8.0, 3->5 replicas -> StatefulSet updated", d)

	after, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.UID != before.UID {
		t.Errorf("StatefulSet %s was replaced (uid %s -> %s); an update must not recreate it", in.inst, before.UID, after.UID)
	}
	checkStatefulSet(t, after.Name, in)
	for _, old := range []*corev1.Secret{creds, keyfile} {
		now, err := c.kube.CoreV1().Secrets(c.ns).Get(ctx, old.Name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("Secret %s after the update: %v", old.Name, err)
		}
		if now.UID != old.UID {
			t.Errorf("Secret %s was replaced by the update", old.Name)
		}
		for key, v := range old.Data {
			if key == "password" || key == "username" || key == "keyfile" {
				if string(now.Data[key]) != string(v) {
					t.Errorf("Secret %s: %s changed with the update", old.Name, key)
				}
			}
		}
	}
	if string(creds.Data["password"]) == "" {
		t.Errorf("Secret %s has no password to compare", creds.Name)
	}
	u, err := getXR(ctx, in.name)
	if err != nil {
		t.Fatal(err)
	}
	if got := statusString(u, "instanceName"); got != in.inst {
		t.Errorf("status.instanceName changed with the update: %q -> %q", in.inst, got)
	}

	// The replica set Job for 5 members replaces the one for 3.
	newJob := fmt.Sprintf("%s-rs-init-%d", in.inst, in.replicas)
	eventually(t, waitCompose, fmt.Sprintf("Job %s to exist and Job %s to be gone", newJob, oldJob), func() error {
		if _, err := c.kube.BatchV1().Jobs(c.ns).Get(ctx, newJob, metav1.GetOptions{}); err != nil {
			return err
		}
		if _, err := c.kube.BatchV1().Jobs(c.ns).Get(ctx, oldJob, metav1.GetOptions{}); !kerrors.IsNotFound(err) {
			return fmt.Errorf("Job %s still exists (get: %w)", oldJob, err)
		}
		return nil
	})

	waitXRReady(t, in, k)
	ts.add(t, in.name+": update -> Ready=True again (rolled out by the statefulset controller)", time.Since(start))
	eventually(t, waitReady, fmt.Sprintf("StatefulSet %s to finish its rolling update", in.inst), func() error {
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if s.Status.UpdatedReplicas != 5 || s.Status.ReadyReplicas != 5 || s.Status.CurrentRevision != s.Status.UpdateRevision {
			return fmt.Errorf("updated %d, ready %d, currentRevision %s, updateRevision %s", s.Status.UpdatedReplicas, s.Status.ReadyReplicas, s.Status.CurrentRevision, s.Status.UpdateRevision)
		}
		pods, err := statefulSetPods(ctx, s)
		if err != nil {
			return err
		}
		for _, p := range pods {
			if p.Spec.Containers[0].Image != "docker.io/library/mongo:8.0" {
				return fmt.Errorf("pod %s runs %s", p.Name, p.Spec.Containers[0].Image)
			}
		}
		return nil
	})
	checkReady(t, in)
}

// checkStorageShrink asks for smaller volumes: refused, nothing else changes.
func checkStorageShrink(t *testing.T, in *instance) {
	ctx := t.Context()
	uids := map[string]types.UID{}
	for _, r := range in.composed() {
		o, err := getComposed(ctx, r.Kind, r.Name)
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		uids[r.String()] = o.GetUID()
	}
	smaller := in.storageGB / 2
	u := patchXR(t, in.name, map[string]any{"spec": map[string]any{"storageGB": smaller}})
	gen := u.GetGeneration()

	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to refuse storageGB %d -> %d", in.name, in.storageGB, smaller), func() error {
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error {
			if err := observedCurrent(u); err != nil {
				return err
			}
			if sa := conditionOf(u, "SpecAccepted"); sa.ObservedGeneration != 0 && sa.ObservedGeneration != gen {
				return fmt.Errorf("condition SpecAccepted is for generation %d, want %d", sa.ObservedGeneration, gen)
			}
			return wantCondition(u, "SpecAccepted", "False", "spec.storageGB")
		})
	})
	u, _ = getXR(ctx, in.name)
	t.Logf("refused: SpecAccepted %s", conditionOf(u, "SpecAccepted"))

	// Nothing else breaks: same objects, old volume size, still ready and synced.
	consistently(t, 5*time.Second, fmt.Sprintf("MongoDB %s staying intact after the refused shrink", in.name), func() error {
		for _, r := range in.composed() {
			o, err := getComposed(ctx, r.Kind, r.Name)
			if err != nil {
				return fmt.Errorf("%s: %w", r, err)
			}
			if o.GetUID() != uids[r.String()] {
				return fmt.Errorf("%s was replaced", r)
			}
		}
		s, err := c.kube.AppsV1().StatefulSets(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got, want := claimSize(s.Spec.VolumeClaimTemplates), resource.MustParse(fmt.Sprintf("%dGi", in.storageGB)); got != want.String() {
			return fmt.Errorf("StatefulSet %s volumeClaimTemplate data requests %s, want the old %s", in.inst, got, want.String())
		}
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error {
			for _, typ := range []string{"Synced", "Ready", "DatabaseReady"} {
				if err := wantCondition(u, typ, "True"); err != nil {
					return err
				}
			}
			return wantCondition(u, "SpecAccepted", "False", "spec.storageGB")
		})
	})

	// Asking for the old size again is accepted.
	patchXR(t, in.name, map[string]any{"spec": map[string]any{"storageGB": in.storageGB}})
	eventually(t, waitCompose, fmt.Sprintf("MongoDB %s to accept storageGB %d again", in.name, in.storageGB), func() error {
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error {
			if err := observedCurrent(u); err != nil {
				return err
			}
			return wantCondition(u, "SpecAccepted", "True")
		})
	})
}

// checkSelfHeal deletes a composed object behind Crossplane's back.
func checkSelfHeal(t *testing.T, in *instance, ts *timings) {
	ctx := t.Context()
	svc, err := c.kube.CoreV1().Services(c.ns).Get(ctx, in.inst, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.kube.CoreV1().Services(c.ns).Delete(ctx, svc.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	d := eventually(t, waitCompose, fmt.Sprintf("Service %s (mongodb-service) to be re-created after its deletion", svc.Name), func() error {
		now, err := c.kube.CoreV1().Services(c.ns).Get(ctx, svc.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if now.UID == svc.UID {
			return fmt.Errorf("still the old Service (uid %s)", svc.UID)
		}
		return nil
	})
	ts.add(t, in.name+": client Service deleted -> re-created", d)
	eventually(t, waitReady, fmt.Sprintf("MongoDB %s to be Ready after the Service came back", in.name), func() error {
		return xrState(ctx, in.name, func(u *unstructured.Unstructured) error { return wantCondition(u, "Ready", "True") })
	})
}

// checkDelete deletes the XRs: everything they composed goes, through the garbage collector.
func checkDelete(t *testing.T, all []*instance, ts *timings) {
	ctx := t.Context()
	start := time.Now()
	for _, in := range all {
		if err := c.dyn.Resource(gvrMongoDB).Namespace(c.ns).Delete(ctx, in.name, metav1.DeleteOptions{}); err != nil {
			t.Fatalf("delete MongoDB %s: %v", in.name, err)
		}
	}
	for _, in := range all {
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
		eventually(t, waitDelete, fmt.Sprintf("the composed resources of MongoDB %s to be garbage-collected", in.name), func() error {
			if err := noneExist(ctx, in.composed()); err != nil {
				return err
			}
			left, err := listComposed(ctx, in.name)
			if err != nil {
				return err
			}
			if len(left) > 0 {
				return fmt.Errorf("still labelled crossplane.io/composite=%s: %v", in.name, left)
			}
			return nil
		})
		ts.add(t, in.name+": XR deleted -> composed objects garbage-collected", time.Since(start))
		eventually(t, waitDelete, fmt.Sprintf("the pods of MongoDB %s to be garbage-collected", in.name), func() error {
			pods, err := podsOf(ctx, "app.kubernetes.io/instance="+in.inst)
			if err != nil {
				return err
			}
			if len(pods) > 0 {
				names := make([]string, 0, len(pods))
				for _, p := range pods {
					names = append(names, p.Name)
				}
				return fmt.Errorf("pods left: %v", names)
			}
			return nil
		})
		// Volumes are not composed: the StatefulSet's claims follow its retention policy.
		pvcs, err := c.kube.CoreV1().PersistentVolumeClaims(c.ns).List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/instance=" + in.inst})
		if err == nil {
			names := make([]string, 0, len(pvcs.Items))
			for _, p := range pvcs.Items {
				names = append(names, p.Name)
			}
			t.Logf("PersistentVolumeClaims of %s left after deletion (StatefulSet retention policy): %v", in.inst, names)
		}
	}
}
