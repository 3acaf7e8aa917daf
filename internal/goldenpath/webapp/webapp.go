// Package webapp is the WebApp golden path: a stateless web app from one image, run by a
// Deployment with its Service, autoscaler, disruption budget and network policy, on a host name
// through an Ingress or a Gateway API HTTPRoute.
package webapp

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/webapp/v1alpha1"
)

// Name of the golden path, for the Input.
const Name = "WebApp"

// App is the app.kubernetes.io/name of what this golden path composes.
const App = "webapp"

// Fixed facts of the deployment.
const (
	container   = "app"
	portName    = "http"
	servicePort = 80
)

// Pipeline names of the composed resources. They are each resource's identity and must never
// change: Crossplane deletes an observed resource whose pipeline name is no longer desired.
const (
	DeploymentName    resource.Name = "webapp-deployment"
	ServiceName       resource.Name = "webapp-service"
	HPAName           resource.Name = "webapp-hpa"
	PDBName           resource.Name = "webapp-pdb"
	NetworkPolicyName resource.Name = "webapp-networkpolicy"
	IngressName       resource.Name = "webapp-ingress"
	HTTPRouteName     resource.Name = "webapp-httproute"
)

// Registration is what the function's core knows of the WebApp golden path.
//
//nolint:gochecknoglobals // A description, read only.
var Registration = goldenpath.Registration{
	Name:      Name,
	XR:        schema.GroupVersionKind{Group: "apps.platform.io", Version: "v1alpha1", Kind: "WebApp"},
	Scope:     goldenpath.Namespaced,
	Condition: ConditionAppReady,
	Composes: []schema.GroupVersionKind{
		appsv1.SchemeGroupVersion.WithKind("Deployment"),
		corev1.SchemeGroupVersion.WithKind("Service"),
		autoscalingv2.SchemeGroupVersion.WithKind("HorizontalPodAutoscaler"),
		policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"),
		networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"),
		networkingv1.SchemeGroupVersion.WithKind("Ingress"),
		schema.GroupVersion(gatewayv1.GroupVersion).WithKind("HTTPRoute"),
	},
	// The app's pods, to name the one a rollout waits for.
	Reads:     []schema.GroupVersionKind{corev1.SchemeGroupVersion.WithKind("Pod")},
	Example:   "example/webapp",
	Blueprint: Blueprint{},
}

// Blueprint composes a web app.
type Blueprint struct{}

var _ goldenpath.Blueprint = Blueprint{}

// build is what every component is built from.
type build struct {
	goldenpath.Request
	params
}

func autoscaled(b build) bool { return b.Autoscaled() }

// budgeted apps run more than one replica, which a disruption budget keeps from all going at once.
func budgeted(b build) bool { return b.Replicas > 1 || b.Autoscaled() && b.Autoscale.Max > 1 }

func ingress(b build) bool { return b.Host != "" && b.Input.Web.Route == v1beta1.RouteIngress }

func httpRoute(b build) bool { return b.Host != "" && b.Input.Web.Route == v1beta1.RouteHTTPRoute }

// components in the order they are composed and listed in the XR status.
//
//nolint:gochecknoglobals // A table, read only.
var components = []goldenpath.Component[build]{
	{Name: DeploymentName, Build: deployment, Workload: true},
	{Name: ServiceName, Build: service},
	{Name: HPAName, When: autoscaled, Build: autoscaler},
	{Name: PDBName, When: budgeted, Build: disruptionBudget},
	{Name: NetworkPolicyName, Build: networkPolicy},
	{Name: IngressName, When: ingress, Build: ingressRoute},
	{Name: HTTPRouteName, When: httpRoute, Build: gatewayRoute},
}

// Compose validates the XR spec and composes the web app.
func (Blueprint) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	var s v1alpha1.Spec
	if err := goldenpath.Decode(r.XR.Resource.Object["spec"], &s, "spec"); err != nil {
		return nil, errors.Wrap(err, "cannot read the WebApp spec")
	}
	p, errs := resolve(s, r.XR.Resource.GetName(), r.XR.Resource.GetNamespace(), r.Input)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	b := build{Request: r, params: p}
	resources, err := goldenpath.Compose(b, components)
	if err != nil {
		return nil, err
	}
	return &goldenpath.Composition{
		Resources:   resources,
		Version:     p.Tag,
		Description: p.describe(),
		About:       fmt.Sprintf("Web app %s in %s: its image, replicas, URL and state are in the status and AppReady condition of %s", r.Instance.Name, r.XR.Resource.GetNamespace(), r.XR.Resource.GetName()),
		Status:      statusOf(b),
	}, nil
}

// meta is the metadata of a composed resource: the instance's name and the labels that
// select its pods.
func (b build) meta() metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: b.Instance.Name, Labels: b.labels()}
}

// labels select the app's pods. They are part of selectors, which cannot change: nothing here
// may depend on the spec.
func (b build) labels() map[string]string {
	return goldenpath.ComponentLabels(App, b.Instance, "web")
}
