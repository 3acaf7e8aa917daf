package webapp

import (
	"fmt"
	"math"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/webapp/v1alpha1"
)

// ConditionAppReady is the XR condition that says whether the app serves.
const ConditionAppReady = "AppReady"

// Reasons of the AppReady condition, besides the shared ones.
const (
	ReasonRollingOut      = "RollingOut"
	ReasonWaitingForRoute = "WaitingForRoute"
)

// requiredPods is the key under which the function asks for the app's pods, to name the ones
// a rollout waits for.
const requiredPods = "webapp-pods"

// maxPodsNamed bounds the pods a message names.
const maxPodsNamed = 3

// Requirements asks for the app's pods while its Deployment has not rolled out, to say which
// pod it waits for and why. A rolled-out app asks for nothing, so Crossplane calls the function
// once per reconcile.
func (Blueprint) Requirements(r goldenpath.Request) map[string]*fnv1.ResourceSelector {
	d, ok := r.Observed[DeploymentName]
	if !ok || rolledOut(d.Resource) {
		return nil
	}
	b := build{Request: r}
	return map[string]*fnv1.ResourceSelector{requiredPods: goldenpath.PodsOf(r.XR.Resource.GetNamespace(), b.labels())}
}

// rolledOut tells whether a Deployment runs its current template on every replica it wants,
// all of them available.
func rolledOut(d *composed.Unstructured) bool {
	integer := func(fields ...string) int64 { v, _ := goldenpath.Integer(d.Object, fields...); return v } //nolint:nlreturn // A one-line accessor.
	replicas := integer("spec", "replicas")
	return integer("status", "observedGeneration") >= integer("metadata", "generation") &&
		integer("status", "updatedReplicas") == replicas && integer("status", "availableReplicas") == replicas &&
		integer("status", "replicas") == replicas
}

// Summarize says whether the app serves, naming what it waits for: the pods of a rollout, or
// the route.
func (Blueprint) Summarize(r goldenpath.Request, c *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	s := goldenpath.Summarize(ConditionAppReady, rs, fmt.Sprintf("%s serving at %s", c.Description, strings.Join(endpoints(c), " and ")))
	d := rs[slices.IndexFunc(rs, func(rd goldenpath.Readiness) bool { return rd.Resource.Name == DeploymentName })]
	if d.Observed != nil && d.State == goldenpath.Ready && image(d.Observed) != desiredImage(d.Resource.Object) {
		// What Crossplane observed predates the template it applies now: the Deployment is
		// ready with what it ran, not yet with what the spec asks.
		d.State, d.Message = goldenpath.Waiting, "the Deployment runs "+goldenpath.Cut(image(d.Observed))+" until it takes the new template"
		s.State = goldenpath.Waiting
	}
	switch {
	case d.Observed == nil || s.State == goldenpath.Ready:
		return s
	case d.State != goldenpath.Ready:
		if s.State != goldenpath.Failed {
			s.Reason = ReasonRollingOut
		}
		s.Message = fmt.Sprintf("rollout of %s: %s", c.Description, d.Message)
		if pods := podProblems(r); pods != "" {
			s.Message += "; waiting for " + pods
		}
		if s.State == goldenpath.Failed {
			s.Message += "; fix the image or the app, and the next change of the spec rolls out again"
		}
	case s.State == goldenpath.Waiting && routeWaiting(rs):
		s.Reason = ReasonWaitingForRoute
	}
	return s
}

// image is the app container's image of a Deployment's pod template.
func image(d *composed.Unstructured) string {
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	for _, c := range containers {
		if m, ok := c.(map[string]any); ok && m["name"] == container {
			img, _ := m["image"].(string)
			return img
		}
	}
	return ""
}

// desiredImage is the app container's image of the Deployment composed.
func desiredImage(o goldenpath.Object) string {
	if d, ok := o.(*appsv1.Deployment); ok {
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.Name == container {
				return c.Image
			}
		}
	}
	return ""
}

// routeWaiting tells whether the route is what the app waits for.
func routeWaiting(rs []goldenpath.Readiness) bool {
	return slices.ContainsFunc(rs, func(rd goldenpath.Readiness) bool {
		return (rd.Resource.Name == IngressName || rd.Resource.Name == HTTPRouteName) && rd.State != goldenpath.Ready
	})
}

// podProblems names the app's pods that are not ready and why, e.g.
// "whoami-3a4f75ae-7d9c6b-x2x9q (ImagePullBackOff)", or "" until Crossplane fetched them.
func podProblems(r goldenpath.Request) string {
	var problems []string
	for _, p := range r.Required[requiredPods] {
		var pod corev1.Pod
		if err := goldenpath.Decode(p.Resource.Object, &pod, ""); err != nil {
			continue
		}
		if problem := goldenpath.PodProblem(&pod); problem != "" {
			problems = append(problems, fmt.Sprintf("%s (%s)", pod.GetName(), problem))
		}
	}
	slices.Sort(problems)
	if len(problems) > maxPodsNamed {
		problems = append(problems[:maxPodsNamed], fmt.Sprintf("%d more", len(problems)-maxPodsNamed))
	}
	return strings.Join(problems, ", ")
}

// endpoints of the app: its URL when it has a route, and its in-cluster address.
func endpoints(c *goldenpath.Composition) []string {
	st, _ := c.Status.(v1alpha1.Status)
	return st.Endpoints
}

// statusOf are the WebApp fields of the XR's status; the core writes the shared ones.
func statusOf(b build) v1alpha1.Status {
	internal := fmt.Sprintf("http://%s.%s.svc", b.Instance.Name, b.XR.Resource.GetNamespace())
	st := v1alpha1.Status{URL: b.URL(), Image: b.Image, Endpoints: []string{internal}}
	if st.URL != "" {
		st.Endpoints = []string{st.URL, internal}
	}
	if d, ok := b.Observed[DeploymentName]; ok {
		ready, _ := goldenpath.Integer(d.Resource.Object, "status", "readyReplicas")
		st.Replicas = int32(min(max(ready, 0), math.MaxInt32))
	}
	return st
}
