// Package v1alpha1 is the WebApp golden path's API, apps.platform.io/v1alpha1 WebApp: the one
// source of example/webapp/xrd.yaml and of the spec's defaults, both generated from it by make
// generate (controller-gen and hack/xrdgen).
// +kubebuilder:object:generate=false
// +groupName=apps.platform.io
// +versionName=v1alpha1
package v1alpha1

//go:generate sh -c "controller-gen crd paths=. output:crd:stdout | go run ../../../../hack/xrdgen -types . -xrd ../../../../example/webapp/xrd.yaml -defaults zz_generated.defaults.go"

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/xrstatus"
)

// DefaultReplicas is the replica count of an app without spec.replicas or spec.autoscaling.
// It is the function's default rather than the schema's: a schema default would make every
// app with autoscaling also have replicas.
const DefaultReplicas = 1

// WebApp is a stateless web app on a host name: a Deployment of one image with its Service,
// autoscaling, disruption budget, network policy and route, ready when it serves.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories={crossplane,app},path=webapps
// +kubebuilder:printcolumn:name=Image,type=string,JSONPath=`.status.image`
// +kubebuilder:printcolumn:name=Replicas,type=integer,JSONPath=`.status.replicas`
// +kubebuilder:printcolumn:name=Phase,type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name=URL,type=string,JSONPath=`.status.url`
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$') && size(self.metadata.name) <= 63",message="metadata.name must start with a letter, hold only lowercase letters, digits and '-', and be at most 63 characters"
// +xrd:defaultCompositionRef=webapp.apps.platform.io
// +xrd:annotation=terasky.backstage.io/add-to-catalog=true
// +xrd:annotation=terasky.backstage.io/template-description=A web app on a host name: your image with probes, autoscaling and a route, ready when it really serves.
type WebApp struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   Spec   `json:"spec"`
	Status Status `json:"status,omitempty"`
}

// Spec is what the team asks for.
// +kubebuilder:validation:XValidation:rule="!(has(self.replicas) && has(self.autoscaling))",message="set replicas or autoscaling, not both"
type Spec struct {
	// Container image, e.g. ghcr.io/team-a/shop:1.4.2 or traefik/whoami:v1.10.
	// +kubebuilder:title="Image"
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	// +xrd:ui:order=1
	Image string `json:"image"`

	// Port the app listens on (above 1024: the app runs as a non-root user).
	// +kubebuilder:title="Port"
	// +kubebuilder:validation:Minimum=1025
	// +kubebuilder:validation:Maximum=65535
	// +kubebuilder:default=8080
	// +xrd:ui:order=2
	// +optional
	Port *int32 `json:"port,omitempty"`

	// Fixed number of replicas (default 1). Leave it out with autoscaling.
	// +kubebuilder:title="Replicas"
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	// +xrd:ui:order=3
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Autoscaling on CPU instead of a fixed number of replicas.
	// +kubebuilder:title="Autoscaling"
	// +xrd:ui:advanced
	// +optional
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`

	// Compute preset (small, medium, large, or one the platform adds).
	// +kubebuilder:title="Size"
	// +kubebuilder:default="small"
	// +kubebuilder:validation:MaxLength=63
	// +xrd:ui:order=4
	// +optional
	Size *string `json:"size,omitempty"`

	// Environment variables: plain values, or keys of Secrets such as a database's
	// connectionSecret.
	// +kubebuilder:title="Environment"
	// +kubebuilder:validation:MaxItems=64
	// +listType=map
	// +listMapKey=name
	// +xrd:ui:order=5
	// +optional
	Env []EnvVar `json:"env,omitempty"`

	// Host name the app is served on, e.g. shop.example.com. Without it, the platform's base
	// domain gives one, or the app has no route.
	// +kubebuilder:title="Host"
	// +kubebuilder:validation:MaxLength=253
	// +xrd:ui:order=6
	// +optional
	Host *string `json:"host,omitempty"`

	// Serve the host over HTTPS.
	// +kubebuilder:title="TLS"
	// +kubebuilder:default=true
	// +xrd:ui:order=7
	// +optional
	TLS *bool `json:"tls,omitempty"`

	// Path prefix the app is served under.
	// +kubebuilder:title="Path"
	// +kubebuilder:default="/"
	// +kubebuilder:validation:MaxLength=253
	// +xrd:ui:advanced
	// +optional
	Path *string `json:"path,omitempty"`

	// Path the probes ask; it must answer 2xx or 3xx while the app can serve.
	// +kubebuilder:title="Health path"
	// +kubebuilder:default="/"
	// +kubebuilder:validation:MaxLength=253
	// +xrd:ui:advanced
	// +optional
	HealthPath *string `json:"healthPath,omitempty"`
}

// Autoscaling bounds the replicas a HorizontalPodAutoscaler keeps.
type Autoscaling struct {
	// Fewest replicas.
	// +kubebuilder:title="Minimum replicas"
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	Min int32 `json:"min"`

	// Most replicas.
	// +kubebuilder:title="Maximum replicas"
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=50
	Max int32 `json:"max"`

	// Average CPU use, in percent of the request, the autoscaler keeps.
	// +kubebuilder:title="Target CPU (%)"
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=100
	// +kubebuilder:default=80
	// +optional
	TargetCPU *int32 `json:"targetCPU,omitempty"`
}

// EnvVar is an environment variable: a value, or a key of a Secret in the app's namespace.
// +kubebuilder:validation:XValidation:rule="has(self.value) != has(self.secretKeyRef)",message="set value or secretKeyRef"
type EnvVar struct {
	// Name of the variable.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	Name string `json:"name"`

	// Value of the variable.
	// +kubebuilder:validation:MaxLength=4096
	// +optional
	Value *string `json:"value,omitempty"`

	// SecretKeyRef takes the value from a Secret.
	// +optional
	SecretKeyRef *SecretKeyRef `json:"secretKeyRef,omitempty"`
}

// SecretKeyRef is a key of a Secret in the app's namespace.
type SecretKeyRef struct {
	// Name of the Secret, e.g. a MongoDB's status.connectionSecret.
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// Key in the Secret, e.g. uri.
	// +kubebuilder:validation:MaxLength=253
	Key string `json:"key"`
}

// Status is written by function-golden-path.
type Status struct {
	xrstatus.Status `json:",inline"`

	// URL the app is served at.
	// +kubebuilder:title="URL"
	// +optional
	URL string `json:"url,omitempty"`

	// Endpoints of the app: its URL and its in-cluster address (Backstage shows them as links).
	// +kubebuilder:title="Endpoints"
	// +listType=atomic
	// +optional
	Endpoints []string `json:"endpoints,omitempty"`

	// Replicas ready to serve.
	// +kubebuilder:title="Ready replicas"
	// +optional
	Replicas int32 `json:"replicas,omitempty"`

	// Image of the app's template.
	// +kubebuilder:title="Image"
	// +optional
	Image string `json:"image,omitempty"`
}
