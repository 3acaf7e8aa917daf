package main

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
			rd.Ready, rd.Failed, rd.Message = kstatus(oc.Resource.Object)
		}
		rs = append(rs, rd)
	}
	return rs
}

// kstatus returns whether the object is ready, whether it failed, and why.
func kstatus(obj map[string]any) (bool, bool, string) {
	u := &unstructured.Unstructured{Object: statusView(obj)}
	res, err := status.Compute(u)
	if err != nil {
		return false, false, "cannot compute status: " + err.Error()
	}
	switch res.Status {
	case status.CurrentStatus:
		// kstatus calls a Job that has started Current; what it composes is only done when
		// the Job has run to completion.
		if u.GetKind() == "Job" && !complete(u) {
			return false, false, res.Message
		}
		return true, false, "ready"
	case status.FailedStatus:
		return false, true, res.Message
	default:
		return false, false, res.Message
	}
}

// complete tells whether a Job has its Complete condition.
func complete(job *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(job.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == "Complete" && m["status"] == "True" {
			return true
		}
	}
	return false
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
		if rd.Ready {
			dc.Ready = resource.ReadyTrue
		}
	}
}
