package mongodb

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/mongodb/v1alpha1"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Spec is the spec of a MongoDB XR, as its API declares it. Pointers tell an absent field,
// which gets its default, from an explicit zero, which is invalid.
type Spec = v1alpha1.Spec

// MaxReplicas is MongoDB's limit of voting members in a replica set.
const MaxReplicas = 7

// engine is what the stateful kit needs to know of MongoDB.
//
//nolint:gochecknoglobals // A description of the engine, read only.
var engine = stateful.Engine{
	Name:       Name,
	Image:      "mongo",
	Container:  container,
	DataVolume: dataVolume,
	// MongoDB upgrades one release at a time, so the order also says which upgrades are
	// allowed.
	Releases:     []string{"6.0", "7.0", "8.0"},
	Upgrade:      stateful.UpgradeOneRelease,
	Cluster:      "replica set",
	Single:       "standalone server",
	Clustered:    runsReplicaSet,
	ValidMembers: func(n int32) bool { return n >= 3 && n <= MaxReplicas && n%2 == 1 },
	Quorum:       true,
	MembersJob:   replicaSetJobPrefix,
	// mongod's smallest WiredTiger cache (0.25 GB) and its own overhead.
	MinMemory: resource.MustParse("512Mi"),
}

// runsReplicaSet tells from a pod template whether mongod runs a replica set: with --replSet,
// or with the keyfile its members authenticate with.
func runsReplicaSet(spec *corev1.PodSpec) bool {
	if slices.ContainsFunc(spec.Containers, func(c corev1.Container) bool { return c.Name == container && slices.Contains(c.Args, "--replSet") }) {
		return true
	}
	return slices.ContainsFunc(spec.Volumes, func(v corev1.Volume) bool {
		return v.Name == keyfileVolume || v.Name == keyfileSecretVolume
	})
}

// params are a validated, defaulted spec: what the blueprint composes from. The members'
// release, image, storage and count are settled by the kit's guards against what runs.
type params struct {
	stateful.Resolved
}

// ReplicaSet tells whether the instance is a replica set rather than a standalone server.
func (p params) ReplicaSet() bool { return p.Replicas > 1 }

// resolve defaults and validates a spec, returning every problem with its field.
func resolve(s Spec, in *v1beta1.Input) (params, field.ErrorList) {
	r, errs := engine.Resolve(stateful.Asked{
		Version:          ptr.Deref(s.Version, v1alpha1.DefaultVersion),
		Replicas:         ptr.Deref(s.Replicas, v1alpha1.DefaultReplicas),
		StorageGB:        ptr.Deref(s.StorageGB, v1alpha1.DefaultStorageGB),
		StorageClassName: ptr.Deref(s.StorageClassName, in.StorageClassName),
		Size:             ptr.Deref(s.Size, v1alpha1.DefaultSize),
		Access:           s.Access,
	}, in, fmt.Sprintf("must be 1 for a standalone server or an odd number up to %d for a replica set (an even number of members cannot elect a primary after losing half)", MaxReplicas))
	return params{Resolved: r}, errs
}

// describe is the instance for humans, e.g. "MongoDB 7.0 replica set of 3 members, 10 GiB each".
func (p params) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "MongoDB %s ", cmp.Or(p.Version, "(unknown release)"))
	if p.ReplicaSet() {
		fmt.Fprintf(&b, "replica set of %d members, %s each", p.Replicas, stateful.SizeOf(p.Storage))
	} else {
		fmt.Fprintf(&b, "standalone server, %s", stateful.SizeOf(p.Storage))
	}
	fmt.Fprintf(&b, " (%s)", p.Size)
	return b.String()
}
