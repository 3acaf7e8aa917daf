// Package v1alpha1 is the Valkey golden path's API, cache.platform.io/v1alpha1 Valkey: the one
// source of example/valkey/xrd.yaml and of the spec's defaults, both generated from it by make
// generate (controller-gen and hack/xrdgen).
// +kubebuilder:object:generate=false
// +groupName=cache.platform.io
// +versionName=v1alpha1
package v1alpha1

//go:generate sh -c "controller-gen crd paths=. output:crd:stdout | go run ../../../../hack/xrdgen -types . -xrd ../../../../example/valkey/xrd.yaml -defaults zz_generated.defaults.go"

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/xrstatus"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Valkey is a Valkey (the open-source successor of Redis) for a team: a standalone server, or
// a primary with replicas and Sentinel for failover. Its password is generated once and kept;
// changes that would lose data are refused.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,cache},path=valkeys
// +kubebuilder:printcolumn:name=Version,type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name=Replicas,type=integer,JSONPath=`.spec.replicas`
// +kubebuilder:printcolumn:name=Persistence,type=string,JSONPath=`.spec.persistence`
// +kubebuilder:printcolumn:name=Phase,type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name=Endpoint,type=string,JSONPath=`.status.endpoint`
// +kubebuilder:printcolumn:name=Resources,type=string,JSONPath=`.status.readyResources`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="metadata.name must start with a letter, hold only lowercase letters, digits and '-', and be at most 63 characters"
// +xrd:defaultCompositionRef=valkey.cache.platform.io
// +xrd:annotation=terasky.backstage.io/add-to-catalog=true
// +xrd:annotation=terasky.backstage.io/template-description=A Valkey (open-source Redis) for your team: a standalone server or a primary with replicas and Sentinel failover, its password in a Secret, and changes that would lose data refused.
type Valkey struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec   `json:"spec,omitempty"`
	Status Status `json:"status,omitempty"`
}

// Spec is what the team asks for. Every field has a default.
type Spec struct {
	// Valkey release. Upgrades may skip releases; downgrades are refused.
	// +kubebuilder:title="Valkey version"
	// +kubebuilder:validation:Enum="7.2";"8.0";"8.1"
	// +kubebuilder:default="8.1"
	// +xrd:ui:order=1
	// +optional
	Version *string `json:"version,omitempty"`

	// 1 for a standalone server; 3 to 9 for a primary and replicas, with Sentinel electing a
	// new primary when it fails.
	// +kubebuilder:title="Members"
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=9
	// +kubebuilder:validation:XValidation:rule="self != 2",message="2 members cannot elect a new primary after losing one: use 1, or 3 to 9"
	// +kubebuilder:default=1
	// +xrd:ui:order=2
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// How the data survives a restart: None (a pure cache), RDB (snapshots) or AOF (an
	// append-only log, fsynced every second). Persistence cannot be turned off, nor changed
	// between RDB and AOF, once the instance holds data.
	// +kubebuilder:title="Persistence"
	// +kubebuilder:validation:Enum=None;RDB;AOF
	// +kubebuilder:default=RDB
	// +xrd:ui:order=3
	// +optional
	Persistence *string `json:"persistence,omitempty"`

	// Size of each member's volume in GiB. Volumes never shrink.
	// +kubebuilder:title="Storage per member (GiB)"
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=16384
	// +kubebuilder:default=10
	// +xrd:ui:order=4
	// +optional
	StorageGB *int64 `json:"storageGB,omitempty"` //nolint:tagliatelle // The XR's API, as the portal's templates write it.

	// Compute preset (small, medium, large, or one the platform adds). maxmemory is 75% of
	// its memory limit.
	// +kubebuilder:title="Size"
	// +kubebuilder:default="small"
	// +kubebuilder:validation:MaxLength=63
	// +xrd:ui:order=5
	// +optional
	Size *string `json:"size,omitempty"`

	// What Valkey does when maxmemory is reached: noeviction refuses writes; the others evict
	// keys (allkeys-lru for a cache).
	// +kubebuilder:title="maxmemory policy"
	// +kubebuilder:validation:Enum=noeviction;allkeys-lru;allkeys-lfu;allkeys-random;volatile-lru;volatile-lfu;volatile-random;volatile-ttl
	// +kubebuilder:default=noeviction
	// +xrd:ui:order=6
	// +optional
	MaxmemoryPolicy *string `json:"maxmemoryPolicy,omitempty"`

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

	// host:port of the Sentinel Service, for a primary with replicas.
	// +kubebuilder:title="Sentinel endpoint"
	// +optional
	SentinelEndpoint string `json:"sentinelEndpoint,omitempty"`

	// The name Sentinel knows the primary by, for a primary with replicas.
	// +kubebuilder:title="Primary name"
	// +optional
	MasterName string `json:"masterName,omitempty"`

	// Secret with password, host, port and uri (and the Sentinel's, with replicas).
	// +kubebuilder:title="Connection Secret"
	// +optional
	ConnectionSecret string `json:"connectionSecret,omitempty"`

	// The Valkey release rolled out.
	// +kubebuilder:title="Version"
	// +optional
	Version string `json:"version,omitempty"`

	// The persistence rolled out.
	// +kubebuilder:title="Persistence"
	// +optional
	Persistence string `json:"persistence,omitempty"`
}
