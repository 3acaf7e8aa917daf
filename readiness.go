package main

import (
	"cmp"
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// conditionTrue is the status of a Kubernetes condition that holds.
const conditionTrue = "True"

// maxQuoted bounds a value from the cluster quoted in a message (an annotation's).
const maxQuoted = 80

// assess decides the readiness of each composed resource from its observed state with
// kstatus, the library Flux's health checks use: Current is ready, Failed is failed, and
// anything else says what it waits for. A resource that is not observed does not exist yet.
func assess(c *goldenpath.Composition, observed map[resource.Name]resource.ObservedComposed) []goldenpath.Readiness {
	rs := make([]goldenpath.Readiness, 0, len(c.Resources))
	for _, r := range c.Resources {
		rd := goldenpath.Readiness{Resource: r, Message: "not created yet"}
		if oc, ok := observed[r.Name]; ok {
			rd.Observed = oc.Resource
			rd.State, rd.Message = kstatus(oc.Resource.Object)
			rd.Message = goldenpath.Cut(rd.Message)
		}
		rs = append(rs, rd)
	}
	return rs
}

// kstatus returns the state of an object and why.
func kstatus(obj map[string]any) (goldenpath.State, string) {
	u := &unstructured.Unstructured{Object: obj}
	res, err := status.Compute(u)
	if err != nil {
		return goldenpath.Waiting, "cannot compute status: " + err.Error()
	}
	switch res.Status {
	case status.CurrentStatus:
		if rule, ok := readinessRules[u.GroupVersionKind().GroupKind()]; ok {
			if state, msg := rule(u); state != goldenpath.Ready {
				return state, cmp.Or(msg, res.Message)
			}
		}
		return goldenpath.Ready, "ready"
	case status.FailedStatus:
		return goldenpath.Failed, res.Message
	default:
		if rule, ok := readinessRules[u.GroupVersionKind().GroupKind()]; ok && res.Message == "" {
			// kstatus may say InProgress without a word (a Ready condition False): the rule says why.
			_, msg := rule(u)
			return goldenpath.Waiting, msg
		}
		return goldenpath.Waiting, res.Message
	}
}

// readinessRules are what a composed resource needs beyond kstatus's Current to be ready, by
// kind, as function-auto-ready keeps its health checks.
//
//nolint:gochecknoglobals // A table of rules, read only.
var readinessRules = map[schema.GroupKind]func(u *unstructured.Unstructured) (goldenpath.State, string){
	// kstatus calls a Job that has started Current; what it composes is only done when the
	// Job has run to completion.
	batchv1.SchemeGroupVersion.WithKind("Job").GroupKind(): func(u *unstructured.Unstructured) (goldenpath.State, string) {
		if complete(u) {
			return goldenpath.Ready, ""
		}
		return goldenpath.Waiting, ""
	},
	// kstatus calls an Ingress Current as soon as it exists; it serves once the ingress
	// controller has given it an address.
	{Group: "networking.k8s.io", Kind: "Ingress"}: func(u *unstructured.Unstructured) (goldenpath.State, string) {
		lbs, _, _ := unstructured.NestedSlice(u.Object, "status", "loadBalancer", "ingress")
		for _, lb := range lbs {
			if m, ok := lb.(map[string]any); ok && (m["ip"] != nil || m["hostname"] != nil) {
				return goldenpath.Ready, ""
			}
		}
		return goldenpath.Waiting, "waiting for the ingress controller to give it an address"
	},
	// A Gateway API route serves once every parent Gateway has accepted it and resolved its
	// backends.
	{Group: "gateway.networking.k8s.io", Kind: "HTTPRoute"}: routeAccepted,
	// external-dns (crd source) writes status.observedGeneration when it has applied a
	// DNSEndpoint; kstatus calls one without a status Current.
	{Group: "externaldns.k8s.io", Kind: "DNSEndpoint"}: func(u *unstructured.Unstructured) (goldenpath.State, string) {
		observed, found, err := unstructured.NestedInt64(u.Object, "status", "observedGeneration")
		if err != nil || !found || observed < u.GetGeneration() {
			return goldenpath.Waiting, fmt.Sprintf("waiting for external-dns to apply generation %d", u.GetGeneration())
		}
		return goldenpath.Ready, ""
	},
	// A CloudNativePG Cluster is ready when the operator says so: its Ready condition, or the
	// phase it reports while healthy.
	{Group: "postgresql.cnpg.io", Kind: "Cluster"}: cnpgClusterReady,
}

// cnpgHealthy is the phase of a CloudNativePG Cluster whose instances all run.
const cnpgHealthy = "Cluster in healthy state"

func cnpgClusterReady(u *unstructured.Unstructured) (goldenpath.State, string) {
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	if condition(conds, "Ready")["status"] == conditionTrue || phase == cnpgHealthy {
		return goldenpath.Ready, ""
	}
	if phase == "" {
		return goldenpath.Waiting, "the CloudNativePG operator has not reported on it yet"
	}
	msg, _, _ := unstructured.NestedString(u.Object, "status", "phaseReason")
	if msg == "" {
		return goldenpath.Waiting, phase
	}
	return goldenpath.Waiting, phase + ": " + msg
}

// maxParents bounds how many parents of a route are read, whatever its status says.
const maxParents = 16

// routeAccepted tells whether every parent Gateway of an HTTPRoute accepted it with its
// references resolved, naming the first that has not.
func routeAccepted(u *unstructured.Unstructured) (goldenpath.State, string) {
	refs, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
	parents, _, _ := unstructured.NestedSlice(u.Object, "status", "parents")
	if len(parents) < len(refs) || len(parents) == 0 {
		return goldenpath.Waiting, "waiting for its Gateway to accept it"
	}
	for _, p := range parents[:min(len(parents), maxParents)] {
		m, _ := p.(map[string]any)
		ref, _, _ := unstructured.NestedString(m, "parentRef", "name")
		conds, _, _ := unstructured.NestedSlice(m, "conditions")
		for _, typ := range []string{"Accepted", "ResolvedRefs"} {
			c := condition(conds, typ)
			switch {
			case c == nil:
				return goldenpath.Waiting, fmt.Sprintf("waiting for Gateway %s to set %s", ref, typ)
			case c["status"] != conditionTrue:
				return goldenpath.Waiting, fmt.Sprintf("Gateway %s: %s is %v: %v: %v", ref, typ, c["status"], c["reason"], c["message"])
			}
		}
	}
	return goldenpath.Ready, ""
}

// condition is the condition of the given type in a list, or nil.
func condition(conds []any, typ string) map[string]any {
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ {
			return m
		}
	}
	return nil
}

// complete tells whether a Job has its Complete condition.
func complete(job *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(job.Object, "status", "conditions")
	return condition(conds, "Complete")["status"] == conditionTrue
}
