package e2e

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

//nolint:gochecknoglobals // API coordinates.
var (
	gvrTenant = schema.GroupVersionResource{Group: "platform.platform.io", Version: "v1alpha1", Resource: "tenantnamespaces"}
	gvrWebApp = schema.GroupVersionResource{Group: "apps.platform.io", Version: "v1alpha1", Resource: "webapps"}
)

// xr is one XR of the scenario, with the messages its golden path's condition showed on the
// way to Ready.
type xr struct {
	client    dynamic.ResourceInterface
	name      string
	condition string
	// events is the namespace of the XR's events: its own, default for a cluster-scoped XR.
	events string

	mu   sync.Mutex
	seen []string // "Reason: message", each once, in order
}

func (x *xr) get(t *testing.T) (*unstructured.Unstructured, error) {
	t.Helper()
	u, err := x.client.Get(t.Context(), x.name, metav1.GetOptions{})
	if err == nil {
		if cd := conditionOf(u, x.condition); cd.Found {
			line := cd.Reason + ": " + cd.Message
			x.mu.Lock()
			if !slices.Contains(x.seen, line) {
				x.seen = append(x.seen, line)
				t.Logf("%s %s: %s %s", u.GetKind(), x.name, x.condition, line)
			}
			x.mu.Unlock()
		}
	}
	return u, err
}

// until waits for the XR's condition to have the status and reason, its message holding each
// substring.
func (x *xr) until(t *testing.T, timeout time.Duration, status, reason string, contains ...string) *unstructured.Unstructured {
	t.Helper()
	var last *unstructured.Unstructured
	eventually(t, timeout, fmt.Sprintf("%s %s %s=%s (%s) mentioning %q", x.client, x.name, x.condition, status, reason, contains), func() error {
		u, err := x.get(t)
		if err != nil {
			return err
		}
		last = u
		if cd := conditionOf(u, x.condition); cd.Reason != reason {
			return fmt.Errorf("%s is %s%s", x.condition, cd, describe(u))
		}
		if err := wantCondition(u, x.condition, status, contains...); err != nil {
			return fmt.Errorf("%w%s", err, describe(u))
		}
		return nil
	})
	return last
}

// waitedFor checks that on its way to Ready the XR said what it waited for, in a message
// holding each substring: in its condition as the test saw it, or in the events the function's
// results became (a state that lasted less than a poll is only there). Crossplane writes events
// after the fact, through a rate-limited client: they are awaited for a while.
func (x *xr) waitedFor(t *testing.T, contains ...string) {
	t.Helper()
	var said []string
	_, err := waitFor(eventsWritten, "events of "+x.name, func() error {
		x.mu.Lock()
		said = slices.Clone(x.seen)
		x.mu.Unlock()
		events, err := c.kube.CoreV1().Events(x.events).List(t.Context(), metav1.ListOptions{FieldSelector: "involvedObject.name=" + x.name})
		if err != nil {
			return err
		}
		for _, e := range events.Items {
			said = append(said, e.Reason+": "+e.Message)
		}
		for _, line := range said {
			if !strings.HasPrefix(line, "Available:") && containsAll(line, contains) {
				return nil
			}
		}
		return fmt.Errorf("no message holding %q yet", contains)
	})
	if err != nil {
		t.Errorf("%s never said it waited for %q; its %s and events said:\n  %s", x.name, contains, x.condition, strings.Join(said, "\n  "))
	}
}

