package postgresql

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/postgresql/v1alpha1"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Spec is the spec of a PostgreSQL XR, as its API declares it. Pointers tell an absent field,
// which gets its default, from an explicit zero, which is invalid.
type Spec = v1alpha1.Spec

// MaxReplicas bounds the members: one primary and up to four standbys.
const MaxReplicas = 5

// engine is what the stateful kit needs to know of PostgreSQL.
//
//nolint:gochecknoglobals // A description of the engine, read only.
var engine = stateful.Engine{
	Name:       Name,
	Image:      "postgres",
	Container:  container,
	DataVolume: dataVolume,
	// The official image's tags name the major; a major's data files open in that major only.
	Releases:  []string{"14", "15", "16", "17", "18"},
	Upgrade:   stateful.UpgradeNever,
	Migration: "Upgrade the data with pg_upgrade, or dump and restore it into a new instance of the new version (pg_dumpall | psql), then point the applications at it; the README's PostgreSQL section has the steps",
	// Standbys hold copies of the primary's data: any count can be composed, and a standby
	// removed takes nothing with it (its volume is kept). The topology is not read from the
	// pod template: every member runs the same one, the primary is ordinal 0.
	Cluster:      "primary with standbys",
	Single:       "primary",
	ValidMembers: func(n int32) bool { return n >= 1 && n <= MaxReplicas },
	// postgres in a small shared_buffers and a few connections.
	MinMemory: resource.MustParse("256Mi"),
}

// params are a validated, defaulted spec: what the blueprint composes from. The members'
// release, image and storage are settled by the kit's guards against what runs.
type params struct {
	stateful.Resolved

	Database string
	Owner    string
	// Parameters are spec.parameters, checked, by name.
	Parameters map[string]string
}

// resolve defaults and validates a spec, returning every problem with its field: what every
// data service's spec holds (the kit's Resolve), then the database, its owner and the
// parameters.
func resolve(s Spec, in *v1beta1.Input) (params, field.ErrorList) {
	spec := field.NewPath("spec")
	r, errs := engine.Resolve(stateful.Asked{
		Version:          ptr.Deref(s.Version, v1alpha1.DefaultVersion),
		Replicas:         ptr.Deref(s.Replicas, v1alpha1.DefaultReplicas),
		StorageGB:        ptr.Deref(s.StorageGB, v1alpha1.DefaultStorageGB),
		StorageClassName: ptr.Deref(s.StorageClassName, in.StorageClassName),
		Size:             ptr.Deref(s.Size, v1alpha1.DefaultSize),
		Access:           s.Access,
	}, in, fmt.Sprintf("must be from 1 (a primary alone) to %d (a primary and %d standbys)", MaxReplicas, MaxReplicas-1))
	p := params{
		Resolved:   r,
		Database:   ptr.Deref(s.Database, v1alpha1.DefaultDatabase),
		Owner:      ptr.Deref(s.Owner, v1alpha1.DefaultOwner),
		Parameters: s.Parameters,
	}
	errs = append(errs, validateName(spec.Child("database"), p.Database, "postgres", "template0", "template1")...)
	errs = append(errs, validateName(spec.Child("owner"), p.Owner, superuser, replicationUser)...)
	// Parameters are checked against the preset's memory, once it has one.
	if !slices.ContainsFunc(errs, func(e *field.Error) bool { return e.Field == "spec.size" }) {
		errs = append(errs, validateParameters(spec.Child("parameters"), p.Parameters, p.Preset)...)
	}
	return p, errs
}

// validateName checks a database or role name: a lowercase SQL identifier that needs no
// quoting, and none of the names the golden path keeps for itself.
func validateName(path *field.Path, name string, reserved ...string) field.ErrorList {
	if !identifier.MatchString(name) {
		return field.ErrorList{field.Invalid(path, name, "must be a lowercase name of letters, digits and '_', starting with a letter or '_', at most 63 characters")}
	}
	for _, r := range reserved {
		if name == r {
			return field.ErrorList{field.Invalid(path, name, fmt.Sprintf("%q is kept for PostgreSQL's own use; choose another name", r))}
		}
	}
	if strings.HasPrefix(name, "pg_") {
		return field.ErrorList{field.Invalid(path, name, "names starting with pg_ are PostgreSQL's own")}
	}
	return nil
}

// describe is the instance for humans, e.g. "PostgreSQL 17 primary with 2 standbys, 10 GiB each".
func (p params) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "PostgreSQL %s ", cmp.Or(p.Version, "(unknown version)"))
	switch p.Replicas {
	case 1:
		fmt.Fprintf(&b, "primary, %s", stateful.SizeOf(p.Storage))
	case 2:
		fmt.Fprintf(&b, "primary with 1 standby, %s each", stateful.SizeOf(p.Storage))
	default:
		fmt.Fprintf(&b, "primary with %d standbys, %s each", p.Replicas-1, stateful.SizeOf(p.Storage))
	}
	fmt.Fprintf(&b, " (%s)", p.Size)
	return b.String()
}
