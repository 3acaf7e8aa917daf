package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
)

// fake is a golden path that knows nothing of any real one: a cluster-scoped XR composing a
// Deployment (its workload) and a ConfigMap, which asks for a required resource before it
// composes. The core's tests use it to check what every golden path gets from the core.
type fake struct{}

func (fake) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	if _, ok := r.Required["fake-config"]; !ok {
		return nil, goldenpath.ErrRequirementsPending
	}
	labels := map[string]string{goldenpath.LabelName: "fake", goldenpath.LabelInstance: r.Instance.Name, goldenpath.LabelComponent: "app"}
	objects := []struct {
		name     resource.Name
		obj      runtime.Object
		workload bool
	}{
		{"fake-config", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: r.Instance.Name + "-config", Namespace: "fake"}}, false},
		{"fake-app", &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: r.Instance.Name, Namespace: "fake", Labels: labels},
			Spec: appsv1.DeploymentSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}}}},
			},
		}, true},
	}
	c := &goldenpath.Composition{Version: "1", Description: "a fake", About: "a fake golden path"}
	components := make([]goldenpath.Component[goldenpath.Request], 0, len(objects))
	for _, o := range objects {
		components = append(components, goldenpath.Component[goldenpath.Request]{
			Name: o.name, Workload: o.workload,
			Build: func(goldenpath.Request) (runtime.Object, error) { return o.obj, nil },
		})
	}
	var err error
	c.Resources, err = goldenpath.Compose(r, components)
	return c, err
}

func (fake) Requirements(goldenpath.Request) map[string]*fnv1.ResourceSelector {
	return map[string]*fnv1.ResourceSelector{"fake-config": {ApiVersion: "v1", Kind: "ConfigMap", Match: &fnv1.ResourceSelector_MatchName{MatchName: "settings"}}}
}

func (fake) Summarize(_ goldenpath.Request, _ *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	for _, rd := range rs {
		if rd.State != goldenpath.Ready {
			return goldenpath.Summary{Condition: "FakeReady", State: goldenpath.Waiting, Reason: "Waiting", Message: "waiting for " + string(rd.Resource.Name)}
		}
	}
	return goldenpath.Summary{Condition: "FakeReady", State: goldenpath.Ready, Reason: "Available", Message: "ready"}
}

// TestCore checks, with a golden path the core knows nothing of, what the core does for every
// one: it waits for required resources before composing, names the instance, labels and
// annotates for Backstage (a cluster-scoped XR gets no owner made up from a namespace it does
// not have), decides readiness and writes the condition.
func TestCore(t *testing.T) {
	f := &Function{log: logging.NewNopLogger(), goldenPaths: map[string]goldenpath.Registration{"Fake": {
		Name: "Fake", XR: schema.GroupVersionKind{Group: "fake.platform.io", Version: "v1alpha1", Kind: "Tenant"},
		Scope: goldenpath.Cluster, Condition: "FakeReady", Blueprint: fake{},
	}}}
	xrYAML := func(annotations string) string {
		return fmt.Sprintf(`{apiVersion: fake.platform.io/v1alpha1, kind: Tenant, metadata: {name: team-a, uid: 0b6a1f2e-8f55-4c3e-9d7a-2f1e5c6b7a80, annotations: {%s}}, spec: {}}`, annotations)
	}
	type want struct {
		Owner, System, Selector, KubernetesID string
		Ready                                 fnv1.Ready
		Condition                             string
	}
	cases := map[string]struct {
		reason   string
		input    string
		xr       string
		observed map[string]*fnv1.Resource
		want     want
	}{
		"ClusterScopedNoOwner": {
			reason: "A cluster-scoped XR without an owner anywhere gets none, rather than group:default/ with no name.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: Fake}",
			xr:     xrYAML(""),
			want: want{
				Selector: "app.kubernetes.io/component=app,app.kubernetes.io/instance=team-a-89a01892,app.kubernetes.io/name=fake", KubernetesID: "team-a-89a01892-app",
				Ready: fnv1.Ready_READY_FALSE, Condition: "STATUS_CONDITION_FALSE Waiting: waiting for fake-config",
			},
		},
		"ClusterScopedOwnerFromTheInput": {
			reason: "The Input's owner and system apply to a cluster-scoped XR.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: Fake, backstage: {owner: group:default/platform, system: platform}}",
			xr:     xrYAML(""),
			want: want{
				Owner: "group:default/platform", System: "platform",
				Selector: "app.kubernetes.io/component=app,app.kubernetes.io/instance=team-a-89a01892,app.kubernetes.io/name=fake", KubernetesID: "team-a-89a01892-app",
				Ready: fnv1.Ready_READY_FALSE, Condition: "STATUS_CONDITION_FALSE Waiting: waiting for fake-config",
			},
		},
		"OwnerFromTheXRAndReady": {
			reason: "The XR's own owner wins; observed resources that kstatus calls Current are ready.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: Fake, backstage: {owner: group:default/platform}}",
			xr:     xrYAML("terasky.backstage.io/owner: group:default/team-a"),
			observed: objects(t,
				`{apiVersion: v1, kind: ConfigMap, metadata: {name: team-a-89a01892-config, annotations: {crossplane.io/composition-resource-name: fake-config}}}`,
				`{apiVersion: apps/v1, kind: Deployment, metadata: {name: team-a-89a01892, generation: 1, annotations: {crossplane.io/composition-resource-name: fake-app}},
				  spec: {replicas: 1}, status: {observedGeneration: 1, replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1,
				  conditions: [{type: Available, status: "True"}, {type: Progressing, status: "True", reason: NewReplicaSetAvailable}]}}`),
			want: want{
				Owner:    "group:default/team-a",
				Selector: "app.kubernetes.io/component=app,app.kubernetes.io/instance=team-a-89a01892,app.kubernetes.io/name=fake", KubernetesID: "team-a-89a01892-app",
				Ready: fnv1.Ready_READY_TRUE, Condition: "STATUS_CONDITION_TRUE Available: ready",
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := newRequest(t, tc.input, tc.xr, tc.observed, nil)
			first, err := f.RunFunction(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(first.GetDesired().GetResources()) != 0 || first.GetRequirements().GetResources()["fake-config"] == nil {
				t.Fatalf("%s\nfirst call: want only the requirement, got %v", tc.reason, first)
			}
			req.RequiredResources = map[string]*fnv1.Resources{"fake-config": {}}
			rsp, err := f.RunFunction(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			app := goldenpathtest.Received(t, rsp).GetDesired().GetResources()["fake-app"]
			meta := app.GetResource().GetFields()["metadata"].GetStructValue().AsMap()
			annotations, _ := meta["annotations"].(map[string]any)
			labels, _ := meta["labels"].(map[string]any)
			str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s } //nolint:nlreturn // One line.
			got := want{
				Owner: str(annotations, "terasky.backstage.io/owner"), System: str(annotations, "terasky.backstage.io/system"),
				Selector: str(annotations, "terasky.backstage.io/kubernetes-label-selector"), KubernetesID: str(labels, "backstage.io/kubernetes-id"),
				Ready: app.GetReady(),
			}
			for _, c := range rsp.GetConditions() {
				if c.GetType() == "FakeReady" {
					got.Condition = fmt.Sprintf("%s %s: %s", c.GetStatus(), c.GetReason(), c.GetMessage())
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
