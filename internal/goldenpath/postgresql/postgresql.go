// Package postgresql is the PostgreSQL golden path: a primary and optional hot standbys that
// stream its changes, run by a StatefulSet from the official postgres image, with their
// credentials, configuration, Services, disruption budget and network policy; or, for
// clusters that run the CloudNativePG operator, a CloudNativePG Cluster.
package postgresql

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

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// App is the app.kubernetes.io/name of everything this golden path composes.
const App = "postgresql"

// Name of the golden path and of its engine, for the Input and for humans.
const Name = "PostgreSQL"

// Fixed facts of the deployment.
const (
	port            = 5432
	portName        = "postgresql"
	superuser       = "postgres"
	replicationUser = "replicator"
	container       = "postgres"
	dataVolume      = "data"
)

// Pipeline names of the composed resources. They are each resource's identity and must never
// change: Crossplane deletes an observed resource whose pipeline name is no longer desired.
const (
	SuperuserName       resource.Name = "postgresql-superuser"
	AppName             resource.Name = "postgresql-app"
	ReplicationName     resource.Name = "postgresql-replication"
	ConfigName          resource.Name = "postgresql-config"
	HeadlessServiceName resource.Name = "postgresql-headless"
	ServiceName         resource.Name = "postgresql-service"
	ReadServiceName     resource.Name = "postgresql-read"
	StatefulSetName     resource.Name = "postgresql-statefulset"
	PDBName             resource.Name = "postgresql-pdb"
	NetworkPolicyName   resource.Name = "postgresql-networkpolicy"
	ClusterName         resource.Name = "postgresql-cluster"
)

// SetupJobName is the pipeline name of the Job that sets up the roles, the database and the
// standbys' replication slots for n members. A Job's pod template cannot change, so a new
// member count is a new Job; the old one, done, is deleted.
func SetupJobName(n int32) resource.Name {
	return resource.Name(setupJobPrefix + strconv.Itoa(int(n)))
}

const setupJobPrefix = "postgresql-setup-"

// names of the composed resources, all derived from the instance name.
type names struct {
	Instance    string
	Headless    string
	Read        string
	Superuser   string
	App         string
	Replication string
	Config      string
}

func namesFor(inst goldenpath.Instance) names {
	return names{
		Instance:    inst.Name,
		Headless:    inst.Name + "-headless",
		Read:        inst.Name + "-r",
		Superuser:   inst.Name + "-superuser",
		App:         inst.Name + "-app",
		Replication: inst.Name + "-replication",
		Config:      inst.Name + "-config",
	}
}

// Job is the name of the setup Job for n members.
func (n names) Job(members int32) string { return fmt.Sprintf("%s-setup-%d", n.Instance, members) }

// Pod is the name of the StatefulSet's pod with the given ordinal; 0 is the primary.
func (n names) Pod(ordinal int32) string { return fmt.Sprintf("%s-%d", n.Instance, ordinal) }

// Blueprint composes PostgreSQL.
type Blueprint struct{}

var _ goldenpath.Blueprint = Blueprint{}

// Registration is what the function's core knows of the PostgreSQL golden path.
//
//nolint:gochecknoglobals // A description, read only.
var Registration = goldenpath.Registration{
	Name:      Name,
	XR:        schema.GroupVersionKind{Group: "database.platform.io", Version: "v1alpha1", Kind: "PostgreSQL"},
	Scope:     goldenpath.Namespaced,
	Condition: ConditionDatabaseReady,
	Composes: []schema.GroupVersionKind{
		corev1.SchemeGroupVersion.WithKind("Secret"),
		corev1.SchemeGroupVersion.WithKind("ConfigMap"),
		corev1.SchemeGroupVersion.WithKind("Service"),
		appsv1.SchemeGroupVersion.WithKind("StatefulSet"),
		policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget"),
		networkingv1.SchemeGroupVersion.WithKind("NetworkPolicy"),
		batchv1.SchemeGroupVersion.WithKind("Job"),
		clusterGVK,
	},
	// The members' pods, to name the one not ready; the primary's volume, before passwords
	// are generated (the Secrets it asks for are composed kinds).
	Reads: []schema.GroupVersionKind{
		corev1.SchemeGroupVersion.WithKind("Pod"),
		corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"),
	},
	Example:   "example/postgresql",
	Blueprint: Blueprint{},
}

func standbys(b build) bool { return b.Replicas > 1 }

// components in the order they are composed and listed in the XR status: the golden path.
func components(p params) []goldenpath.Component[build] {
	return []goldenpath.Component[build]{
		{Name: SuperuserName, Build: superuserSecret},
		{Name: AppName, Build: appSecret},
		{Name: ReplicationName, Build: replicationSecret},
		{Name: ConfigName, Build: configMap},
		{Name: HeadlessServiceName, Build: headlessService},
		{Name: ServiceName, Build: primaryService},
		{Name: ReadServiceName, When: standbys, Build: readService},
		{Name: StatefulSetName, Build: statefulSet, Workload: true},
		{Name: PDBName, When: standbys, Build: podDisruptionBudget},
		{Name: NetworkPolicyName, Build: networkPolicy},
		{Name: SetupJobName(p.Replicas), Build: setupJob, Hidden: true},
	}
}

// build is what every component is built from.
type build struct {
	goldenpath.Request
	params

	names names
	// running is what the instance runs, nil while it does not run yet.
	running *stateful.Running
	// database and owner are the ones the instance has (kept from its Secret).
	database, owner string
}

// Compose validates the XR spec and composes PostgreSQL.
func (Blueprint) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	var s Spec
	if err := goldenpath.Decode(r.XR.Resource.Object["spec"], &s, "spec"); err != nil {
		return nil, errors.Wrap(err, "cannot read the PostgreSQL spec")
	}
	p, errs := resolve(s, r.Input)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	if r.Input.PostgreSQL.Implementation == v1beta1.PostgreSQLCloudNativePG {
		return composeCluster(r, p)
	}
	rn, err := engine.Observe(r, StatefulSetName, requiredPods)
	if err != nil {
		return nil, err
	}
	want, refused, err := engine.Settle(p.Want, rn)
	if err != nil {
		return nil, err
	}
	p.Want = want
	b := build{Request: r, params: p, names: namesFor(r.Instance), running: rn}
	var kept []goldenpath.Refusal
	if b.database, b.owner, kept, err = b.keepDatabase(); err != nil {
		return nil, err
	}
	refused = append(refused, kept...)

	resources, err := goldenpath.Compose(b, components(p))
	if err != nil {
		return nil, err
	}
	return &goldenpath.Composition{
		Resources:   resources,
		Version:     p.Version,
		Description: p.describe(),
		About:       about(r),
		Links:       links(),
		Status:      statusOf(r, p, b.names.App, b.names.Read),
		Refused:     refused,
	}, nil
}

func about(r goldenpath.Request) string {
	return fmt.Sprintf("PostgreSQL database %s in %s: its version, members and state are in the status and DatabaseReady condition of %s", r.Instance.Name, r.XR.Resource.GetNamespace(), r.XR.Resource.GetName())
}
