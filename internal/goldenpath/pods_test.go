package goldenpath

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestPodProblem(t *testing.T) {
	waiting := func(reason string) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "app", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}},
		}}}
	}
	cases := map[string]struct {
		reason string
		pod    *corev1.Pod
		want   string
	}{
		"Ready": {
			reason: "A pod whose Ready condition is true has no problem.",
			pod:    &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}},
		},
		"Terminating": {
			reason: "A pod being deleted says so.",
			pod:    &corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{}}},
			want:   "terminating",
		},
		"Waiting": {
			reason: "A waiting container's reason is the pod's problem.",
			pod:    waiting("ImagePullBackOff"),
			want:   "ImagePullBackOff",
		},
		"HugeReason": {
			reason: "A reason is the kubelet's, or anyone's who can write pod status: it is cut at MaxMessage bytes.",
			pod:    waiting(strings.Repeat("x", 100_000)),
			want:   strings.Repeat("x", MaxMessage) + "…",
		},
		"NotReadyCondition": {
			reason: "Without a waiting container, the Ready condition's reason.",
			pod:    &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ContainersNotReady"}}}},
			want:   "ContainersNotReady",
		},
		"Pending": {
			reason: "A pending pod with nothing else to say is Pending.",
			pod:    &corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending}},
			want:   "Pending",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, PodProblem(tc.pod)); diff != "" {
				t.Errorf("%s\nPodProblem(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
