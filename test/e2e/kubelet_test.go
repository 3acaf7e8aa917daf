package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// kubelet plays the only part of a node the control plane lacks: it reports pods' status, in
// every namespace. A StatefulSet's or a ReplicaSet's pods become Running and Ready (unless
// marked not ready, or of an image marked unpullable: then they wait in ImagePullBackOff), a
// Job's pods Succeeded with their containers terminated with exit code 0. Everything else
// (workload and PodDisruptionBudget status, rolling updates, scaling) is left to the real
// controllers.
//
// A pod starts podStartup after the kubelet first sees it: real pods take seconds, and a
// rollout compressed into milliseconds would only measure Crossplane's XR circuit breaker
// (hack/e2e/cluster.sh explains its setting).
const podStartup = time.Second

type kubelet struct {
	mu       sync.Mutex
	notReady map[string]bool // pod name -> keep it not ready
	badImage map[string]bool // image -> its pods wait in ImagePullBackOff
	holdJobs bool            // leave Jobs' pods running (not yet Succeeded)
	seen     map[types.UID]time.Time
	patched  int
	lastErr  error
	cancel   context.CancelFunc
	done     chan struct{}
}

func startKubelet(t *testing.T, holdJobs bool) *kubelet {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	k := &kubelet{notReady: map[string]bool{}, badImage: map[string]bool{}, holdJobs: holdJobs, seen: map[types.UID]time.Time{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(k.done)
		for ctx.Err() == nil {
			if err := k.sync(ctx); ctx.Err() == nil {
				k.mu.Lock()
				k.lastErr = err // nil once a sync went through
				k.mu.Unlock()
			}
			select {
			case <-ctx.Done():
			case <-time.After(150 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(k.stop)
	return k
}

func (k *kubelet) stop() {
	k.cancel()
	<-k.done
}

// holdJobPods leaves Jobs' pods pending (hold) or lets them succeed.
func (k *kubelet) holdJobPods(hold bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.holdJobs = hold
}

// setReady marks a StatefulSet pod ready or not ready from now on.
func (k *kubelet) setReady(pod string, ready bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ready {
		delete(k.notReady, pod)
	} else {
		k.notReady[pod] = true
	}
}

// setPullable makes pods of an image start (true) or wait in ImagePullBackOff (false).
func (k *kubelet) setPullable(image string, ok bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ok {
		delete(k.badImage, image)
	} else {
		k.badImage[image] = true
	}
}

// err is the last error syncing pods, for failure messages.
func (k *kubelet) err() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lastErr == nil {
		return fmt.Sprintf("simulated kubelet: %d pod status updates, no errors", k.patched)
	}
	return fmt.Sprintf("simulated kubelet: %d pod status updates, last error: %v", k.patched, k.lastErr)
}

// failed returns the last error syncing pods, if any.
func (k *kubelet) failed() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.lastErr != nil {
		return fmt.Errorf("simulated kubelet: %w", k.lastErr)
	}
	return nil
}

func (k *kubelet) sync(ctx context.Context) error {
	pods, err := c.kube.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	var last error
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp != nil {
			continue
		}
		owner := metav1.GetControllerOf(p)
		if owner == nil {
			continue
		}
		k.mu.Lock()
		first, ok := k.seen[p.UID]
		if !ok {
			first = time.Now()
			k.seen[p.UID] = first
		}
		k.mu.Unlock()
		if time.Since(first) < podStartup {
			continue
		}
		var st *corev1.PodStatus
		switch owner.Kind {
		case "StatefulSet", "ReplicaSet":
			k.mu.Lock()
			ready, pullable := !k.notReady[p.Name], !slices.ContainsFunc(p.Spec.Containers, func(ct corev1.Container) bool { return k.badImage[ct.Image] })
			k.mu.Unlock()
			switch {
			case !pullable && !isPullBackOff(p):
				st = pullBackOffStatus(p)
			case !pullable, isRunning(p, ready):
				continue
			default:
				st = runningStatus(p, ready)
			}
		case "Job":
			k.mu.Lock()
			hold := k.holdJobs
			k.mu.Unlock()
			if hold || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
				continue
			}
			st = succeededStatus(p)
		default:
			continue
		}
		b, err := json.Marshal(map[string]any{"status": st})
		if err != nil {
			return err
		}
		_, err = c.kube.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.MergePatchType, b, metav1.PatchOptions{}, "status")
		switch {
		case err == nil:
			k.mu.Lock()
			k.patched++
			k.mu.Unlock()
		case kerrors.IsNotFound(err) || kerrors.IsConflict(err):
		default:
			last = fmt.Errorf("pod %s: %w", p.Name, err)
		}
	}
	return last
}

