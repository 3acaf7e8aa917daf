package main

import (
	"fmt"
	"maps"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Phases of an instance, in status.phase.
const (
	PhaseProvisioning = "Provisioning"
	PhaseReady        = "Ready"
	PhaseDegraded     = "Degraded"
	PhaseFailed       = "Failed"
)

// ConditionSpecAccepted says whether every requested change was rolled out.
const ConditionSpecAccepted = "SpecAccepted"

// ResourceStatus is one entry of status.resources.
type ResourceStatus struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Ready   bool   `json:"ready"`
	Message string `json:"message,omitempty"`
}

// writeStatus writes the instance's readiness where each reader looks for it: status fields
// for tools and Flux, conditions for the TeraSky crossplane-resources card, and results,
// which Crossplane turns into events on the XR.
func writeStatus(rsp *fnv1.RunFunctionResponse, oxr, dxr *resource.Composite, inst goldenpath.Instance, c *goldenpath.Composition, rs []goldenpath.Readiness, s goldenpath.Summary) error {
	ready := 0
	resources := make([]any, 0, len(rs))
	for _, rd := range rs {
		if rd.Ready {
			ready++
		}
		resources = append(resources, map[string]any{
			"name": rd.Resource.Object.GetName(), "kind": rd.Resource.Object.GetKind(),
			"ready": rd.Ready, "message": rd.Message,
		})
	}
	previous, _ := oxr.Resource.GetString("status.phase") // Absent on a new XR.
	// Not GetGeneration: numbers from a protobuf Struct are float64, which it reads as 0.
	generation, _ := oxr.Resource.GetInteger("metadata.generation")
	phase := phaseOf(s, previous)

	fields := map[string]any{
		"instanceId":         inst.ID,
		"instanceName":       inst.Name,
		"readyResources":     fmt.Sprintf("%d/%d", ready, len(rs)),
		"phase":              phase,
		"resources":          resources,
		"observedGeneration": generation,
	}
	maps.Copy(fields, c.Status)
	for k, v := range fields {
		if err := dxr.Resource.SetValue("status."+k, v); err != nil {
			return err
		}
	}

	// Each condition type once: response.Condition* appends a condition.
	if s.Ready {
		response.ConditionTrue(rsp, s.Condition, s.Reason).WithMessage(s.Message).TargetComposite()
	} else {
		response.ConditionFalse(rsp, s.Condition, s.Reason).WithMessage(s.Message).TargetComposite()
	}

	switch phase {
	case PhaseDegraded, PhaseFailed:
		response.Warning(rsp, fmt.Errorf("%s", s.Message)).WithReason(s.Reason).TargetComposite()
	default:
		response.Normal(rsp, s.Message).WithReason(s.Reason).TargetComposite()
	}

	writeRefusals(rsp, c.Refused)
	return nil
}

// phaseOf is Ready when the instance is, Failed when a resource failed, Degraded when it was
// ready or degraded before, and Provisioning until it is ready the first time.
func phaseOf(s goldenpath.Summary, previous string) string {
	switch {
	case s.Ready:
		return PhaseReady
	case s.Failed:
		return PhaseFailed
	case previous == PhaseReady || previous == PhaseDegraded:
		return PhaseDegraded
	default:
		return PhaseProvisioning
	}
}

// writeRefusals says which requested changes were not rolled out, as a condition and as
// warnings.
func writeRefusals(rsp *fnv1.RunFunctionResponse, refused []goldenpath.Refusal) {
	if len(refused) == 0 {
		response.ConditionTrue(rsp, ConditionSpecAccepted, "Accepted").
			WithMessage("every requested change is rolled out").TargetComposite()
		return
	}
	msgs := make([]string, len(refused))
	for i, rf := range refused {
		msgs[i] = rf.Message
		response.Warning(rsp, fmt.Errorf("%s", rf.Message)).WithReason(rf.Reason).TargetComposite()
	}
	response.ConditionFalse(rsp, ConditionSpecAccepted, refused[0].Reason).
		WithMessage(strings.Join(msgs, "; ")).TargetComposite()
}
