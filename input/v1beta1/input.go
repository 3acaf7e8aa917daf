// Package v1beta1 contains the input type for this Function.
// +kubebuilder:object:generate=true
// +groupName=goldenpath.fn.openportal.dev
// +versionName=v1beta1
package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// This isn't a custom resource, in the sense that we never install its CRD.
// It is a KRM-like object, so we generate a CRD to describe its schema.

// Input selects a golden path and carries the platform team's defaults for it.
// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=crossplane
type Input struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// GoldenPath selects what this step composes.
	// +kubebuilder:validation:Enum=DNSRecord;MongoDB;PostgreSQL;TenantNamespace;Valkey;WebApp
	GoldenPath string `json:"goldenPath"`

	// Images overrides where container images are pulled from, e.g. a registry mirror.
	// +optional
	Images Images `json:"images,omitempty"`

	// StorageClassName for persistent volumes. Empty uses the cluster's default class.
	// +optional
	StorageClassName string `json:"storageClassName,omitempty"`

	// Presets are the compute sizes an XR can choose with spec.size. Entries here replace the
	// built-in preset of the same name (small, medium, large) or add new ones.
	// +optional
	Presets map[string]Preset `json:"presets,omitempty"`

	// Backstage controls the metadata written for the TeraSky kubernetes-ingestor and the
	// Backstage Kubernetes plugin.
	// +optional
	Backstage Backstage `json:"backstage,omitempty"`

	// Naming controls how composed resources are named.
	// +optional
	Naming Naming `json:"naming,omitempty"`

	// Web is how the WebApp golden path exposes apps.
	// +optional
	Web Web `json:"web,omitempty"`

	// DNS bounds the names the DNSRecord golden path may publish.
	// +optional
	DNS DNS `json:"dns,omitempty"`

	// PostgreSQL settings of the PostgreSQL golden path.
	// +optional
	PostgreSQL PostgreSQL `json:"postgresql,omitempty"`
}

// Route kinds a web app is exposed with.
const (
	RouteIngress   = "Ingress"
	RouteHTTPRoute = "HTTPRoute"
)

// Web settings: how web apps are exposed, the platform's choice rather than each team's.
type Web struct {
	// Route is Ingress (networking.k8s.io/v1) or HTTPRoute (Gateway API, gateway.networking.k8s.io/v1).
	// +optional
	// +kubebuilder:validation:Enum=Ingress;HTTPRoute
	// +kubebuilder:default=Ingress
	Route string `json:"route,omitempty"`

	// IngressClassName of the Ingresses. Empty uses the cluster's default class.
	// +optional
	IngressClassName string `json:"ingressClassName,omitempty"`

	// ClusterIssuer is the cert-manager ClusterIssuer that signs the certificates of Ingresses
	// with TLS. Empty leaves the certificate to the platform (e.g. a wildcard default).
	// +optional
	ClusterIssuer string `json:"clusterIssuer,omitempty"`

	// Gateway the HTTPRoutes attach to. Required when route is HTTPRoute.
	// +optional
	Gateway *Gateway `json:"gateway,omitempty"`

	// BaseDomain gives an app without spec.host the host <XR name>-<XR namespace>.<baseDomain>.
	// Empty leaves such an app without a route.
	// +optional
	BaseDomain string `json:"baseDomain,omitempty"`
}

// Gateway is the parent of the HTTPRoutes.
type Gateway struct {
	// Name of the Gateway.
	Name string `json:"name"`

	// Namespace of the Gateway.
	Namespace string `json:"namespace"`

	// SectionName is the listener the routes attach to; empty attaches to every listener.
	// +optional
	SectionName string `json:"sectionName,omitempty"`
}

// DNS settings.
type DNS struct {
	// Zones are the DNS zones whose names records may have, e.g. apps.example.com. Empty
	// allows any name.
	// +optional
	// +listType=set
	Zones []string `json:"zones,omitempty"`
}

// Implementations of the PostgreSQL golden path.
const (
	// PostgreSQLStatefulSet composes a StatefulSet of the official postgres image.
	PostgreSQLStatefulSet = "StatefulSet"
	// PostgreSQLCloudNativePG composes a CloudNativePG postgresql.cnpg.io/v1 Cluster.
	PostgreSQLCloudNativePG = "CloudNativePG"
)

// PostgreSQL settings.
type PostgreSQL struct {
	// Implementation: StatefulSet composes the official postgres image in a StatefulSet with
	// streaming-replication standbys; CloudNativePG composes a postgresql.cnpg.io/v1 Cluster
	// instead, for clusters that run the CloudNativePG operator.
	// +optional
	// +kubebuilder:validation:Enum=StatefulSet;CloudNativePG
	// +kubebuilder:default=StatefulSet
	Implementation string `json:"implementation,omitempty"`
}

// Images overrides the image location of a golden path.
type Images struct {
	// Registry replaces the default registry (docker.io), e.g. "mirror.example.com".
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*$`
	Registry string `json:"registry,omitempty"`

	// Repository replaces the default repository (library/mongo for MongoDB).
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+([._/-][a-z0-9]+)*$`
	Repository string `json:"repository,omitempty"`
}

// Preset is a named compute size.
type Preset struct {
	// Requests of the main container.
	Requests corev1.ResourceList `json:"requests"`

	// Limits of the main container.
	// +optional
	Limits corev1.ResourceList `json:"limits,omitempty"`
}

// Backstage settings. Values on the XR's own annotations (written by the ingestor's
// terasky:claim-template action) win over these defaults.
type Backstage struct {
	// AnnotationPrefix is the ingestor's kubernetesIngestor.annotationPrefix.
	// +optional
	// +kubebuilder:default="terasky.backstage.io"
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`
	AnnotationPrefix string `json:"annotationPrefix,omitempty"`

	// Owner is the default owner entity reference, e.g. "group:default/platform-team".
	// Without it the owner is the group named after the XR's namespace.
	// +optional
	Owner string `json:"owner,omitempty"`

	// System is the default system. Without it the system is the XR's namespace.
	// +optional
	System string `json:"system,omitempty"`

	// Lifecycle is the default lifecycle.
	// +optional
	// +kubebuilder:default="production"
	Lifecycle string `json:"lifecycle,omitempty"`

	// EntityNamespace is the Backstage namespace the ingestor puts XR entities in, used to
	// point the workload's subcomponent-of at the XR's entity.
	// +optional
	// +kubebuilder:default="default"
	EntityNamespace string `json:"entityNamespace,omitempty"`

	// Links are added to every workload's links annotation, after the golden path's own.
	// +optional
	Links []Link `json:"links,omitempty"`
}

// Link is a Backstage entity link.
type Link struct {
	// URL of the link.
	URL string `json:"url"`
	// Title shown in Backstage.
	// +optional
	Title string `json:"title,omitempty"`
	// Icon key, e.g. "dashboard" or "docs".
	// +optional
	Icon string `json:"icon,omitempty"`
	// Type of the link.
	// +optional
	Type string `json:"type,omitempty"`
}

// Naming settings. They apply to new instances only: an instance keeps the name it was
// created with (recorded in the XR's status.instanceName) whatever these say later.
type Naming struct {
	// ReuseNameSuffix uses the XR's own name as the instance name when it already ends in an
	// 8-hex suffix, as the portal's scaffolder makes them (mongodb-3a4f75ae). When false, or
	// when the name has no such suffix, an 8-hex suffix derived from the XR's UID is appended.
	// +optional
	// +kubebuilder:default=true
	ReuseNameSuffix *bool `json:"reuseNameSuffix,omitempty"`
}
