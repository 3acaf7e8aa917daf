// Package v1alpha1 is the DNSRecord golden path's API, dns.platform.io/v1alpha1 DNSRecord: the
// one source of example/dnsrecord/xrd.yaml and of the spec's defaults, both generated from it by
// make generate (controller-gen and hack/xrdgen).
// +kubebuilder:object:generate=false
// +groupName=dns.platform.io
// +versionName=v1alpha1
package v1alpha1

//go:generate sh -c "controller-gen crd paths=. output:crd:stdout | go run ../../../../hack/xrdgen -types . -xrd ../../../../example/dnsrecord/xrd.yaml -defaults zz_generated.defaults.go"

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/xrstatus"
)

// DNSRecord is a DNS record published by external-dns: A, AAAA, CNAME or TXT, each value
// checked for its type.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,dns},path=dnsrecords
// +kubebuilder:printcolumn:name=Type,type=string,JSONPath=`.spec.type`
// +kubebuilder:printcolumn:name=Name,type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name=Phase,type=string,JSONPath=`.status.phase`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="metadata.name must start with a letter, hold only lowercase letters, digits and '-', and be at most 63 characters"
// +xrd:defaultCompositionRef=dnsrecord.dns.platform.io
// +xrd:annotation=terasky.backstage.io/add-to-catalog=true
// +xrd:annotation=terasky.backstage.io/template-description=A DNS record (A, AAAA, CNAME or TXT) published by the platform's external-dns, each value checked for its type.
type DNSRecord struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec   `json:"spec"`
	Status Status `json:"status,omitempty"`
}

// Spec is the record.
// +kubebuilder:validation:XValidation:rule="self.type != 'CNAME' || size(self.values) == 1",message="a CNAME record has exactly one value"
type Spec struct {
	// Record type.
	// +kubebuilder:title="Type"
	// +kubebuilder:validation:Enum=A;AAAA;CNAME;TXT
	// +xrd:ui:order=1
	Type string `json:"type"`

	// Fully qualified name of the record, e.g. app.team-a.example.com, within the platform's
	// zones. A leading "*." makes a wildcard record.
	// +kubebuilder:title="Name"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +xrd:ui:order=2
	Name string `json:"name"`

	// Values: IPv4 addresses for A, IPv6 addresses for AAAA, one host name for CNAME, text of
	// at most 255 characters for TXT.
	// +kubebuilder:title="Values"
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=255
	// +listType=set
	// +xrd:ui:order=3
	Values []string `json:"values"`

	// Time to live in seconds.
	// +kubebuilder:title="TTL (seconds)"
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=86400
	// +kubebuilder:default=300
	// +xrd:ui:order=4
	// +optional
	TTL *int64 `json:"ttl,omitempty"`
}

// Status is written by function-golden-path.
type Status struct {
	xrstatus.Status `json:",inline"`

	// The record's name, for links in Backstage.
	// +kubebuilder:title="FQDN"
	// +optional
	FQDN string `json:"fqdn,omitempty"`

	// The record as published, e.g. "A 300 192.0.2.10".
	// +kubebuilder:title="Record"
	// +optional
	Record string `json:"record,omitempty"`
}
