package stateful

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Reasons of refused changes, in the XR's SpecAccepted condition.
const (
	ReasonStorageShrinkRefused      = "StorageShrinkRefused"
	ReasonStorageResizeUnsupported  = "StorageResizeUnsupported"
	ReasonStorageClassChangeRefused = "StorageClassChangeRefused"
	ReasonDowngradeRefused          = "DowngradeRefused"
	ReasonUpgradeSkipsRelease       = "UpgradeSkipsRelease"
	ReasonReleaseChangeRefused      = "ReleaseChangeRefused"
	ReasonVersionUnknown            = "VersionUnknown"
	ReasonTopologyChangeRefused     = "TopologyChangeRefused"
	ReasonScaleDownTooFar           = "ScaleDownTooFar"
	ReasonRolloutInProgress         = "RolloutInProgress"
)

// The XR fields the guards refuse changes of; every stateful golden path names them alike.
//
//nolint:gochecknoglobals // Constant paths.
var (
	spec            = field.NewPath("spec")
	fieldVersion    = spec.Child("version")
	fieldStorage    = spec.Child("storageGB")
	fieldStorageCls = spec.Child("storageClassName")
	fieldReplicas   = spec.Child("replicas")
)

// Want is what a spec asks of the members, as the guards see it.
type Want struct {
	// Version is the release, as Engine.Releases names it.
	Version string
	// Image is the image to keep as it runs (e.g. pinned by digest), set by Settle when the
	// release does not change; empty composes the release's image.
	Image string
	// Storage of each member's data volume.
	Storage resource.Quantity
	// StorageClassName of the data volumes, empty for the cluster's default.
	StorageClassName string
	// Replicas is the member count.
	Replicas int32
}

// Settle turns what the spec asks for into what to roll out, given what runs. A change that
// would lose data or break the running instance is not rolled out: the value keeps what runs
// and a Refusal says why. Everything else in the spec still applies. What runs is read from
// observed state, which anyone may have changed: a value that cannot be read makes its guard
// refuse, and a cluster whose member count cannot be told at all is an error, since no count is
// safe to compose.
func (e Engine) Settle(want Want, rn *Running) (Want, []goldenpath.Refusal, error) {
	if rn == nil {
		return want, nil, nil
	}
	got := want
	var refused []goldenpath.Refusal
	for _, rule := range []func(*Want, *Running) *goldenpath.Refusal{e.settleStorage, e.settleStorageClass, e.settleRelease} {
		if rf := rule(&got, rn); rf != nil {
			refused = append(refused, *rf)
		}
	}
	rf, err := e.settleReplicas(&got, rn)
	if err != nil {
		return Want{}, nil, err
	}
	if rf != nil {
		refused = append(refused, *rf)
	}
	return got, refused, nil
}

func refusal(path *field.Path, reason, format string, args ...any) *goldenpath.Refusal {
	rf := goldenpath.Refuse(path, reason, format, args...)
	return &rf
}

// settleStorage keeps the volume size as the StatefulSet has it, in its own units: its
// volume claim templates cannot change, and a volume cannot shrink without losing data.
func (e Engine) settleStorage(w *Want, rn *Running) *goldenpath.Refusal {
	claim := e.DataClaim(rn)
	if claim == nil {
		return nil
	}
	q, ok := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return nil
	}
	asked := w.Storage
	w.Storage = q
	switch asked.Cmp(q) {
	case 0:
		return nil
	case -1:
		return refusal(fieldStorage, ReasonStorageShrinkRefused, "cannot shrink the volumes from %s to %s without losing data; they keep %s", SizeOf(q), SizeOf(asked), SizeOf(q))
	default:
		return refusal(fieldStorage, ReasonStorageResizeUnsupported, "the StatefulSet's volume template cannot change from %s to %s; grow each PersistentVolumeClaim %s-%s-<n> instead (its storage class must allow expansion)",
			SizeOf(q), SizeOf(asked), e.DataVolume, rn.StatefulSet.GetName())
	}
}

