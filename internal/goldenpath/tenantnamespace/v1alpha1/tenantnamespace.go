// Package v1alpha1 is the TenantNamespace golden path's API, platform.platform.io/v1alpha1
// TenantNamespace: the one source of example/tenantnamespace/xrd.yaml and of the spec's
// defaults, both generated from it by make generate (controller-gen and hack/xrdgen).
// +kubebuilder:object:generate=false
// +groupName=platform.platform.io
// +versionName=v1alpha1
package v1alpha1

//go:generate sh -c "controller-gen crd paths=. output:crd:stdout | go run ../../../../hack/xrdgen -types . -xrd ../../../../example/tenantnamespace/xrd.yaml -defaults zz_generated.defaults.go"

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/xrstatus"
)

// TenantNamespace is a namespace for a team, named after the XR: Pod Security, a quota and
// default limits, isolated from other namespaces, editable by the team's group, and protected
// from deletion while it holds workloads.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories={crossplane,platform},path=tenantnamespaces
// +kubebuilder:printcolumn:name=Team,type=string,JSONPath=`.spec.team`
// +kubebuilder:printcolumn:name=Quota,type=string,JSONPath=`.spec.quota`
// +kubebuilder:printcolumn:name=Phase,type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name=Namespace,type=string,JSONPath=`.status.namespace`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="metadata.name, the namespace's name, must start with a letter, hold only lowercase letters, digits and '-', and be at most 63 characters"
// +xrd:defaultCompositionRef=tenantnamespace.platform.platform.io
// +xrd:annotation=terasky.backstage.io/add-to-catalog=true
// +xrd:annotation=terasky.backstage.io/template-description=A namespace for your team: Pod Security, a quota, network isolation and your group as its editors.
type TenantNamespace struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec   `json:"spec"`
	Status Status `json:"status,omitempty"`
}

// Spec is what the team asks for.
type Spec struct {
	// The team's Backstage group, e.g. team-a or group:default/team-a. Its Kubernetes group of
	// the same name may edit the namespace, and it owns the namespace's catalog entities.
	// +kubebuilder:title="Team"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +xrd:ui:order=1
	Team string `json:"team"`

	// Quota preset: small, medium or large.
	// +kubebuilder:title="Quota"
	// +kubebuilder:validation:Enum=small;medium;large
	// +kubebuilder:default="small"
	// +xrd:ui:order=2
	// +optional
	Quota *string `json:"quota,omitempty"`

	// Pod Security level enforced on the namespace's pods.
	// +kubebuilder:title="Pod Security"
	// +kubebuilder:validation:Enum=restricted;baseline;privileged
	// +kubebuilder:default="restricted"
	// +xrd:ui:advanced
	// +optional
	PodSecurity *string `json:"podSecurity,omitempty"`

	// isolated lets in traffic from the namespace itself only (and what each app opens);
	// open lets in any.
	// +kubebuilder:title="Network"
	// +kubebuilder:validation:Enum=isolated;open
	// +kubebuilder:default="isolated"
	// +xrd:ui:advanced
	// +optional
	Network *string `json:"network,omitempty"`

	// Refuse deletion of the namespace. It can be turned off only once the namespace holds no
	// pods and no volumes.
	// +kubebuilder:title="Deletion protection"
	// +kubebuilder:default=true
	// +xrd:ui:advanced
	// +optional
	DeletionProtection *bool `json:"deletionProtection,omitempty"`
}

// Status is written by function-golden-path.
type Status struct {
	xrstatus.Status `json:",inline"`

	// The namespace's name.
	// +kubebuilder:title="Namespace"
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Whether deletion of the namespace is refused.
	// +kubebuilder:title="Deletion protection"
	// +optional
	DeletionProtection bool `json:"deletionProtection,omitempty"`
}
