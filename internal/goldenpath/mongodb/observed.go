package mongodb

import (
	"regexp"
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

// running is what an instance runs, read from observed state that people and other
// controllers can change: nothing here is taken on trust. A value that cannot be read is
// unknown, and a guard that needs it refuses rather than passes.
type running struct {
	sts *appsv1.StatefulSet

	// replicaSet tells the topology from what mongod runs with (--replSet, the keyfile
	// volume), not from a replica count someone can scale by hand.
	replicaSet bool

	// members is the replica set's configured member count: the member count of the replica
	// set Job the function composed last, else the StatefulSet's replicas when they are a
	// valid member count, else 0 (unknown). 1 for a standalone server.
	members int32
	// reconfiguring is true while the replica set Job for members has neither completed
	// nor failed.
	reconfiguring bool

	// image is the mongod container's image as the StatefulSet runs it, e.g. a digest pin.
	image string
	// version is the release of that image ("" when no release can be read from it).
	version string
	// podVersions are the releases the members' pods run, by pod name ("" when unknown).
	// Empty until Crossplane has fetched the pods.
	podVersions map[string]string
	// rollingOut is true while the StatefulSet rolls out a new pod template.
	rollingOut bool
	// updatedReady is true when a pod of the template being rolled out is ready.
	updatedReady bool
}

// releaseTag matches an image tag that names a release: 7.0, 8.0.4, 7.0.12-jammy.
var releaseTag = regexp.MustCompile(`^([0-9]+)\.([0-9]+)(\.[0-9]+)?(-[A-Za-z0-9._-]+)?$`)

// releaseOf is the supported release an image reference runs, or "" when none can be read
// from it: mongo:7.0, mongo:8.0.4 and mongo:7.0@sha256:… name one; mongo@sha256:… and
// mongo:latest do not.
func releaseOf(image string) string {
	ref, _, _ := strings.Cut(image, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ""
	}
	m := releaseTag.FindStringSubmatch(ref[i+1:])
	if m == nil {
		return ""
	}
	v := m[1] + "." + m[2]
	if releaseIndex(v) < 0 {
		return ""
	}
	return v
}

// observedRunning reads the running instance from the observed StatefulSet, the replica set
// Jobs and the pods Crossplane fetched. It returns nil while no StatefulSet exists. An
// observed StatefulSet whose fields do not have their API types is an error naming the field.
func observedRunning(r goldenpath.Request) (*running, error) {
	oc, ok := r.Observed[StatefulSetName]
	if !ok {
		return nil, nil //nolint:nilnil // Not running yet is not an error.
	}
	sts := &appsv1.StatefulSet{}
	if err := decode(oc.Resource.Object, sts); err != nil {
		return nil, errors.Wrapf(err, "cannot read the observed StatefulSet %s", oc.Resource.GetName())
	}
	rn := &running{sts: sts}
	if err := rn.readTopology(r.Observed); err != nil {
		return nil, err
	}
	st := sts.Status
	rn.rollingOut = st.UpdateRevision != "" && st.CurrentRevision != st.UpdateRevision
	if pods, ok := r.Required[requiredPods]; ok {
		rn.readPods(pods)
	}
	return rn, nil
}

// readTopology reads the image and release mongod runs, whether it runs a replica set, and
// with how many members.
func (rn *running) readTopology(observed map[resource.Name]resource.ObservedComposed) error {
	sts := rn.sts
	if c := mongodContainer(&sts.Spec.Template.Spec); c != nil {
		rn.image = c.Image
		rn.version = releaseOf(c.Image)
		rn.replicaSet = slices.Contains(c.Args, "--replSet")
	}
	rn.replicaSet = rn.replicaSet || slices.ContainsFunc(sts.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool {
		return v.Name == keyfileVolume || v.Name == keyfileSecretVolume
	})
	rn.members = 1
	if !rn.replicaSet {
		return nil
	}
	var err error
	if rn.members, rn.reconfiguring, err = configuredMembers(observed); err != nil {
		return err
	}
	if rn.members == 0 && sts.Spec.Replicas != nil && validMembers(*sts.Spec.Replicas) {
		rn.members = *sts.Spec.Replicas
	}
	return nil
}

// readPods reads the release each member's pod runs, and whether a pod of the template being
// rolled out is ready. A pod that cannot be read tells nothing.
func (rn *running) readPods(pods []resource.Required) {
	update := rn.sts.Status.UpdateRevision
	rn.podVersions = make(map[string]string, len(pods))
	for _, p := range pods {
		pod := &corev1.Pod{}
		if err := decode(p.Resource.Object, pod); err != nil {
			continue
		}
		version := ""
		if c := mongodContainer(&pod.Spec); c != nil {
			version = releaseOf(c.Image)
		}
		rn.podVersions[pod.GetName()] = version
		if update != "" && pod.GetLabels()[appsv1.ControllerRevisionHashLabelKey] == update && podReady(pod) {
			rn.updatedReady = true
		}
	}
}

// configuredMembers is the member count of the replica set Job the function composed last,
// and whether that Job is still running. Job pipeline names carry their member count; the
// largest valid one wins, which is the strictest for the scale-down guard.
func configuredMembers(observed map[resource.Name]resource.ObservedComposed) (int32, bool, error) {
	var members int32
	var running bool
	for name, oc := range observed {
		n, ok := strings.CutPrefix(string(name), replicaSetJobPrefix)
		if !ok {
			continue
		}
		count, err := strconv.ParseInt(n, 10, 32)
		if err != nil || !validMembers(int32(count)) || int32(count) < members {
			continue
		}
		job := &batchv1.Job{}
		if err := decode(oc.Resource.Object, job); err != nil {
			return 0, false, errors.Wrapf(err, "cannot read the observed Job %s", oc.Resource.GetName())
		}
		members, running = int32(count), !jobFinished(job)
	}
	return members, running, nil
}

// validMembers tells whether n is a member count a replica set can have.
func validMembers(n int32) bool { return n >= 3 && n <= MaxReplicas && n%2 == 1 }

func jobFinished(job *batchv1.Job) bool {
	return slices.ContainsFunc(job.Status.Conditions, func(c batchv1.JobCondition) bool {
		return (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue
	})
}

func mongodContainer(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == container {
			return &spec.Containers[i]
		}
	}
	return nil
}

func podReady(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && slices.ContainsFunc(p.Status.Conditions, func(c corev1.PodCondition) bool {
		return c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue
	})
}

// oldestPodVersion is the oldest release the pods run, "" when none is known or one is
// unknown.
func (rn *running) oldestPodVersion() string {
	oldest := ""
	for _, v := range rn.podVersions {
		if v == "" {
			return ""
		}
		if oldest == "" || releaseIndex(v) < releaseIndex(oldest) {
			oldest = v
		}
	}
	return oldest
}

// decode reads an observed object (or under prefix, a part of one) into its API type.
func decode(obj any, into any, prefix ...string) error {
	return goldenpath.Decode(obj, into, strings.Join(prefix, "."))
}
