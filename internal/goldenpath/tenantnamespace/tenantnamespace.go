// Package tenantnamespace is the TenantNamespace golden path: a namespace for a team, with Pod
// Security, a quota and default limits, network isolation, the team's group as its editors,
// and deletion protection while it holds workloads.
package tenantnamespace

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/tenantnamespace/v1alpha1"
)

// Name of the golden path, for the Input.
const Name = "TenantNamespace"

// App is the app.kubernetes.io/name of what this golden path composes.
const App = "tenantnamespace"

// ConditionNamespaceReady is the XR condition that says whether the namespace is ready for the team.
const ConditionNamespaceReady = "NamespaceReady"

// Pipeline names of the composed resources. They must never change: Crossplane deletes an
// observed resource whose pipeline name is no longer desired, and a Namespace takes all it
// holds with it.
const (
	NamespaceName     resource.Name = "tenant-namespace"
	QuotaName         resource.Name = "tenant-quota"
	LimitsName        resource.Name = "tenant-limits"
	DefaultDenyName   resource.Name = "tenant-default-deny"
	SameNamespaceName resource.Name = "tenant-same-namespace"
	TeamEditName      resource.Name = "tenant-team-edit"
)

// requiredNamespace is the key under which the function asks whether the namespace exists
// before it composes it: Crossplane would otherwise take over a namespace of someone else.
const requiredNamespace = "tenant-namespace-existing"

// Registration is what the function's core knows of the TenantNamespace golden path.
//
//nolint:gochecknoglobals // A description, read only.
var Registration = goldenpath.Registration{
	Name:      Name,
	XR:        schema.GroupVersionKind{Group: "platform.platform.io", Version: "v1alpha1", Kind: "TenantNamespace"},
	Scope:     goldenpath.Cluster,
	Condition: ConditionNamespaceReady,
	Composes: []schema.GroupVersionKind{
		corev1.SchemeGroupVersion.WithKind("Namespace"),
		corev1.SchemeGroupVersion.WithKind("ResourceQuota"),
		corev1.SchemeGroupVersion.WithKind("LimitRange"),
		networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"),
		rbacv1.SchemeGroupVersion.WithKind("RoleBinding"),
	},
	Binds:     []string{editRole},
	Example:   "example/tenantnamespace",
	Blueprint: Blueprint{},
}

// Blueprint composes a tenant namespace.
type Blueprint struct{}

var _ goldenpath.Blueprint = Blueprint{}

// build is what every component is built from.
type build struct {
	goldenpath.Request
	params

	// Namespace is the namespace's name: the XR's.
	Namespace string
}

func isolated(b build) bool { return b.Network == networkIsolated }

// components in the order they are composed and listed in the XR status.
//
//nolint:gochecknoglobals // A table, read only.
var components = []goldenpath.Component[build]{
	{Name: NamespaceName, Build: namespace, Workload: true},
	{Name: QuotaName, Build: quota},
	{Name: LimitsName, Build: limits},
	{Name: DefaultDenyName, When: isolated, Build: defaultDeny},
	{Name: SameNamespaceName, When: isolated, Build: sameNamespace},
	{Name: TeamEditName, Build: teamEdit},
}

// Compose validates the XR spec and composes the namespace and what governs it.
func (Blueprint) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	var s v1alpha1.Spec
	if err := goldenpath.Decode(r.XR.Resource.Object["spec"], &s, "spec"); err != nil {
		return nil, errors.Wrap(err, "cannot read the TenantNamespace spec")
	}
	p, errs := resolve(s)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	b := build{Request: r, params: p, Namespace: r.XR.Resource.GetName()}
	exists, err := b.ours()
	if err != nil {
		return nil, err
	}
	var refused []goldenpath.Refusal
	var rf *goldenpath.Refusal
	if b.DeletionProtection, rf = b.protection(); rf != nil {
		refused = append(refused, *rf)
	}
	resources, err := goldenpath.Compose(b, components)
	if err != nil {
		return nil, err
	}
	if !exists {
		resources = b.housed(resources)
	}
	return &goldenpath.Composition{
		Resources:   resources,
		Description: b.describe(b.Namespace),
		About:       fmt.Sprintf("Namespace %s of %s: its quota, isolation and state are in the status and NamespaceReady condition of TenantNamespace %s", b.Namespace, p.Team.Name, r.XR.Resource.GetName()),
		Owner:       p.Team.Ref(),
		System:      b.Namespace,
		Status:      v1alpha1.Status{Namespace: b.Namespace, DeletionProtection: b.DeletionProtection},
		Refused:     refused,
	}, nil
}

// Requirements asks, until the namespace is composed, whether a namespace of its name exists.
func (Blueprint) Requirements(r goldenpath.Request) map[string]*fnv1.ResourceSelector {
	if _, ok := r.Observed[NamespaceName]; ok {
		return nil
	}
	return map[string]*fnv1.ResourceSelector{requiredNamespace: {
		ApiVersion: "v1", Kind: "Namespace",
		Match: &fnv1.ResourceSelector_MatchName{MatchName: r.XR.Resource.GetName()},
	}}
}

// housed keeps, of the resources of a namespace that does not exist yet, the namespace and
// what exists already. Crossplane applies a composition's resources in no set order and stops
// at the first that fails; a ResourceQuota applied before its namespace fails the reconcile
// ("namespaces \"team-a\" not found") and Crossplane backs off, so, composed in one go, a new
// namespace took up to minutes to be ready. Now the namespace comes first and the rest with
// the reconcile its creation starts.
func (b build) housed(resources []goldenpath.Resource) []goldenpath.Resource {
	return slices.DeleteFunc(resources, func(r goldenpath.Resource) bool {
		_, exists := b.Observed[r.Name]
		return r.Name != NamespaceName && !exists
	})
}

// ours refuses to compose a namespace that exists and is not this instance's: Crossplane would
// take it over, and delete it, and all it holds, with the XR. It tells whether the namespace
// exists: composed, or this instance's to adopt.
func (b build) ours() (bool, error) {
	if _, ok := b.Observed[NamespaceName]; ok {
		return true, nil
	}
	existing, fetched := b.Required[requiredNamespace]
	if !fetched {
		return false, goldenpath.ErrRequirementsPending
	}
	for _, ns := range existing {
		if ns.Resource.GetName() != b.Namespace {
			continue
		}
		if owner := goldenpath.Label(ns.Resource.Object, goldenpath.LabelInstance); owner != b.Instance.Name {
			return false, field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), b.Namespace, fmt.Sprintf(
				"namespace %s exists and is not this TenantNamespace's (its %s label is %q, not %q): choose another name, or label the namespace %s=%s to hand it over, with everything it holds",
				b.Namespace, goldenpath.LabelInstance, goldenpath.Cut(owner), b.Instance.Name, goldenpath.LabelInstance, b.Instance.Name))}.ToAggregate()
		}
		return true, nil
	}
	return false, nil
}

// Summarize says whether the namespace is ready for the team.
func (Blueprint) Summarize(_ goldenpath.Request, c *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	return goldenpath.Summarize(ConditionNamespaceReady, rs, c.Description+" ready")
}

// describe is the namespace for humans, e.g. "namespace team-a of team-a (small quota,
// restricted, isolated, protected)".
func (p params) describe(ns string) string {
	traits := []string{p.Quota + " quota", p.PodSecurity, p.Network}
	if p.DeletionProtection {
		traits = append(traits, "protected from deletion")
	}
	return fmt.Sprintf("namespace %s of %s (%s)", ns, p.Team.Name, strings.Join(traits, ", "))
}
