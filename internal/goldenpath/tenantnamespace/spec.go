package tenantnamespace

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/tenantnamespace/v1alpha1"
)

// Values of spec.podSecurity and spec.network.
const (
	podSecurityRestricted = "restricted"
	podSecurityBaseline   = "baseline"
	podSecurityPrivileged = "privileged"

	networkIsolated = "isolated"
	networkOpen     = "open"
)

// team is the team's Backstage group.
type team struct {
	// Namespace of the group's entity, e.g. default.
	Namespace string
	// Name of the group, and of its Kubernetes group.
	Name string
}

// Ref is the group's entity reference, e.g. group:default/team-a.
func (t team) Ref() string { return "group:" + t.Namespace + "/" + t.Name }

// params are a validated, defaulted spec.
type params struct {
	Team               team
	Quota              string
	PodSecurity        string
	Network            string
	DeletionProtection bool
}

// resolve defaults and validates a spec, returning every problem with its field.
func resolve(s v1alpha1.Spec) (params, field.ErrorList) {
	spec := field.NewPath("spec")
	p := params{
		Quota:              ptr.Deref(s.Quota, v1alpha1.DefaultQuota),
		PodSecurity:        ptr.Deref(s.PodSecurity, v1alpha1.DefaultPodSecurity),
		Network:            ptr.Deref(s.Network, v1alpha1.DefaultNetwork),
		DeletionProtection: ptr.Deref(s.DeletionProtection, v1alpha1.DefaultDeletionProtection),
	}
	var errs field.ErrorList
	t, ok := parseTeam(s.Team)
	if !ok {
		errs = append(errs, field.Invalid(spec.Child("team"), s.Team, "must be a Backstage group, e.g. team-a or group:default/team-a"))
	}
	p.Team = t
	if _, ok := quotas[p.Quota]; !ok {
		errs = append(errs, field.NotSupported(spec.Child("quota"), p.Quota, []string{"small", "medium", "large"}))
	}
	switch p.PodSecurity {
	case podSecurityRestricted, podSecurityBaseline, podSecurityPrivileged:
	default:
		errs = append(errs, field.NotSupported(spec.Child("podSecurity"), p.PodSecurity, []string{podSecurityRestricted, podSecurityBaseline, podSecurityPrivileged}))
	}
	if p.Network != networkIsolated && p.Network != networkOpen {
		errs = append(errs, field.NotSupported(spec.Child("network"), p.Network, []string{networkIsolated, networkOpen}))
	}
	return p, errs
}

// parseTeam reads a group as a name or an entity reference: team-a, group:team-a or
// group:default/team-a, each part as Backstage accepts it.
func parseTeam(s string) (team, bool) {
	ref, ok := goldenpath.ParseEntityRef(s, "group", "default")
	if !ok || !strings.EqualFold(ref.Kind, "group") {
		return team{Namespace: "default", Name: s}, false
	}
	return team{Namespace: ref.Namespace, Name: ref.Name}, true
}