// eventsWritten is how long Crossplane may take to write the events of what it did.
const eventsWritten = 30 * time.Second

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func createObject(t *testing.T, client dynamic.ResourceInterface, manifest string) {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Create(t.Context(), u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create %s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

func mergePatch(t *testing.T, client dynamic.ResourceInterface, name, merge string) {
	t.Helper()
	if _, err := client.Patch(t.Context(), name, types.MergePatchType, []byte(merge), metav1.PatchOptions{}); err != nil {
		t.Fatalf("patch %s with %s: %v", name, merge, err)
	}
}

// TestPlatformScenario runs the platform's own story end to end: a team gets a namespace, a
// MongoDB in it, and a web app reading the MongoDB's connection Secret, each Ready and each
// saying what it waited for on the way; the web app rolls out a new image (and says which pod
// waits for an image that cannot be pulled); the namespace refuses deletion while it holds
// workloads, and goes once they and their volumes are gone.
func TestPlatformScenario(t *testing.T) {
	k := startKubelet(t, false)
	p := startPlatform(t)
	p.holdRoutes(true)
	const ns = "team-c"

	// A namespace for the team.
	tenant := &xr{client: c.dyn.Resource(gvrTenant), name: ns, condition: "NamespaceReady", events: metav1.NamespaceDefault}
	createObject(t, tenant.client, `{apiVersion: platform.platform.io/v1alpha1, kind: TenantNamespace, metadata: {name: team-c}, spec: {team: "group:default/team-c", quota: small}}`)
	tenant.until(t, time.Minute, "True", "Available", "namespace team-c of team-c")
	tenant.waitedFor(t, "creating", "Namespace team-c")
	nsObj, err := c.kube.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"pod-security.kubernetes.io/enforce": "restricted", "tenant.platform.io/deletion-protection": "true"} {
		if nsObj.Labels[k] != v {
			t.Errorf("namespace %s: label %s is %q, want %q", ns, k, nsObj.Labels[k], v)
		}
	}

	// A MongoDB in it.
	db := &xr{client: c.dyn.Resource(gvrMongoDB).Namespace(ns), name: "orders-1f2e3d4c", condition: "DatabaseReady", events: ns}
	createObject(t, db.client, `{apiVersion: database.platform.io/v1alpha1, kind: MongoDB, metadata: {name: orders-1f2e3d4c, namespace: team-c}, spec: {replicas: 1, storageGB: 1}}`)
	u := db.until(t, 2*time.Minute, "True", "Available")
	db.waitedFor(t, "waiting for orders-1f2e3d4c-0")
	secret := statusString(u, "connectionSecret")
	if secret == "" {
		t.Fatalf("MongoDB %s has no status.connectionSecret%s", db.name, describe(u))
	}

	// A web app that reads it: it runs first, then waits for its route.
	app := &xr{client: c.dyn.Resource(gvrWebApp).Namespace(ns), name: "shop-6a7b8c9d", condition: "AppReady", events: ns}
	createObject(t, app.client, fmt.Sprintf(`{apiVersion: apps.platform.io/v1alpha1, kind: WebApp, metadata: {name: shop-6a7b8c9d, namespace: team-c},
		spec: {image: "traefik/whoami:v1.10", replicas: 2, host: shop.team-c.example.com, healthPath: /health,
		env: [{name: WHOAMI_PORT_NUMBER, value: "8080"}, {name: MONGODB_URI, secretKeyRef: {name: %s, key: uri}}]}}`, secret))
	app.until(t, 2*time.Minute, "False", "WaitingForRoute", "Ingress shop-6a7b8c9d", "waiting for the ingress controller to give it an address")
	app.waitedFor(t, "rollout of web app traefik/whoami:v1.10")
	p.holdRoutes(false)
	u = app.until(t, time.Minute, "True", "Available", "serving at https://shop.team-c.example.com/")
	if got := statusString(u, "url"); got != "https://shop.team-c.example.com/" {
		t.Errorf("WebApp status.url: want https://shop.team-c.example.com/, got %q", got)
	}
	d, err := c.kube.AppsV1().Deployments(ns).Get(t.Context(), statusString(u, "instanceName"), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !readsSecret(d, secret) {
		t.Errorf("Deployment %s does not read the MongoDB's Secret %s: %+v", d.Name, secret, d.Spec.Template.Spec.Containers[0].Env)
	}

	// Day 2: an image that cannot be pulled is named with its pod's reason; a good one rolls out.
	k.setPullable("traefik/whoami:v0.0.0-missing", false)
	mergePatch(t, app.client, app.name, `{"spec": {"image": "traefik/whoami:v0.0.0-missing"}}`)
	app.until(t, time.Minute, "False", "RollingOut", "traefik/whoami:v0.0.0-missing", "(ImagePullBackOff)")
	mergePatch(t, app.client, app.name, `{"spec": {"image": "traefik/whoami:v1.11"}}`)
	u = app.until(t, 2*time.Minute, "True", "Available", "traefik/whoami:v1.11")
	if got := statusString(u, "image"); got != "traefik/whoami:v1.11" {
		t.Errorf("WebApp status.image: want traefik/whoami:v1.11, got %q", got)
	}

	// The namespace cannot be deleted while protected, nor its protection turned off while it
	// holds workloads.
	err = c.kube.CoreV1().Namespaces().Delete(t.Context(), ns, metav1.DeleteOptions{})
	if err == nil || !strings.Contains(err.Error(), "protected from deletion") {
		t.Errorf("deleting the protected namespace %s: want a refusal saying it is protected from deletion, got %v", ns, err)
	}
	mergePatch(t, tenant.client, ns, `{"spec": {"deletionProtection": false}}`)
	refused := func(holds string) {
		t.Helper()
		eventually(t, time.Minute, "the namespace's protection kept: "+holds, func() error {
			u, err := tenant.get(t)
			if err != nil {
				return err
			}
			if err := observedCurrent(u); err != nil {
				return err
			}
			if err := wantCondition(u, "SpecAccepted", "False", "deletion protection of namespace team-c is kept on", holds); err != nil {
				return fmt.Errorf("%w%s", err, describe(u))
			}
			if v, _, _ := unstructured.NestedBool(u.Object, "status", "deletionProtection"); !v {
				return fmt.Errorf("status.deletionProtection is false%s", describe(u))
			}
			return nil
		})
	}
	refused("it holds 3 pods and 1 volumes")

	// Once its workloads are gone the volume still holds the data, and keeps the protection.
	for _, x := range []*xr{app, db} {
		if err := x.client.Delete(t.Context(), x.name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	refused("it holds 0 pods and 1 volumes")
	if err := c.kube.CoreV1().PersistentVolumeClaims(ns).DeleteCollection(t.Context(), metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Minute, "the namespace's protection turned off", func() error {
		u, err := tenant.get(t)
		if err != nil {
			return err
		}
		if v, _, _ := unstructured.NestedBool(u.Object, "status", "deletionProtection"); v {
			return fmt.Errorf("status.deletionProtection is true%s", describe(u))
		}
		return nil
	})
	if err := tenant.client.Delete(t.Context(), ns, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Minute, "namespace team-c and its TenantNamespace gone", func() error {
		if _, err := c.kube.CoreV1().Namespaces().Get(t.Context(), ns, metav1.GetOptions{}); !kerrors.IsNotFound(err) {
			return fmt.Errorf("namespace still there (%w)", err)
		}
		if _, err := tenant.client.Get(t.Context(), ns, metav1.GetOptions{}); !kerrors.IsNotFound(err) {
			return fmt.Errorf("TenantNamespace still there (%w)", err)
		}
		return nil
	})
}

// readsSecret tells whether a Deployment's app container takes a variable from the Secret.
func readsSecret(d *appsv1.Deployment, secret string) bool {
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil && e.ValueFrom.SecretKeyRef.Name == secret && e.ValueFrom.SecretKeyRef.Key == "uri" {
			return true
		}
	}
	return false
}