func isRunning(p *corev1.Pod, ready bool) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return (c.Status == corev1.ConditionTrue) == ready
		}
	}
	return false
}

// isPullBackOff tells whether a pod already waits for its image.
func isPullBackOff(p *corev1.Pod) bool {
	return len(p.Status.ContainerStatuses) > 0 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
		p.Status.ContainerStatuses[0].State.Waiting.Reason == "ImagePullBackOff"
}

// pullBackOffStatus is a pod whose image cannot be pulled.
func pullBackOffStatus(p *corev1.Pod) *corev1.PodStatus {
	now := metav1.Now()
	st := &corev1.PodStatus{
		Phase: corev1.PodPending,
		Conditions: []corev1.PodCondition{
			podCondition(corev1.PodScheduled, true, "", now),
			podCondition(corev1.ContainersReady, false, "ContainersNotReady", now),
			podCondition(corev1.PodReady, false, "ContainersNotReady", now),
		},
	}
	for _, ct := range p.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
			Name: ct.Name, Image: ct.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image " + ct.Image}},
		})
	}
	return st
}

func podCondition(t corev1.PodConditionType, ok bool, reason string, now metav1.Time) corev1.PodCondition {
	s := corev1.ConditionTrue
	if !ok {
		s = corev1.ConditionFalse
	}
	return corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: now}
}

func runningStatus(p *corev1.Pod, ready bool) *corev1.PodStatus {
	now := metav1.Now()
	start := now
	if p.Status.StartTime != nil {
		start = *p.Status.StartTime
	}
	reason := ""
	if !ready {
		reason = "ContainersNotReady"
	}
	st := &corev1.PodStatus{
		Phase:     corev1.PodRunning,
		StartTime: &start,
		Conditions: []corev1.PodCondition{
			podCondition(corev1.PodScheduled, true, "", now),
			podCondition(corev1.PodInitialized, true, "", now),
			podCondition(corev1.ContainersReady, ready, reason, now),
			podCondition(corev1.PodReady, ready, reason, now),
		},
	}
	for _, ic := range p.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: ic.Name, Image: ic.Image, ImageID: ic.Image, Ready: true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: start, FinishedAt: start}},
		})
	}
	started := true
	for _, ct := range p.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
			Name: ct.Name, Image: ct.Image, ImageID: ct.Image, Ready: ready, Started: &started,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: start}},
		})
	}
	return st
}

func succeededStatus(p *corev1.Pod) *corev1.PodStatus {
	now := metav1.Now()
	started := false
	st := &corev1.PodStatus{
		Phase:     corev1.PodSucceeded,
		StartTime: &now,
		Conditions: []corev1.PodCondition{
			podCondition(corev1.PodScheduled, true, "", now),
			podCondition(corev1.PodInitialized, true, "PodCompleted", now),
			podCondition(corev1.ContainersReady, false, "PodCompleted", now),
			podCondition(corev1.PodReady, false, "PodCompleted", now),
		},
	}
	for _, ic := range p.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: ic.Name, Image: ic.Image, ImageID: ic.Image,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}},
		})
	}
	for _, ct := range p.Spec.Containers {
		st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
			Name: ct.Name, Image: ct.Image, ImageID: ct.Image, Started: &started,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}},
		})
	}
	return st
}
