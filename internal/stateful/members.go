package stateful

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// maxMembers bounds the members a message lists, whatever a StatefulSet says.
const maxMembers = 16

// MembersMessage says how a StatefulSet's members are doing, naming each one waited for, e.g.
// "2/3 replicas ready; waiting for mongodb-3a4f75ae-2 (ContainersNotReady)". pods are the
// members' pods as Crossplane fetched them; fetched is false until it has. The member count
// is the composed one, not the observed: a StatefulSet scaled by hand to millions of replicas
// must not make a list of millions of names.
func MembersMessage(sts *goldenpath.Readiness, pods []resource.Required, fetched bool) string {
	return MembersMessageWithRoles(sts, pods, fetched, nil)
}

// MembersMessageWithRoles is MembersMessage naming each member waited for with its role, e.g.
// "waiting for primary postgresql-3a4f75ae-0 (ContainersNotReady)"; role says a member's role
// from its ordinal, nil says none.
func MembersMessageWithRoles(sts *goldenpath.Readiness, pods []resource.Required, fetched bool, role func(ordinal int64) string) string {
	var want int64
	if s, ok := sts.Resource.Object.(*appsv1.StatefulSet); ok && s.Spec.Replicas != nil {
		want = int64(*s.Spec.Replicas)
	}
	ready, _ := goldenpath.Integer(sts.Observed.Object, "status", "readyReplicas") // Absent while none is ready.
	ready = min(max(ready, 0), want)
	msg := fmt.Sprintf("%d/%d replicas ready", ready, want)

	if !fetched {
		// Until Crossplane has fetched the pods, the counts are all there is; when every
		// replica is ready, the StatefulSet says what else it waits for (e.g. a rollout).
		if ready < want {
			return msg
		}
		return msg + "; " + sts.Message
	}
	problems := make(map[string]string, len(pods))
	for _, p := range pods {
		var pod corev1.Pod
		if err := goldenpath.Decode(p.Resource.Object, &pod, ""); err != nil {
			continue
		}
		problems[pod.GetName()] = goldenpath.PodProblem(&pod)
	}
	var waiting []string
	for i := int64(0); i < want && i < maxMembers; i++ {
		name := fmt.Sprintf("%s-%d", sts.Resource.Object.GetName(), i)
		problem, exists := problems[name]
		if role != nil {
			name = role(i) + " " + name
		}
		switch {
		case !exists:
			waiting = append(waiting, name+" (not created)")
		case problem != "":
			waiting = append(waiting, name+" ("+problem+")")
		}
	}
	if len(waiting) == 0 {
		return msg + "; " + sts.Message
	}
	return msg + "; waiting for " + strings.Join(waiting, ", ")
}
