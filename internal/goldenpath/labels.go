package goldenpath

// Label keys written on composed resources and pod templates.
const (
	LabelName      = "app.kubernetes.io/name"
	LabelInstance  = "app.kubernetes.io/instance"
	LabelComponent = "app.kubernetes.io/component"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelVersion   = "app.kubernetes.io/version"

	// LabelKubernetesID is what the Backstage Kubernetes plugin matches an entity's
	// backstage.io/kubernetes-id annotation against.
	LabelKubernetesID = "backstage.io/kubernetes-id"

	// LabelComposite is the label Crossplane puts on composed resources, naming their XR.
	// The ingestor gives the XR's entity the selector crossplane.io/composite=<xr>, so pod
	// templates carry it too, and the XR's Kubernetes tab shows the pods.
	LabelComposite = "crossplane.io/composite"
)

// ManagedBy is the app.kubernetes.io/managed-by of everything this function composes.
const ManagedBy = "function-golden-path"

// SelectorLabels select the resources of one instance of a golden path. They are part of
// immutable selectors, so they may depend only on the golden path and the instance name.
func SelectorLabels(app string, inst Instance) map[string]string {
	return map[string]string{LabelName: app, LabelInstance: inst.Name}
}

// MaxInstanceNameLength is the longest instance name: a StatefulSet's pods carry a
// controller-revision-hash label "<name>-<10 chars>" that must fit in 63 characters.
const MaxInstanceNameLength = 52

// ComponentLabels select the resources of one component of an instance. They are part of
// selectors, which cannot change: nothing in them may depend on the spec.
func ComponentLabels(app string, inst Instance, component string) map[string]string {
	l := SelectorLabels(app, inst)
	l[LabelComponent] = component
	return l
}
