// Package valkey is the Valkey golden path: a standalone server, or a primary with replicas
// and Sentinel for failover, run by a StatefulSet from the official valkey/valkey image, with
// its password, configuration, Services, disruption budget and network policy.
package valkey

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// App is the app.kubernetes.io/name of everything this golden path composes.
const App = "valkey"

// Name of the golden path and of its engine, for the Input and for humans.
const Name = "Valkey"

// Fixed facts of the deployment.
const (
	port         = 6379
	portName     = "valkey"
	sentinelPort = 26379
	sentinelName = "sentinel"
	// masterName is the name Sentinel monitors the primary by.
	masterName = "primary"
	container  = "valkey"
	// protocol is Valkey's, RESP, by the name clients and Services know it: redis.
	protocol   = "redis"
	dataVolume = "data"
)

// Pipeline names of the composed resources. They are each resource's identity and must never
// change: Crossplane deletes an observed resource whose pipeline name is no longer desired.
const (
	CredentialsName     resource.Name = "valkey-credentials" //nolint:gosec // A pipeline name, not a credential.
	ConfigName          resource.Name = "valkey-config"
	HeadlessServiceName resource.Name = "valkey-headless"
	ServiceName         resource.Name = "valkey-service"
	SentinelServiceName resource.Name = "valkey-sentinel"
	StatefulSetName     resource.Name = "valkey-statefulset"
	PDBName             resource.Name = "valkey-pdb"
	NetworkPolicyName   resource.Name = "valkey-networkpolicy"
)

// names of the composed resources, all derived from the instance name.
type names struct {
	Instance    string
	Headless    string
	Sentinel    string
	Credentials string
	Config      string
}

func namesFor(inst goldenpath.Instance) names {
	return names{
		Instance:    inst.Name,
		Headless:    inst.Name + "-headless",
		Sentinel:    inst.Name + "-sentinel",
		Credentials: inst.Name + "-credentials",
		Config:      inst.Name + "-config",
	}
}

// Pod is the name of the StatefulSet's pod with the given ordinal.
func (n names) Pod(ordinal int32) string { return fmt.Sprintf("%s-%d", n.Instance, ordinal) }

// Blueprint composes Valkey.
type Blueprint struct{}

var _ goldenpath.Blueprint = Blueprint{}

// Registration is what the function's core knows of the Valkey golden path.
//
//nolint:gochecknoglobals // A description, read only.
var Registration = goldenpath.Registration{
	Name:      Name,
	XR:        schema.GroupVersionKind{Group: "cache.platform.io", Version: "v1alpha1", Kind: "Valkey"},
	Scope:     goldenpath.Namespaced,
	Condition: ConditionCacheReady,
	Composes: []schema.GroupVersionKind{
		corev1.SchemeGroupVersion.WithKind("Secret"),
		corev1.SchemeGroupVersion.WithKind("ConfigMap"),
		corev1.SchemeGroupVersion.WithKind("Service"),
		appsv1.SchemeGroupVersion.WithKind("StatefulSet"),
		policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"),
		networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"),
	},
	// The members' pods, to name the one not ready; the first member's volume, before a
	// password is generated (the credentials Secret it asks for is a composed kind).
	Reads: []schema.GroupVersionKind{
		corev1.SchemeGroupVersion.WithKind("Pod"),
		corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"),
	},
	Example:   "example/valkey",
	Blueprint: Blueprint{},
}

func replicated(b build) bool { return b.Replicated() }

// components in the order they are composed and listed in the XR status: the golden path.
func components() []goldenpath.Component[build] {
	return []goldenpath.Component[build]{
		{Name: CredentialsName, Build: credentialsSecret},
		{Name: ConfigName, Build: configMap},
		{Name: HeadlessServiceName, Build: headlessService},
		{Name: ServiceName, Build: clientService},
		{Name: SentinelServiceName, When: replicated, Build: sentinelService},
		{Name: StatefulSetName, Build: statefulSet, Workload: true},
		{Name: PDBName, When: replicated, Build: podDisruptionBudget},
		{Name: NetworkPolicyName, Build: networkPolicy},
	}
}

// build is what every component is built from.
type build struct {
	goldenpath.Request
	params

	names names
	// running is what the instance runs, nil while it does not run yet.
	running *stateful.Running
}

// Compose validates the XR spec and composes Valkey.
func (Blueprint) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	var s Spec
	if err := goldenpath.Decode(r.XR.Resource.Object["spec"], &s, "spec"); err != nil {
		return nil, errors.Wrap(err, "cannot read the Valkey spec")
	}
	p, errs := resolve(s, r.Input)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	rn, err := engine.Observe(r, StatefulSetName, requiredPods)
	if err != nil {
		return nil, err
	}
	var refused []goldenpath.Refusal
	if p.Want, refused, err = engine.Settle(p.Want, rn); err != nil {
		return nil, err
	}
	rf, err := settlePersistence(&p, rn)
	if err != nil {
		return nil, err
	}
	if rf != nil {
		refused = append(refused, *rf)
	}

	b := build{Request: r, params: p, names: namesFor(r.Instance), running: rn}
	resources, err := goldenpath.Compose(b, components())
	if err != nil {
		return nil, err
	}
	return &goldenpath.Composition{
		Resources:   resources,
		Version:     p.Version,
		Description: p.describe(),
		About:       fmt.Sprintf("Valkey cache %s in %s: its release, members and state are in the status and CacheReady condition of %s", r.Instance.Name, r.XR.Resource.GetNamespace(), r.XR.Resource.GetName()),
		Links:       links(),
		Status:      statusOf(b),
		Refused:     refused,
	}, nil
}
