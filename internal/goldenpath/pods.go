package goldenpath

import (
	corev1 "k8s.io/api/core/v1"
)

// PodProblem is why a pod is not ready, or "" when it is: a reason from its status is cut at
// MaxMessage bytes.
func PodProblem(p *corev1.Pod) string {
	if p.DeletionTimestamp != nil {
		return "terminating"
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return Cut(w.Reason)
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Type != corev1.PodReady {
			continue
		}
		if c.Status == corev1.ConditionTrue {
			return ""
		}
		if c.Reason != "" {
			return Cut(c.Reason)
		}
	}
	if p.Status.Phase == corev1.PodPending || p.Status.Phase == "" {
		return "Pending"
	}
	return "NotReady"
}
