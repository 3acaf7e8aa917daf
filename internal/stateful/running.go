package stateful

import (
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Running is what an instance runs, read from observed state that people and other
// controllers can change: nothing here is taken on trust. A value that cannot be read is
// unknown, and a guard that needs it refuses rather than passes.
type Running struct {
	StatefulSet *appsv1.StatefulSet

	// Clustered tells the topology from what the members run (Engine.Clustered).
	Clustered bool
	// Members is the cluster's configured member count: the member count of the Job the
	// function composed last to configure it, else the one its pod template was composed for
	// (Engine.TemplateMembers), else the StatefulSet's replicas when they are a valid member
	// count, else 0 (unknown). 1 for a single server.
	Members int32
	// Reconfiguring is true while the Job that configures Members has neither completed nor
	// failed.
	Reconfiguring bool

	// Image is the main container's image as the StatefulSet runs it, e.g. a digest pin.
	Image string
	// Release is the release of that image ("" when none can be read from it).
	Release string
	// PodReleases are the releases the members' pods run, by pod name ("" when unknown);
	// nil until Crossplane has fetched the pods.
	PodReleases map[string]string
	// RollingOut is true while the StatefulSet rolls out a new pod template.
	RollingOut bool
	// UpdatedReady is true when a pod of the template being rolled out is ready.
	UpdatedReady bool
}

// Observe reads the running instance from its observed StatefulSet (pipeline name sts), the
// Jobs that configure its members, and the pods Crossplane fetched under the key pods. It
// returns nil while no StatefulSet exists. An observed object whose fields do not have their
// API types is an error naming the field.
func (e Engine) Observe(r goldenpath.Request, sts resource.Name, pods string) (*Running, error) {
	oc, ok := r.Observed[sts]
	if !ok {
		return nil, nil //nolint:nilnil // Not running yet is not an error.
	}
	s := &appsv1.StatefulSet{}
	if err := goldenpath.Decode(oc.Resource.Object, s, ""); err != nil {
		return nil, errors.Wrapf(err, "cannot read the observed StatefulSet %s", oc.Resource.GetName())
	}
	rn := &Running{StatefulSet: s}
	if err := e.readTopology(rn, r.Observed); err != nil {
		return nil, err
	}
	st := s.Status
	// A rollout is in progress while the controller has not seen the template, while the
	// revisions differ, while not every replica runs the update, or while the pods run more
	// than one release.
	rn.RollingOut = st.ObservedGeneration < s.GetGeneration() ||
		(st.UpdateRevision != "" && st.CurrentRevision != st.UpdateRevision) ||
		(st.Replicas > 0 && st.UpdatedReplicas < st.Replicas)
	if pods, ok := r.Required[pods]; ok {
		e.readPods(rn, pods)
		rn.RollingOut = rn.RollingOut || e.mixedReleases(rn)
	}
	return rn, nil
}

// readTopology reads the image and release the members run, whether they form a cluster,
// and of how many members.
func (e Engine) readTopology(rn *Running, observed map[resource.Name]resource.ObservedComposed) error {
	spec := &rn.StatefulSet.Spec.Template.Spec
	if c := e.MainContainer(spec); c != nil {
		rn.Image = c.Image
		rn.Release = e.ReleaseOf(c.Image)
	}
	rn.Clustered = e.Clustered != nil && e.Clustered(spec)
	rn.Members = 1
	if !rn.Clustered {
		return nil
	}
	var err error
	if rn.Members, rn.Reconfiguring, err = e.configuredMembers(observed); err != nil {
		return err
	}
	if rn.Members == 0 && e.TemplateMembers != nil {
		if n := e.TemplateMembers(spec); e.ValidMembers(n) {
			rn.Members = n
		}
	}
	if replicas := rn.StatefulSet.Spec.Replicas; rn.Members == 0 && replicas != nil && e.ValidMembers(*replicas) {
		rn.Members = *replicas
	}
	return nil
}

// configuredMembers is the member count of the Job the function composed last to configure
// the cluster, and whether that Job is still running. Job pipeline names carry their member
// count; the largest valid one wins, which is the strictest for the scale-down guard.
func (e Engine) configuredMembers(observed map[resource.Name]resource.ObservedComposed) (int32, bool, error) {
	if e.MembersJob == "" {
		return 0, false, nil
	}
	var members int32
	var running bool
	for name, oc := range observed {
		n, ok := strings.CutPrefix(string(name), e.MembersJob)
		if !ok {
			continue
		}
		count, err := strconv.ParseInt(n, 10, 32)
		if err != nil || !e.ValidMembers(int32(count)) || int32(count) < members {
			continue
		}
		job := &batchv1.Job{} // Only its status is read: its pod template is most of it.
		if err := goldenpath.Decode(oc.Resource.Object["status"], &job.Status, "status"); err != nil {
			return 0, false, errors.Wrapf(err, "cannot read the observed Job %s", oc.Resource.GetName())
		}
		members, running = int32(count), !jobFinished(job)
	}
	return members, running, nil
}

// readPods reads the release each member's pod runs, and whether a pod of the template being
// rolled out is ready. A pod that cannot be read tells nothing.
func (e Engine) readPods(rn *Running, pods []resource.Required) {
	update := rn.StatefulSet.Status.UpdateRevision
	rn.PodReleases = make(map[string]string, len(pods))
	for _, p := range pods {
		pod := &corev1.Pod{}
		if err := goldenpath.Decode(p.Resource.Object, pod, ""); err != nil {
			continue
		}
		release := ""
		if c := e.MainContainer(&pod.Spec); c != nil {
			release = e.ReleaseOf(c.Image)
		}
		rn.PodReleases[pod.GetName()] = release
		if update != "" && pod.GetLabels()[appsv1.ControllerRevisionHashLabelKey] == update && PodReady(pod) {
			rn.UpdatedReady = true
		}
	}
}

// mixedReleases tells whether the pods run more than one release.
func (e Engine) mixedReleases(rn *Running) bool {
	seen := ""
	for _, v := range rn.PodReleases {
		if v != "" && seen != "" && v != seen {
			return true
		}
		if v != "" {
			seen = v
		}
	}
	return false
}

// oldestPodRelease is the oldest release the pods run, "" when none is known or one is
// unknown.
func (e Engine) oldestPodRelease(rn *Running) string {
	oldest := ""
	for _, v := range rn.PodReleases {
		if v == "" {
			return ""
		}
		if oldest == "" || e.ReleaseIndex(v) < e.ReleaseIndex(oldest) {
			oldest = v
		}
	}
	return oldest
}

func jobFinished(job *batchv1.Job) bool {
	return slices.ContainsFunc(job.Status.Conditions, func(c batchv1.JobCondition) bool {
		return (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue
	})
}

// PodReady tells whether a pod is ready and not terminating.
func PodReady(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
		return c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
	})
}

// DataClaim is the running StatefulSet's volume claim template of the data, nil when none.
func (e Engine) DataClaim(rn *Running) *corev1.PersistentVolumeClaim {
	for i := range rn.StatefulSet.Spec.VolumeClaimTemplates {
		if rn.StatefulSet.Spec.VolumeClaimTemplates[i].GetName() == e.DataVolume {
			return &rn.StatefulSet.Spec.VolumeClaimTemplates[i]
		}
	}
	return nil
}
