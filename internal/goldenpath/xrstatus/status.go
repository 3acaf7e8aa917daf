// Package xrstatus is the part of an XR's status every golden path shares: each golden path's
// status type embeds Status, so that every generated XRD declares it alike.
// +kubebuilder:object:generate=false
package xrstatus

// Status the function writes into every golden path's XR.
type Status struct {
	// The name every composed resource's name starts with. It never changes.
	// +kubebuilder:title="Instance name"
	// +optional
	InstanceName string `json:"instanceName,omitempty"`

	// The 8-hex suffix that makes the instance's names unique.
	// +kubebuilder:title="Instance ID"
	// +optional
	InstanceID string `json:"instanceId,omitempty"` //nolint:tagliatelle // The XR's API, as it has always been written.

	// Provisioning until ready the first time, Ready, Degraded when it was ready and is not,
	// Failed when a resource failed.
	// +kubebuilder:title="Phase"
	// +kubebuilder:validation:Enum=Provisioning;Ready;Degraded;Failed
	// +optional
	Phase string `json:"phase,omitempty"`

	// Ready composed resources, as ready/total.
	// +kubebuilder:title="Ready resources"
	// +optional
	ReadyResources string `json:"readyResources,omitempty"`

	// Readiness of each composed resource.
	// +kubebuilder:title="Resources"
	// +listType=atomic
	// +optional
	Resources []Resource `json:"resources,omitempty"`

	// The metadata.generation this status describes (for Flux's health checks).
	// +kubebuilder:title="Observed generation"
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// Resource is the readiness of one composed resource.
type Resource struct {
	// +optional
	Name string `json:"name,omitempty"`
	// +optional
	Kind string `json:"kind,omitempty"`
	// +optional
	Ready bool `json:"ready,omitempty"`
	// +optional
	Message string `json:"message,omitempty"`
}
