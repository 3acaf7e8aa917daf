package goldenpath

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Scope of a golden path's XRs.
type Scope string

// Scopes an XR can have.
const (
	Namespaced Scope = "Namespaced"
	Cluster    Scope = "Cluster"
)

// A Registration is all the core knows of a golden path: one value per golden path, listed
// once in internal/registry.
type Registration struct {
	// Name by which the Input's goldenPath selects it, e.g. MongoDB.
	Name string
	// XR is the kind of its composite resources, and Scope their scope.
	XR    schema.GroupVersionKind
	Scope Scope
	// Condition is the XR condition type its Summary writes, e.g. DatabaseReady.
	Condition string
	// Composes are the kinds it composes: Crossplane must be allowed to manage them, and the
	// function to convert them.
	Composes []schema.GroupVersionKind
	// Reads are the kinds it asks Crossplane for as required resources: Crossplane must be
	// allowed to read them.
	Reads []schema.GroupVersionKind
	// Binds are the ClusterRoles its RoleBindings grant: Crossplane needs the bind verb on
	// them.
	Binds []string
	// Example is the directory of its example: XRD, Composition, XRs, observed state, RBAC.
	Example string
	// Blueprint composes it.
	Blueprint Blueprint
}
