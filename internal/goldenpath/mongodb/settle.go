package mongodb

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Reasons of refused changes.
const (
	ReasonStorageShrinkRefused      = "StorageShrinkRefused"
	ReasonStorageResizeUnsupported  = "StorageResizeUnsupported"
	ReasonStorageClassChangeRefused = "StorageClassChangeRefused"
	ReasonDowngradeRefused          = "DowngradeRefused"
	ReasonUpgradeSkipsRelease       = "UpgradeSkipsRelease"
	ReasonTopologyChangeRefused     = "TopologyChangeRefused"
	ReasonScaleDownTooFar           = "ScaleDownTooFar"
)

// settle turns the requested parameters into the ones to roll out, given what runs. A change
// that would lose data or break the running database is not rolled out: the parameter keeps
// its running value and a Refusal says why. Everything else in the spec still applies.
func settle(want params, sts *appsv1.StatefulSet) (params, []goldenpath.Refusal) {
	if sts == nil {
		return want, nil
	}
	got := want
	var refused []goldenpath.Refusal
	for _, rule := range []func(*params, *appsv1.StatefulSet) *goldenpath.Refusal{settleStorage, settleStorageClass, settleVersion, settleReplicas} {
		if rf := rule(&got, sts); rf != nil {
			refused = append(refused, *rf)
		}
	}
	return got, refused
}

// observedStatefulSet is the running StatefulSet, or nil while it does not exist.
func observedStatefulSet(observed map[resource.Name]resource.ObservedComposed) (*appsv1.StatefulSet, error) {
	oc, ok := observed[StatefulSetName]
	if !ok {
		return nil, nil //nolint:nilnil // Not existing yet is not an error.
	}
	sts := &appsv1.StatefulSet{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(oc.Resource.Object, sts); err != nil {
		return nil, errors.Wrap(err, "cannot read the observed StatefulSet")
	}
	return sts, nil
}

// settleStorage keeps the volume size: a StatefulSet's volume claim templates cannot change,
// and a volume cannot shrink without losing data.
func settleStorage(p *params, sts *appsv1.StatefulSet) *goldenpath.Refusal {
	claim := dataClaim(sts)
	if claim == nil {
		return nil
	}
	q, ok := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		return nil
	}
	const gib = 1 << 30
	running := q.Value() / gib
	if running == p.StorageGB {
		return nil
	}
	asked := p.StorageGB
	p.StorageGB = running
	if asked < running {
		return &goldenpath.Refusal{
			Field: "spec.storageGB", Reason: ReasonStorageShrinkRefused,
			Message: fmt.Sprintf("spec.storageGB: cannot shrink the volumes from %d to %d GiB without losing data; they keep %d GiB", running, asked, running),
		}
	}
	return &goldenpath.Refusal{
		Field: "spec.storageGB", Reason: ReasonStorageResizeUnsupported,
		Message: fmt.Sprintf("spec.storageGB: the StatefulSet's volume template cannot change from %d to %d GiB; grow each PersistentVolumeClaim %s-%s-<n> instead (its storage class must allow expansion)",
			running, asked, dataVolume, sts.GetName()),
	}
}

// settleStorageClass keeps the storage class of the volumes that exist.
func settleStorageClass(p *params, sts *appsv1.StatefulSet) *goldenpath.Refusal {
	claim := dataClaim(sts)
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
	return &goldenpath.Refusal{
		Field: "spec.storageClassName", Reason: ReasonStorageClassChangeRefused,
		Message: fmt.Sprintf("spec.storageClassName: the volumes exist in storage class %q; moving them to %q needs a migration, not an update", running, asked),
	}
}

// settleVersion allows upgrades one release at a time, as MongoDB requires, and no downgrade:
// a newer release's data files do not open in an older one.
func settleVersion(p *params, sts *appsv1.StatefulSet) *goldenpath.Refusal {
	running := runningVersion(sts)
	from, to := releaseIndex(running), releaseIndex(p.Version)
	if from < 0 || from == to {
		return nil
	}
	asked := p.Version
	switch {
	case to < from:
		p.Version = running
		return &goldenpath.Refusal{
			Field: "spec.version", Reason: ReasonDowngradeRefused,
			Message: fmt.Sprintf("spec.version: cannot downgrade from %s to %s: its data files would not open; it keeps running %s", running, asked, running),
		}
	case to > from+1:
		p.Version = running
		return &goldenpath.Refusal{
			Field: "spec.version", Reason: ReasonUpgradeSkipsRelease,
			Message: fmt.Sprintf("spec.version: MongoDB upgrades one release at a time; upgrade from %s to %s first, then to %s", running, releases[from+1].Version, asked),
		}
	}
	return nil
}

// settleReplicas keeps the topology (standalone or replica set) once it has shrunk to one,
// and scales a replica set down only as far as keeps a majority of the running members.
func settleReplicas(p *params, sts *appsv1.StatefulSet) *goldenpath.Refusal {
	if sts.Spec.Replicas == nil {
		return nil
	}
	running := *sts.Spec.Replicas
	asked := p.Replicas
	switch {
	case running > 1 && asked == 1:
		p.Replicas = running
		return &goldenpath.Refusal{
			Field: "spec.replicas", Reason: ReasonTopologyChangeRefused,
			Message: fmt.Sprintf("spec.replicas: cannot turn a replica set of %d members into a standalone server; it keeps %d members", running, running),
		}
	case asked < running && asked <= running/2:
		p.Replicas = running
		return &goldenpath.Refusal{
			Field: "spec.replicas", Reason: ReasonScaleDownTooFar,
			Message: fmt.Sprintf("spec.replicas: scaling from %d to %d members would leave no majority to reconfigure the set; scale down to %d first", running, asked, smallestMajority(running)),
		}
	}
	return nil
}

// smallestMajority is the smallest odd member count that keeps a majority of n members.
func smallestMajority(n int32) int32 {
	m := n/2 + 1
	if m%2 == 0 {
		m++
	}
	return m
}

func dataClaim(sts *appsv1.StatefulSet) *corev1.PersistentVolumeClaim {
	for i := range sts.Spec.VolumeClaimTemplates {
		if sts.Spec.VolumeClaimTemplates[i].GetName() == dataVolume {
			return &sts.Spec.VolumeClaimTemplates[i]
		}
	}
	return nil
}

// runningVersion is the image tag of the observed mongod container.
func runningVersion(sts *appsv1.StatefulSet) string {
	for _, c := range sts.Spec.Template.Spec.Containers {
		if c.Name != container {
			continue
		}
		if i := strings.LastIndex(c.Image, ":"); i >= 0 && !strings.Contains(c.Image[i:], "/") {
			return c.Image[i+1:]
		}
	}
	return ""
}
