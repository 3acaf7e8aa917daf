package mongodb

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Reasons of refused changes.
const (
	ReasonStorageShrinkRefused      = "StorageShrinkRefused"
	ReasonStorageResizeUnsupported  = "StorageResizeUnsupported"
	ReasonStorageClassChangeRefused = "StorageClassChangeRefused"
	ReasonDowngradeRefused          = "DowngradeRefused"
	ReasonUpgradeSkipsRelease       = "UpgradeSkipsRelease"
	ReasonVersionUnknown            = "VersionUnknown"
	ReasonTopologyChangeRefused     = "TopologyChangeRefused"
	ReasonScaleDownTooFar           = "ScaleDownTooFar"
	ReasonRolloutInProgress         = "RolloutInProgress"
)

var spec = field.NewPath("spec") //nolint:gochecknoglobals // A constant path.

// settle turns the requested parameters into the ones to roll out, given what runs. A change
// that would lose data or break the running database is not rolled out: the parameter keeps
// its running value and a Refusal says why. Everything else in the spec still applies. What
// runs is read from observed state, which anyone may have changed: a value that cannot be
// read makes its guard refuse, and a replica set whose member count cannot be told at all is
// an error, since no count is safe to compose.
func settle(want params, rn *running) (params, []goldenpath.Refusal, error) {
	if rn == nil {
		return want, nil, nil
	}
	got := want
	var refused []goldenpath.Refusal
	for _, rule := range []func(*params, *running) *goldenpath.Refusal{settleStorage, settleStorageClass, settleVersion} {
		if rf := rule(&got, rn); rf != nil {
			refused = append(refused, *rf)
		}
	}
	rf, err := settleReplicas(&got, rn)
	if err != nil {
		return params{}, nil, err
	}
	if rf != nil {
		refused = append(refused, *rf)
	}
	return got, refused, nil
}

func refusal(path *field.Path, reason, format string, args ...any) *goldenpath.Refusal {
	return &goldenpath.Refusal{Field: path.String(), Reason: reason, Message: path.String() + ": " + fmt.Sprintf(format, args...)}
}

// settleStorage keeps the volume size as the StatefulSet has it, in its own units: its
// volume claim templates cannot change, and a volume cannot shrink without losing data.
func settleStorage(p *params, rn *running) *goldenpath.Refusal {
	claim := dataClaim(rn)
	if claim == nil {
		return nil
	}
	q, ok := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return nil
	}
	asked := p.Storage
	p.Storage = q
	path := spec.Child("storageGB")
	switch asked.Cmp(q) {
	case 0:
		return nil
	case -1:
		return refusal(path, ReasonStorageShrinkRefused, "cannot shrink the volumes from %s to %s without losing data; they keep %s", sizeOf(q), sizeOf(asked), sizeOf(q))
	default:
		return refusal(path, ReasonStorageResizeUnsupported, "the StatefulSet's volume template cannot change from %s to %s; grow each PersistentVolumeClaim %s-%s-<n> instead (its storage class must allow expansion)",
			sizeOf(q), sizeOf(asked), dataVolume, rn.sts.GetName())
	}
}

// settleStorageClass keeps the storage class of the volumes that exist.
func settleStorageClass(p *params, rn *running) *goldenpath.Refusal {
	claim := dataClaim(rn)
	if claim == nil {
		return nil
	}
	running := ""
	if claim.Spec.StorageClassName != nil {
		running = *claim.Spec.StorageClassName
	}
	if running == p.StorageClassName {
		return nil
	}
	asked := p.StorageClassName
	p.StorageClassName = running
	return refusal(spec.Child("storageClassName"), ReasonStorageClassChangeRefused, "the volumes exist in %s; moving them to %s needs a migration, not an update",
		storageClass(running), storageClass(asked))
}

func storageClass(name string) string {
	if name == "" {
		return "the cluster's default storage class"
	}
	return fmt.Sprintf("storage class %q", name)
}