// settleStorageClass keeps the storage class of the volumes that exist.
func (e Engine) settleStorageClass(w *Want, rn *Running) *goldenpath.Refusal {
	claim := e.DataClaim(rn)
	if claim == nil {
		return nil
	}
	running := ""
	if claim.Spec.StorageClassName != nil {
		running = *claim.Spec.StorageClassName
	}
	if running == w.StorageClassName {
		return nil
	}
	asked := w.StorageClassName
	w.StorageClassName = running
	return refusal(fieldStorageCls, ReasonStorageClassChangeRefused, "the volumes exist in %s; moving them to %s needs a migration, not an update",
		storageClass(running), storageClass(asked))
}

func storageClass(name string) string {
	if name == "" {
		return "the cluster's default storage class"
	}
	return fmt.Sprintf("storage class %q", name)
}

// settleRelease allows only the release changes the engine's data files survive. The running
// release is read from the images of the StatefulSet and of its pods; when one cannot be read
// (an image pinned by digest alone, a tag such as latest) no release change is rolled out.
// While a rollout is in progress, only going on with it is allowed, or going back when none of
// its new pods ever became ready.
func (e Engine) settleRelease(w *Want, rn *Running) *goldenpath.Refusal {
	if rn.Release == "" {
		asked := w.Version
		w.Version, w.Image = "", rn.Image
		return refusal(fieldVersion, ReasonVersionUnknown, "cannot tell which %s release the image %q runs, so %s cannot be checked against it; the image is kept. Give the StatefulSet %s an image tagged with its release (%s, or %s@sha256:… to pin a digest)",
			e.Name, rn.Image, asked, rn.StatefulSet.GetName(), e.imageExample(), e.imageExample())
	}
	keep := func() string {
		asked := w.Version
		w.Version, w.Image = rn.Release, rn.Image
		return asked
	}
	if rn.RollingOut {
		previous := e.oldestPodRelease(rn)
		switch {
		case w.Version == rn.Release:
		case w.Version == previous && e.ReleaseIndex(previous) < e.ReleaseIndex(rn.Release) && !rn.UpdatedReady:
			// Back from an upgrade whose new pods never became ready: their data files
			// were never opened by the new release.
		default:
			asked := keep()
			return refusal(fieldVersion, ReasonRolloutInProgress, "the rollout of %s %s is still in progress; %s can be asked for once it has finished%s",
				e.Name, rn.Release, asked, backHint(previous, rn))
		}
	} else if rf := e.releaseChange(w, rn, keep); rf != nil {
		return rf
	}
	if w.Version == rn.Release {
		// The image may be kept as it runs, e.g. pinned by digest; see Image.
		w.Image = rn.Image
	}
	return nil
}

// releaseChange refuses a change from the running release that the engine does not allow.
func (e Engine) releaseChange(w *Want, rn *Running, keep func() string) *goldenpath.Refusal {
	from, to := e.ReleaseIndex(rn.Release), e.ReleaseIndex(w.Version)
	switch {
	case from == to:
		return nil
	case e.Upgrade == UpgradeNever:
		asked := keep()
		return refusal(fieldVersion, ReasonReleaseChangeRefused, "cannot change %s from %s to %s in place: its data files need a migration; it keeps running %s%s", e.Name, rn.Release, asked, rn.Release, e.migration())
	case to < from:
		asked := keep()
		return refusal(fieldVersion, ReasonDowngradeRefused, "cannot downgrade from %s to %s: its data files would not open; it keeps running %s", rn.Release, asked, rn.Release)
	case to > from+1 && e.Upgrade == UpgradeOneRelease:
		asked := keep()
		return refusal(fieldVersion, ReasonUpgradeSkipsRelease, "%s upgrades one release at a time; upgrade from %s to %s first, then to %s", e.Name, rn.Release, e.Releases[from+1], asked)
	}
	return nil
}

// migration is the engine's Migration for a message, or nothing.
func (e Engine) migration() string {
	if e.Migration == "" {
		return ""
	}
	return ". " + e.Migration
}

