// Package v1alpha1 is the MongoDB golden path's API, database.platform.io/v1alpha1 MongoDB: the
// one source of example/mongodb/xrd.yaml and of the spec's defaults, both generated from it by
// make generate (controller-gen and hack/xrdgen).
// +kubebuilder:object:generate=false
// +groupName=database.platform.io
// +versionName=v1alpha1
package v1alpha1

//go:generate sh -c "controller-gen crd paths=. output:crd:stdout | go run ../../../../hack/xrdgen -types . -xrd ../../../../example/mongodb/xrd.yaml -defaults zz_generated.defaults.go"

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/xrstatus"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// MongoDB is a MongoDB database for a team: a standalone server, or a replica set of 3, 5 or 7
// members that survives the loss of a minority. Its credentials are generated once and kept;
// changes that would lose data are refused.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,database},path=mongodbs
// +kubebuilder:printcolumn:name=Version,type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name=Replicas,type=integer,JSONPath=`.spec.replicas`
// +kubebuilder:printcolumn:name=Phase,type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name=Endpoint,type=string,JSONPath=`.status.endpoint`
// +kubebuilder:printcolumn:name=Resources,type=string,JSONPath=`.status.readyResources`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="metadata.name must start with a letter, hold only lowercase letters, digits and '-', and be at most 63 characters"
// +xrd:defaultCompositionRef=mongodb.database.platform.io
// +xrd:annotation=terasky.backstage.io/add-to-catalog=true
// +xrd:annotation=terasky.backstage.io/template-description=A MongoDB database for your team: a standalone server or a replica set, with its credentials in a Secret and changes that would lose data refused.
type MongoDB struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec   `json:"spec,omitempty"`
	Status Status `json:"status,omitempty"`
}

// Spec is what the team asks for. Every field has a default.
type Spec struct {
	// MongoDB release. Upgrades go one release at a time; downgrades are refused.
	// +kubebuilder:title="MongoDB version"
	// +kubebuilder:validation:Enum="6.0";"7.0";"8.0"
	// +kubebuilder:default="7.0"
	// +xrd:ui:order=1
	// +optional
	Version *string `json:"version,omitempty"`

	// Size of each member's volume in GiB. Volumes never shrink.
	// +kubebuilder:title="Storage per member (GiB)"
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=16384
	// +kubebuilder:default=10
	// +xrd:ui:order=2
	// +optional
	StorageGB *int64 `json:"storageGB,omitempty"` //nolint:tagliatelle // The XR's API, as the portal's templates write it.

	// 1 for a standalone server, 3, 5 or 7 for a replica set.
	// +kubebuilder:title="Members"
	// +kubebuilder:validation:Enum=1;3;5;7
	// +kubebuilder:default=1
	// +xrd:ui:order=3
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Compute preset (small, medium, large, or one the platform adds).
	// +kubebuilder:title="Size"
	// +kubebuilder:default="small"
	// +kubebuilder:validation:MaxLength=63
	// +xrd:ui:order=4
	// +optional
	Size *string `json:"size,omitempty"`

	// Storage class of the volumes. Empty uses the platform's default.
	// +kubebuilder:title="Storage class"
	// +kubebuilder:validation:MaxLength=253
	// +xrd:ui:advanced
	// +optional
	StorageClassName *string `json:"storageClassName,omitempty"`

	// Who may connect besides pods in this namespace.
	// +kubebuilder:title="Access"
	// +xrd:ui:advanced
	// +optional
	Access stateful.Access `json:"access,omitzero"`
}

// Status is written by function-golden-path.
type Status struct {
	xrstatus.Status `json:",inline"`

	// host:port of the client Service.
	// +kubebuilder:title="Endpoint"
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// Secret with username, password, host, port, uri and replicaSet.
	// +kubebuilder:title="Connection Secret"
	// +optional
	ConnectionSecret string `json:"connectionSecret,omitempty"`

	// The MongoDB release rolled out.
	// +kubebuilder:title="Version"
	// +optional
	Version string `json:"version,omitempty"`

	// Replica set name, for replica sets.
	// +kubebuilder:title="Replica set"
	// +optional
	ReplicaSet string `json:"replicaSet,omitempty"`
}
