package goldenpath

import (
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"github.com/crossplane/function-sdk-go/resource/composed"
)

// schemes add the API groups golden paths compose as Go types to a scheme. Kinds composed as
// plain objects (e.g. external-dns's DNSEndpoint) need none.
//
//nolint:gochecknoglobals // A table, read only.
var schemes = map[schema.GroupVersion]func(*runtime.Scheme) error{
	corev1.SchemeGroupVersion:                   corev1.AddToScheme,
	appsv1.SchemeGroupVersion:                   appsv1.AddToScheme,
	batchv1.SchemeGroupVersion:                  batchv1.AddToScheme,
	policyv1.SchemeGroupVersion:                 policyv1.AddToScheme,
	networkingv1.SchemeGroupVersion:             networkingv1.AddToScheme,
	autoscalingv2.SchemeGroupVersion:            autoscalingv2.AddToScheme,
	rbacv1.SchemeGroupVersion:                   rbacv1.AddToScheme,
	schema.GroupVersion(gatewayv1.GroupVersion): gatewayv1.Install,
}

//nolint:gochecknoglobals // Which groups composed.Scheme holds, guarding the SDK's package state.
var added = struct {
	sync.Mutex

	gvs map[schema.GroupVersion]bool
}{gvs: map[schema.GroupVersion]bool{}}

// AddKinds registers the API groups of the kinds a golden path composes in the SDK's
// composed.Scheme, through which Object converts them; each group once, only those composed,
// so that the process does not hold every type of client-go.
func AddKinds(r Registration) {
	added.Lock()
	defer added.Unlock()
	for _, gvk := range r.Composes {
		gv := gvk.GroupVersion()
		if add, ok := schemes[gv]; ok && !added.gvs[gv] {
			utilruntime.Must(add(composed.Scheme))
			added.gvs[gv] = true
		}
	}
}
