package main

import (
	"cmp"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

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
		}
		rs = append(rs, rd)
	}
	return rs
}

// kstatus returns the state of an object and why.
func kstatus(obj map[string]any) (goldenpath.State, string) {
	u := &unstructured.Unstructured{Object: statusView(obj)}
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
	// A CloudNativePG Cluster is ready when the operator says so: its Ready condition, or the
	// phase it reports while healthy.
	{Group: "postgresql.cnpg.io", Kind: "Cluster"}: cnpgClusterReady,
}

// conditionTrue is a condition's status when it holds.
const conditionTrue = "True"

// cnpgHealthy is the phase of a CloudNativePG Cluster whose instances all run.
const cnpgHealthy = "Cluster in healthy state"

func cnpgClusterReady(u *unstructured.Unstructured) (goldenpath.State, string) {
	phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
	if c := condition(u, "Ready"); c["status"] == conditionTrue || phase == cnpgHealthy {
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

// complete tells whether a Job has its Complete condition.
func complete(job *unstructured.Unstructured) bool {
	return condition(job, "Complete")["status"] == conditionTrue
}

// condition is an object's status condition of a type, nil when it has none.
func condition(u *unstructured.Unstructured, typ string) map[string]any {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == typ {
			return m
		}
	}
	return nil
}

// statusView is what kstatus reads of an object, with integers where it wants them: objects
// arrive as protobuf Structs, whose numbers are all float64, and kstatus would take a missing
// readyReplicas for every one of them. The pod template and the claim templates, most of a
// workload, are left out: kstatus reads none of them.
func statusView(obj map[string]any) map[string]any {
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		switch k {
		case "spec":
			spec, ok := v.(map[string]any)
			if !ok {
				continue
			}
			s := make(map[string]any, len(spec))
			for sk, sv := range spec {
				if sk != "template" && sk != "volumeClaimTemplates" {
					s[sk] = integers(sv)
				}
			}
			out[k] = s
		case "metadata", "status":
			out[k] = integers(v)
		default:
			out[k] = v
		}
	}
	return out
}

// integers returns a copy of v with every whole float64 turned into an int64.
func integers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = integers(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = integers(e)
		}
		return out
	case float64:
		if t == float64(int64(t)) {
			return int64(t)
		}
		return t
	default:
		return v
	}
}

// setReadiness tells Crossplane the readiness of each desired resource. Crossplane's own
// Ready condition then names exactly the pipeline names that are not ready.
func setReadiness(desired map[resource.Name]*resource.DesiredComposed, rs []goldenpath.Readiness) {
	for _, rd := range rs {
		dc, ok := desired[rd.Resource.Name]
		if !ok {
			continue
		}
		dc.Ready = resource.ReadyFalse
		if rd.State == goldenpath.Ready {
			dc.Ready = resource.ReadyTrue
		}
	}
}