// settleVersion allows upgrades one release at a time, as MongoDB requires, and no downgrade:
// a newer release's data files do not open in an older one. The running release is read from
// the images of the StatefulSet and of its pods; when one cannot be read (an image pinned by
// digest alone, a tag such as latest) no version change is rolled out. While a rollout is in
// progress, only going on with it is allowed, or going back when none of its new pods ever
// became ready.
func settleVersion(p *params, rn *running) *goldenpath.Refusal {
	path := spec.Child("version")
	if rn.version == "" {
		asked := p.Version
		p.Version, p.Image = "", rn.image
		return refusal(path, ReasonVersionUnknown, "cannot tell which MongoDB release the image %q runs, so %s cannot be checked against it; the image is kept. Give the StatefulSet %s an image tagged with its release (mongo:7.0, or mongo:7.0@sha256:… to pin a digest)",
			rn.image, asked, rn.sts.GetName())
	}
	keep := func() { p.Version, p.Image = rn.version, rn.image }

	if rn.rollingOut {
		previous := rn.oldestPodVersion()
		switch {
		case p.Version == rn.version:
		case p.Version == previous && releaseIndex(previous) < releaseIndex(rn.version) && !rn.updatedReady:
			// Back from an upgrade whose new pods never became ready: their data files
			// were never opened by the new release.
		default:
			asked := p.Version
			keep()
			return refusal(path, ReasonRolloutInProgress, "the rollout of MongoDB %s is still in progress; %s can be asked for once it has finished%s",
				rn.version, asked, backHint(previous, rn))
		}
	} else {
		from, to := releaseIndex(rn.version), releaseIndex(p.Version)
		switch {
		case to < from:
			asked := p.Version
			keep()
			return refusal(path, ReasonDowngradeRefused, "cannot downgrade from %s to %s: its data files would not open; it keeps running %s", rn.version, asked, rn.version)
		case to > from+1:
			asked := p.Version
			keep()
			return refusal(path, ReasonUpgradeSkipsRelease, "MongoDB upgrades one release at a time; upgrade from %s to %s first, then to %s", rn.version, releases[from+1].Version, asked)
		}
	}
	if p.Version == rn.version {
		// The image may be kept as it runs, e.g. pinned by digest; see build.image.
		p.Image = rn.image
	}
	return nil
}

func backHint(previous string, rn *running) string {
	if previous == "" || previous == rn.version || rn.updatedReady {
		return ""
	}
	return fmt.Sprintf(" (or go back to %s while none of the new pods is ready)", previous)
}

// settleReplicas keeps the topology: a replica set never becomes a standalone server (mongod
// runs with --replSet and a keyfile). It scales a replica set down only as far as keeps a
// majority of its configured members, and changes nothing while a rollout or a
// reconfiguration is in progress. The configured member count comes from the replica set
// Job the function composed, not from a replica count someone can scale by hand.
func settleReplicas(p *params, rn *running) (*goldenpath.Refusal, error) {
	if !rn.replicaSet {
		return nil, nil //nolint:nilnil // A standalone server may become a replica set.
	}
	path := spec.Child("replicas")
	if rn.members == 0 {
		return nil, errors.Errorf("%s: cannot tell how many members the replica set %s has: no replica set Job is observed and the StatefulSet's replicas (%s) are not a member count; scale the StatefulSet back to the replica set's member count (kubectl scale statefulset %s --replicas=<3, 5 or 7>)",
			path, rn.sts.GetName(), replicasOf(rn), rn.sts.GetName())
	}
	asked := p.Replicas
	if asked == rn.members {
		return nil, nil //nolint:nilnil // Nothing changes.
	}
	p.Replicas = rn.members
	switch {
	case asked == 1:
		return refusal(path, ReasonTopologyChangeRefused, "cannot turn a replica set of %d members into a standalone server; it keeps %d members", rn.members, rn.members), nil
	case rn.reconfiguring || rn.rollingOut:
		return refusal(path, ReasonRolloutInProgress, "the replica set is still changing (%s); %d members can be asked for once it has finished, it keeps %d for now",
			inProgress(rn), asked, rn.members), nil
	case asked < rn.members && asked <= rn.members/2:
		return refusal(path, ReasonScaleDownTooFar, "scaling from %d to %d members would leave no majority to reconfigure the set; scale down to %d first", rn.members, asked, smallestMajority(rn.members)), nil
	}
	p.Replicas = asked
	return nil, nil //nolint:nilnil // The change rolls out.
}

func inProgress(rn *running) string {
	if rn.reconfiguring {
		return fmt.Sprintf("the Job that configures %d members has not finished", rn.members)
	}
	return "a rollout of the StatefulSet is in progress"
}

func replicasOf(rn *running) string {
	if rn.sts.Spec.Replicas == nil {
		return "absent"
	}
	return strconv.Itoa(int(*rn.sts.Spec.Replicas))
}

// smallestMajority is the smallest odd member count that keeps a majority of n members.
func smallestMajority(n int32) int32 {
	m := n/2 + 1
	if m%2 == 0 {
		m++
	}
	return m
}

func dataClaim(rn *running) *corev1.PersistentVolumeClaim {
	for i := range rn.sts.Spec.VolumeClaimTemplates {
		if rn.sts.Spec.VolumeClaimTemplates[i].GetName() == dataVolume {
			return &rn.sts.Spec.VolumeClaimTemplates[i]
		}
	}
	return nil
}
