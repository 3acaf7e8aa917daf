package goldenpath

import (
	"fmt"
	"strings"
)

// Reasons of a golden path's condition that every golden path may use.
const (
	ReasonAvailable = "Available"
	ReasonCreating  = "Creating"
	ReasonWaiting   = "WaitingForResources"
	ReasonFailed    = "Failed"
)

// maxListed bounds how many resources a message names.
const maxListed = 8

// Summarize is the summary of a golden path whose resources are simply ready together: Failed
// naming the first resource that failed and why, Ready with the message ready, else Creating
// or Waiting, naming the resources not created yet and what each created one waits for.
func Summarize(condition string, rs []Readiness, ready string) Summary {
	var creating, waiting []string
	for _, rd := range rs {
		switch {
		case rd.State == Failed:
			return Summary{Condition: condition, State: Failed, Reason: ReasonFailed, Message: fmt.Sprintf("%s failed: %s", Describe(rd.Resource), rd.Message)}
		case rd.State == Ready, len(creating)+len(waiting) >= maxListed:
		case rd.Observed == nil:
			creating = append(creating, Describe(rd.Resource))
		default:
			waiting = append(waiting, fmt.Sprintf("%s (%s)", Describe(rd.Resource), rd.Message))
		}
	}
	var msgs []string
	if len(creating) > 0 {
		msgs = append(msgs, "creating "+strings.Join(creating, ", "))
	}
	if len(waiting) > 0 {
		msgs = append(msgs, "waiting for "+strings.Join(waiting, ", "))
	}
	s := Summary{Condition: condition, State: Waiting, Reason: ReasonWaiting, Message: strings.Join(msgs, "; ")}
	switch {
	case len(msgs) == 0:
		s.State, s.Reason, s.Message = Ready, ReasonAvailable, ready
	case len(creating) > 0:
		s.Reason = ReasonCreating
	}
	return s
}

// Describe is a composed resource for humans: its kind and name.
func Describe(r Resource) string {
	return Kind(r.Object) + " " + r.Object.GetName()
}
