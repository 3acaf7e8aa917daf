// Package v1alpha1 is the PostgreSQL golden path's API, database.platform.io/v1alpha1
// PostgreSQL: the one source of example/postgresql/xrd.yaml and of the spec's defaults, both
// generated from it by make generate (controller-gen and hack/xrdgen).
// +kubebuilder:object:generate=false
// +groupName=database.platform.io
// +versionName=v1alpha1
package v1alpha1

//go:generate sh -c "controller-gen crd paths=. output:crd:stdout | go run ../../../../hack/xrdgen -types . -xrd ../../../../example/postgresql/xrd.yaml -defaults zz_generated.defaults.go && cp ../../../../example/postgresql/xrd.yaml ../../../../example/postgresql-cnpg/xrd.yaml"

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/xrstatus"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// PostgreSQL is a PostgreSQL database for a team: one primary, and optionally hot standbys
// that stream its changes and serve reads. Its credentials are generated once and kept;
// changes that would lose data are refused.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,database},path=postgresqls
// +kubebuilder:printcolumn:name=Version,type=string,JSONPath=`.spec.version`
// +kubebuilder:printcolumn:name=Replicas,type=integer,JSONPath=`.spec.replicas`
// +kubebuilder:printcolumn:name=Phase,type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name=Endpoint,type=string,JSONPath=`.status.endpoint`
// +kubebuilder:printcolumn:name=Resources,type=string,JSONPath=`.status.readyResources`,priority=1
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="metadata.name must start with a letter, hold only lowercase letters, digits and '-', and be at most 63 characters"
// +xrd:defaultCompositionRef=postgresql.database.platform.io
// +xrd:annotation=terasky.backstage.io/add-to-catalog=true
// +xrd:annotation=terasky.backstage.io/template-description=A PostgreSQL database for your team: a primary with optional streaming-replication standbys for reads, with its credentials in Secrets and changes that would lose data refused.
type PostgreSQL struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec   `json:"spec,omitempty"`
	Status Status `json:"status,omitempty"`
}

// Spec is what the team asks for. Every field has a default.
type Spec struct {
	// PostgreSQL major version. A running instance keeps its major: changing it needs
	// pg_upgrade or a dump and restore (see the README); minor releases roll out by themselves.
	// +kubebuilder:title="PostgreSQL version"
	// +kubebuilder:validation:Enum="14";"15";"16";"17";"18"
	// +kubebuilder:default="17"
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

	// 1 for a primary alone; more adds hot standbys that stream the primary's changes and
	// serve reads.
	// +kubebuilder:title="Members (primary and standbys)"
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=5
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

	// The application's database, created once and owned by the owner role.
	// +kubebuilder:title="Database"
	// +kubebuilder:default="app"
	// +kubebuilder:validation:Pattern=`^[a-z_][a-z0-9_]{0,62}$`
	// +xrd:ui:order=5
	// +optional
	Database *string `json:"database,omitempty"`

	// The role that owns the database, whose credentials the connection Secret holds.
	// +kubebuilder:title="Database owner"
	// +kubebuilder:default="app"
	// +kubebuilder:validation:Pattern=`^[a-z_][a-z0-9_]{0,62}$`
	// +xrd:ui:order=6
	// +optional
	Owner *string `json:"owner,omitempty"`

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

	// Server parameters (postgresql.conf) from a vetted list: max_connections, shared_buffers,
	// work_mem, maintenance_work_mem, effective_cache_size, statement_timeout, lock_timeout,
	// idle_in_transaction_session_timeout, log_min_duration_statement, log_statement,
	// log_connections, log_disconnections, max_wal_size, min_wal_size, random_page_cost,
	// effective_io_concurrency, max_parallel_workers_per_gather, default_statistics_target.
	// Each value is checked; any other key is refused.
	// +kubebuilder:title="Parameters"
	// +kubebuilder:validation:MaxProperties=32
	// +xrd:ui:advanced
	// +optional
	Parameters map[string]string `json:"parameters,omitempty"`
}

// Status is written by function-golden-path.
type Status struct {
	xrstatus.Status `json:",inline"`

	// host:port of the read-write Service (the primary).
	// +kubebuilder:title="Endpoint"
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// host:port of the read Service (every member), with standbys.
	// +kubebuilder:title="Read endpoint"
	// +optional
	ReadEndpoint string `json:"readEndpoint,omitempty"`

	// Secret with the application's username, password, host, port, dbname, uri and jdbc-uri.
	// +kubebuilder:title="Connection Secret"
	// +optional
	ConnectionSecret string `json:"connectionSecret,omitempty"`

	// The PostgreSQL major version rolled out.
	// +kubebuilder:title="Version"
	// +optional
	Version string `json:"version,omitempty"`
}
