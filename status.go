package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"time"

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

// How soon Crossplane calls again, by phase. Realtime compositions call at once when a
// composed resource changes; the TTL only bounds how long a change that nothing watches (a
// pod that is not composed) can go unseen. A ready instance is checked twice an hour.
const (
	ttlWaiting = 15 * time.Second
	ttlFailed  = 2 * time.Minute
	ttlReady   = 30 * time.Minute
	// ttlCircuitOpen bounds the other TTLs while Crossplane's watch circuit breaker for the XR
	// is open: it then drops the XR's watch events, its own spec changes included, but for a
	// probe every 30 s that only an event brings, so a change to a ready XR would wait for the
	// ready TTL. Calls then come at the probe's interval.
	ttlCircuitOpen = 30 * time.Second
)

// conditionResponsive is Crossplane's XR condition that is False while the XR's watch circuit
// breaker is open.
const conditionResponsive = "Responsive"

// ttlFor is the response TTL of an instance in the given phase, given the XR's conditions as
// observed: a Responsive condition that is anything but True counts as an open circuit.
func ttlFor(phase string, observed map[string]map[string]any) time.Duration {
	ttl := ttlWaiting
	switch phase {
	case PhaseReady:
		ttl = ttlReady
	case PhaseFailed:
		ttl = ttlFailed
	}
	if c, ok := observed[conditionResponsive]; ok && c["status"] != conditionTrue {
		ttl = min(ttl, ttlCircuitOpen)
	}
	return ttl
}

// writeStatus writes the instance's readiness where each reader looks for it: status fields
// for tools and Flux, conditions for the TeraSky crossplane-resources card, and results,
// which Crossplane turns into events on the XR. Events are emitted when a condition changes,
// not on every call: Kubernetes drops an object's events past 25 in a burst, and a new
// instance's last event (it became ready) must not be the one dropped. It returns how soon
// Crossplane should call again (ttlFor).
func writeStatus(rsp *fnv1.RunFunctionResponse, oxr, dxr *resource.Composite, inst goldenpath.Instance, c *goldenpath.Composition, rs []goldenpath.Readiness, s goldenpath.Summary) (time.Duration, error) {
	ready := 0
	resources := make([]any, 0, len(rs))
	for _, rd := range rs {
		if rd.State == goldenpath.Ready {
			ready++
		}
		resources = append(resources, map[string]any{
			"name": rd.Resource.Object.GetName(), "kind": goldenpath.Kind(rd.Resource.Object),
			"ready": rd.State == goldenpath.Ready, "message": rd.Message,
		})
	}
	previous := goldenpath.String(oxr.Resource.Object, "status", "phase") // Absent on a new XR.
	generation, _ := goldenpath.Integer(oxr.Resource.Object, "metadata", "generation")
	phase := phaseOf(s, previous)

	fields := map[string]any{
		"instanceId":         inst.ID,
		"instanceName":       inst.Name,
		"readyResources":     fmt.Sprintf("%d/%d", ready, len(rs)),
		"phase":              phase,
		"resources":          resources,
		"observedGeneration": generation,
	}
	if c.Status != nil {
		j, err := json.Marshal(c.Status)
		if err != nil {
			return 0, err
		}
		if err := json.Unmarshal(j, &fields); err != nil {
			return 0, err
		}
	}
	status, _ := dxr.Resource.Object["status"].(map[string]any)
	dxr.Resource.Object["status"] = merged(status, fields)
	observed := observedConditions(oxr)

	// Each condition type once: response.Condition* appends a condition.
	if s.State == goldenpath.Ready {
		response.ConditionTrue(rsp, s.Condition, s.Reason).WithMessage(s.Message).TargetComposite()
	} else {
		response.ConditionFalse(rsp, s.Condition, s.Reason).WithMessage(s.Message).TargetComposite()
	}

	if changed(observed, rsp.GetConditions()[len(rsp.GetConditions())-1]) {
		switch phase {
		case PhaseDegraded, PhaseFailed:
			response.Warning(rsp, fmt.Errorf("%s", s.Message)).WithReason(s.Reason).TargetComposite()
		default:
			response.Normal(rsp, s.Message).WithReason(s.Reason).TargetComposite()
		}
	}

	writeRefusals(rsp, c.Refused, observed)
	return ttlFor(phase, observed), nil
}

// merged returns the union of the maps; later ones win.
func merged(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// observedConditions are the XR's conditions as it has them, by type.
func observedConditions(xr *resource.Composite) map[string]map[string]any {
	out := map[string]map[string]any{}
	status, _ := xr.Resource.Object["status"].(map[string]any)
	conds, _ := status["conditions"].([]any)
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok {
			if t, ok := m["type"].(string); ok {
				out[t] = m
			}
		}
	}
	return out
}

// changed tells whether a condition differs from the XR's own of its type.
func changed(observed map[string]map[string]any, c *fnv1.Condition) bool {
	o, ok := observed[c.GetType()]
	if !ok {
		return true
	}
	status := map[fnv1.Status]string{fnv1.Status_STATUS_CONDITION_TRUE: conditionTrue, fnv1.Status_STATUS_CONDITION_FALSE: "False"}[c.GetStatus()]
	return o["status"] != status || o["reason"] != c.GetReason() || o["message"] != c.GetMessage()
}

// phaseOf is Ready when the instance is, Failed when a resource failed, Degraded when it was
// ready or degraded before, and Provisioning until it is ready the first time.
func phaseOf(s goldenpath.Summary, previous string) string {
	switch {
	case s.State == goldenpath.Ready:
		return PhaseReady
	case s.State == goldenpath.Failed:
		return PhaseFailed
	case previous == PhaseReady || previous == PhaseDegraded:
		return PhaseDegraded
	default:
		return PhaseProvisioning
	}
}

// writeRefusals says which requested changes were not rolled out, as a condition and as
// warnings.
func writeRefusals(rsp *fnv1.RunFunctionResponse, refused []goldenpath.Refusal, observed map[string]map[string]any) {
	if len(refused) == 0 {
		response.ConditionTrue(rsp, ConditionSpecAccepted, "Accepted").
			WithMessage("every requested change is rolled out").TargetComposite()
		return
	}
	msgs := make([]string, len(refused))
	for i, rf := range refused {
		msgs[i] = rf.Message
	}
	response.ConditionFalse(rsp, ConditionSpecAccepted, refused[0].Reason).
		WithMessage(strings.Join(msgs, "; ")).TargetComposite()
	if changed(observed, rsp.GetConditions()[len(rsp.GetConditions())-1]) {
		for _, rf := range refused {
			response.Warning(rsp, fmt.Errorf("%s", rf.Message)).WithReason(rf.Reason).TargetComposite()
		}
	}
}
