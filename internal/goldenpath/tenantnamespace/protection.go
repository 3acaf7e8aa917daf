package tenantnamespace

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// ReasonDeletionProtectionKept is the reason of a refusal to turn deletion protection off.
const ReasonDeletionProtectionKept = "DeletionProtectionKept"

// protection settles spec.deletionProtection against what the namespace holds. It may always
// be turned on; it is turned off only once the namespace's quota counts no pod and no volume.
// A count that cannot be read (the quota missing, changed, or not counted yet) keeps the
// protection: an unknown never lets a namespace go.
func (b build) protection() (bool, *goldenpath.Refusal) {
	if b.DeletionProtection {
		return true, nil
	}
	ns, ok := b.Observed[NamespaceName]
	if !ok || goldenpath.Label(ns.Resource.Object, LabelDeletionProtection) != "true" {
		return false, nil
	}
	pods, volumes, known := held(b)
	if known && pods == 0 && volumes == 0 {
		return false, nil
	}
	holds := "cannot tell what it holds: its ResourceQuota has not counted its pods and volumes"
	if known {
		holds = fmt.Sprintf("it holds %d pods and %d volumes", pods, volumes)
	}
	return true, &goldenpath.Refusal{
		Field:  field.NewPath("spec", "deletionProtection"),
		Reason: ReasonDeletionProtectionKept,
		Message: fmt.Sprintf("deletion protection of namespace %s is kept on: %s; delete its workloads and volumes (back up their data first), then turn it off again",
			b.Namespace, holds),
	}
}

// maxCount bounds a count read from the quota's status.
const maxCount = 1 << 20

// held are the pods and the volumes the namespace's quota counts, and whether it counts them.
func held(b build) (int64, int64, bool) {
	q, ok := b.Observed[QuotaName]
	if !ok {
		return 0, 0, false
	}
	used, found, err := unstructured.NestedStringMap(q.Resource.Object, "status", "used")
	if err != nil || !found {
		return 0, 0, false
	}
	count := func(key string) (int64, bool) {
		v, ok := used[key]
		if !ok {
			return 0, false
		}
		n, err := goldenpath.ParseQuantity(v) // Bounded: the quota's status is untrusted.
		if err != nil {
			return 0, false
		}
		i, ok := n.AsInt64()
		return i, ok && i >= 0 && i < maxCount
	}
	pods, podsOK := count("pods")
	volumes, volumesOK := count("persistentvolumeclaims")
	return pods, volumes, podsOK && volumesOK
}