func (e Engine) imageExample() string {
	return e.Image + ":" + e.Releases[len(e.Releases)/2]
}

func backHint(previous string, rn *Running) string {
	if previous == "" || previous == rn.Release || rn.UpdatedReady {
		return ""
	}
	return fmt.Sprintf(" (or go back to %s while none of the new pods is ready)", previous)
}

// settleReplicas keeps the topology: a cluster never becomes a single server. With a quorum,
// it scales down only as far as keeps a majority of the configured members; it changes
// nothing while a rollout or a reconfiguration is in progress. The configured member count
// comes from the Job the function composed, not from a replica count someone can scale by
// hand.
func (e Engine) settleReplicas(w *Want, rn *Running) (*goldenpath.Refusal, error) {
	if !rn.Clustered {
		return nil, nil //nolint:nilnil // A single server may become a cluster.
	}
	if rn.Members == 0 {
		return nil, errors.Errorf("%s: cannot tell how many members the %s %s has: no %s Job is observed and the StatefulSet's replicas (%s) are not a member count; scale the StatefulSet back to the %s's member count (kubectl scale statefulset %s --replicas=<%s>)",
			fieldReplicas, e.Cluster, rn.StatefulSet.GetName(), e.Cluster, replicasOf(rn), e.Cluster, rn.StatefulSet.GetName(), e.memberCounts())
	}
	asked := w.Replicas
	if asked == rn.Members {
		return nil, nil //nolint:nilnil // Nothing changes.
	}
	w.Replicas = rn.Members
	switch {
	case asked == 1:
		return refusal(fieldReplicas, ReasonTopologyChangeRefused, "cannot turn a %s of %d members into a %s; it keeps %d members", e.Cluster, rn.Members, e.Single, rn.Members), nil
	case rn.Reconfiguring || rn.RollingOut:
		return refusal(fieldReplicas, ReasonRolloutInProgress, "the %s is still changing (%s); %d members can be asked for once it has finished, it keeps %d for now",
			e.Cluster, inProgress(rn), asked, rn.Members), nil
	case e.Quorum && asked < rn.Members && asked <= rn.Members/2:
		return refusal(fieldReplicas, ReasonScaleDownTooFar, "scaling from %d to %d members would leave no majority to reconfigure the set; scale down to %d first", rn.Members, asked, e.smallestMajority(rn.Members)), nil
	}
	w.Replicas = asked
	return nil, nil //nolint:nilnil // The change rolls out.
}

// memberCounts lists the valid member counts for a message, e.g. "3, 5 or 7".
func (e Engine) memberCounts() string {
	var counts []string
	for n := int32(2); n <= 16; n++ {
		if e.ValidMembers(n) {
			counts = append(counts, strconv.Itoa(int(n)))
		}
	}
	if len(counts) < 2 {
		return strings.Join(counts, "")
	}
	return strings.Join(counts[:len(counts)-1], ", ") + " or " + counts[len(counts)-1]
}

func inProgress(rn *Running) string {
	if rn.Reconfiguring {
		return fmt.Sprintf("the Job that configures %d members has not finished", rn.Members)
	}
	return "a rollout of the StatefulSet is in progress"
}

func replicasOf(rn *Running) string {
	if rn.StatefulSet.Spec.Replicas == nil {
		return "absent"
	}
	return strconv.Itoa(int(*rn.StatefulSet.Spec.Replicas))
}

// smallestMajority is the smallest valid member count that keeps a majority of n members.
func (e Engine) smallestMajority(n int32) int32 {
	m := n/2 + 1
	for !e.ValidMembers(m) && m < n {
		m++
	}
	return m
}

// SizeOf is a volume size for humans: "10 GiB" when it is whole GiB, else as written ("10G").
func SizeOf(q resource.Quantity) string {
	const gib = 1 << 30
	if v := q.Value(); v%gib == 0 {
		return fmt.Sprintf("%d GiB", v/gib)
	}
	return q.String()
}
