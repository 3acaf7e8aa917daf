package valkey

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
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/valkey/v1alpha1"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Spec is the spec of a Valkey XR, as its API declares it. Pointers tell an absent field,
// which gets its default, from an explicit zero, which is invalid.
type Spec = v1alpha1.Spec

// MaxReplicas bounds the members: a primary and up to 8 replicas, each with a Sentinel.
const MaxReplicas = 9

// Persistence modes of spec.persistence.
const (
	PersistenceNone = "None"
	PersistenceRDB  = "RDB"
	PersistenceAOF  = "AOF"
)

//nolint:gochecknoglobals // Tables of constants, read only.
var (
	persistenceModes  = []string{PersistenceNone, PersistenceRDB, PersistenceAOF}
	maxmemoryPolicies = []string{
		"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
		"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
	}
)

// engine is what the stateful kit needs to know of Valkey.
//
//nolint:gochecknoglobals // A description of the engine, read only.
var engine = stateful.Engine{
	Name:       Name,
	Image:      "valkey",
	Container:  container,
	DataVolume: dataVolume,
	// Every newer release reads the RDB and AOF files of the older ones; none reads newer
	// ones.
	Releases:     []string{"7.2", "8.0", "8.1"},
	Upgrade:      stateful.UpgradeForward,
	Cluster:      "primary with replicas",
	Single:       "standalone server",
	Clustered:    runsSentinel,
	ValidMembers: func(n int32) bool { return n >= 3 && n <= MaxReplicas },
	// Sentinels authorize a failover by a majority of every Sentinel they have known: a
	// scale-down must keep a majority of the members.
	Quorum: true,
	// The members the pod template lists, which kubectl scale does not change.
	TemplateMembers: templateMembers,
	// Valkey itself, its replication buffers and a fork for snapshots.
	MinMemory: resource.MustParse("256Mi"),
}

// runsSentinel tells from a pod template whether it runs a primary with replicas: with a
// Sentinel beside each member.
func runsSentinel(spec *corev1.PodSpec) bool {
	return slices.ContainsFunc(spec.Containers, func(c corev1.Container) bool { return c.Name == sentinelName })
}

// templateMembers is how many members the start scripts of a pod template know (MEMBERS of
// the valkey container), 0 when it lists none. Bounded: a list edited into millions of words
// is not a member count.
func templateMembers(spec *corev1.PodSpec) int32 {
	for _, c := range spec.Containers {
		if c.Name != container {
			continue
		}
		for _, e := range c.Env {
			if e.Name == envMembers {
				if n := len(strings.Fields(e.Value)); n <= MaxReplicas {
					return int32(n)
				}
			}
		}
	}
	return 0
}

// params are a validated, defaulted spec: what the blueprint composes from. The members'
// release, image, storage and count are settled by the kit's guards against what runs, the
// persistence by settlePersistence.
type params struct {
	stateful.Resolved

	Persistence     string
	MaxmemoryPolicy string
}

// Replicated tells whether the instance is a primary with replicas rather than a standalone
// server.
func (p params) Replicated() bool { return p.Replicas > 1 }

// resolve defaults and validates a spec, returning every problem with its field.
func resolve(s Spec, in *v1beta1.Input) (params, field.ErrorList) {
	r, errs := engine.Resolve(stateful.Asked{
		Version:          ptr.Deref(s.Version, v1alpha1.DefaultVersion),
		Replicas:         ptr.Deref(s.Replicas, v1alpha1.DefaultReplicas),
		StorageGB:        ptr.Deref(s.StorageGB, v1alpha1.DefaultStorageGB),
		StorageClassName: ptr.Deref(s.StorageClassName, in.StorageClassName),
		Size:             ptr.Deref(s.Size, v1alpha1.DefaultSize),
		Access:           s.Access,
	}, in, fmt.Sprintf("must be 1 for a standalone server or 3 to %d for a primary with replicas (Sentinel needs a majority of 3 or more to elect a new primary)", MaxReplicas))
	p := params{
		Resolved:        r,
		Persistence:     ptr.Deref(s.Persistence, v1alpha1.DefaultPersistence),
		MaxmemoryPolicy: ptr.Deref(s.MaxmemoryPolicy, v1alpha1.DefaultMaxmemoryPolicy),
	}
	spec := field.NewPath("spec")
	if !slices.Contains(persistenceModes, p.Persistence) {
		errs = append(errs, field.NotSupported(spec.Child("persistence"), p.Persistence, persistenceModes))
	}
	if !slices.Contains(maxmemoryPolicies, p.MaxmemoryPolicy) {
		errs = append(errs, field.NotSupported(spec.Child("maxmemoryPolicy"), p.MaxmemoryPolicy, maxmemoryPolicies))
	}
	return p, errs
}

// describe is the instance for humans, e.g. "Valkey 8.1 primary with 2 replicas, AOF, 10 GiB
// each (small)".
func (p params) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Valkey %s ", cmp.Or(p.Version, "(unknown release)"))
	if p.Replicated() {
		fmt.Fprintf(&b, "primary with %d replicas and Sentinel, %s persistence, %s each", p.Replicas-1, p.Persistence, stateful.SizeOf(p.Storage))
	} else {
		fmt.Fprintf(&b, "standalone server, %s persistence, %s", p.Persistence, stateful.SizeOf(p.Storage))
	}
	fmt.Fprintf(&b, " (%s)", p.Size)
	return b.String()
}
