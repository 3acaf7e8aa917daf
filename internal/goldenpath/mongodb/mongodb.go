// Package mongodb is the MongoDB golden path: a standalone server or a replica set, run by a
// StatefulSet from the official mongo image, with its credentials, Services, disruption
// budget and network policy.
package mongodb

import (
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
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
const App = "mongodb"

// Name of the golden path and of its engine, for the Input and for humans.
const Name = "MongoDB"

// Fixed facts of the deployment.
const (
	port           = 27017
	portName       = "mongodb"
	replicaSetName = "rs0"
	rootUser       = "root"
	container      = "mongod"
	dataVolume     = "data"
)

// Pipeline names of the composed resources. They are each resource's identity and must never
// change: Crossplane deletes an observed resource whose pipeline name is no longer desired.
const (
	CredentialsName     resource.Name = "mongodb-credentials" //nolint:gosec // A pipeline name, not a credential.
	KeyfileName         resource.Name = "mongodb-keyfile"
	HeadlessServiceName resource.Name = "mongodb-headless"
	ServiceName         resource.Name = "mongodb-service"
	StatefulSetName     resource.Name = "mongodb-statefulset"
	PDBName             resource.Name = "mongodb-pdb"
	NetworkPolicyName   resource.Name = "mongodb-networkpolicy"
)

// ReplicaSetJobName is the pipeline name of the Job that initiates or reconfigures a replica
// set of n members. A Job's pod template cannot change, so a new member count is a new Job;
// the old one, done, is deleted.
func ReplicaSetJobName(n int32) resource.Name {
	return resource.Name(replicaSetJobPrefix + strconv.Itoa(int(n)))
}

const replicaSetJobPrefix = "mongodb-replicaset-"

// names of the composed resources, all derived from the instance name.
type names struct {
	Instance    string
	Headless    string
	Credentials string
	Keyfile     string
}

func namesFor(inst goldenpath.Instance) names {
	return names{
		Instance:    inst.Name,
		Headless:    inst.Name + "-headless",
		Credentials: inst.Name + "-credentials",
		Keyfile:     inst.Name + "-keyfile",
	}
}

// Job is the name of the replica set Job for n members.
func (n names) Job(members int32) string { return fmt.Sprintf("%s-rs-init-%d", n.Instance, members) }

// Pod is the name of the StatefulSet's pod with the given ordinal.
func (n names) Pod(ordinal int32) string { return fmt.Sprintf("%s-%d", n.Instance, ordinal) }

// Blueprint composes MongoDB.
type Blueprint struct{}

var _ goldenpath.Blueprint = Blueprint{}

// Registration is what the function's core knows of the MongoDB golden path.
//
//nolint:gochecknoglobals // A description, read only.
var Registration = goldenpath.Registration{
	Name:      Name,
	XR:        schema.GroupVersionKind{Group: "database.platform.io", Version: "v1alpha1", Kind: "MongoDB"},
	Scope:     goldenpath.Namespaced,
	Condition: ConditionDatabaseReady,
	Composes: []schema.GroupVersionKind{
		corev1.SchemeGroupVersion.WithKind("Secret"),
		corev1.SchemeGroupVersion.WithKind("Service"),
		appsv1.SchemeGroupVersion.WithKind("StatefulSet"),
		policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"),
		networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"),
		batchv1.SchemeGroupVersion.WithKind("Job"),
	},
	// The members' pods, to name the one not ready; the first member's volume, before a
	// password is generated (the credentials Secrets it asks for are composed kinds).
	Reads: []schema.GroupVersionKind{
		corev1.SchemeGroupVersion.WithKind("Pod"),
		corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"),
	},
	Example:   "example/mongodb",
	Blueprint: Blueprint{},
}

func replicaSet(b build) bool { return b.ReplicaSet() }

// components in the order they are composed and listed in the XR status: the golden path.
func components(p params) []goldenpath.Component[build] {
	return []goldenpath.Component[build]{
		{Name: CredentialsName, Build: credentialsSecret},
		{Name: KeyfileName, When: replicaSet, Build: keyfileSecret},
		{Name: HeadlessServiceName, Build: headlessService},
		{Name: ServiceName, Build: clientService},
		{Name: StatefulSetName, Build: statefulSet, Workload: true},
		{Name: PDBName, When: replicaSet, Build: podDisruptionBudget},
		{Name: NetworkPolicyName, Build: networkPolicy},
		{Name: ReplicaSetJobName(p.Replicas), When: replicaSet, Build: replicaSetJob, Hidden: true},
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

// Compose validates the XR spec and composes MongoDB.
func (Blueprint) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	var s Spec
	if err := goldenpath.Decode(r.XR.Resource.Object["spec"], &s, "spec"); err != nil {
		return nil, errors.Wrap(err, "cannot read the MongoDB spec")
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

	b := build{Request: r, params: p, names: namesFor(r.Instance), running: rn}
	resources, err := goldenpath.Compose(b, components(p))
	if err != nil {
		return nil, err
	}
	return &goldenpath.Composition{
		Resources:   resources,
		Version:     p.Version,
		Description: p.describe(),
		About:       fmt.Sprintf("MongoDB database %s in %s: its release, members and state are in the status and DatabaseReady condition of %s", r.Instance.Name, r.XR.Resource.GetNamespace(), r.XR.Resource.GetName()),
		Links:       links(),
		Status:      statusOf(b),
		Refused:     refused,
	}, nil
}
