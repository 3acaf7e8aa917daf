// Package mongodb is the MongoDB golden path: a standalone server or a replica set, run by a
// StatefulSet from the official mongo image, with its credentials, Services, disruption
// budget and network policy.
package mongodb

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// App is the app.kubernetes.io/name of everything this golden path composes.
const App = "mongodb"

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

// App returns the golden path's app.kubernetes.io/name.
func (Blueprint) App() string { return App }

// component is one resource of the blueprint: the table below is the golden path.
type component struct {
	name     resource.Name
	when     func(p params) bool
	build    func(b build) (runtime.Object, error)
	workload bool
	// hidden keeps the resource out of the Backstage catalog.
	hidden bool
}

func always(params) bool       { return true }
func replicaSet(p params) bool { return p.ReplicaSet() }

// components in the order they are composed and listed in the XR status.
func components(p params) []component {
	return []component{
		{name: CredentialsName, when: always, build: credentialsSecret},
		{name: KeyfileName, when: replicaSet, build: keyfileSecret},
		{name: HeadlessServiceName, when: always, build: headlessService},
		{name: ServiceName, when: always, build: clientService},
		{name: StatefulSetName, when: always, build: statefulSet, workload: true},
		{name: PDBName, when: replicaSet, build: podDisruptionBudget},
		{name: NetworkPolicyName, when: always, build: networkPolicy},
		{name: ReplicaSetJobName(p.Replicas), when: replicaSet, build: replicaSetJob, hidden: true},
	}
}

// build is what every component is built from.
type build struct {
	goldenpath.Request
	params

	names names
	// running is what the instance runs, nil while it does not run yet.
	running *running
}

// Compose validates the XR spec and composes MongoDB.
func (Blueprint) Compose(r goldenpath.Request) (*goldenpath.Composition, error) {
	var s Spec
	if err := decode(r.XR.Resource.Object["spec"], &s, "spec"); err != nil {
		return nil, errors.Wrap(err, "cannot read the MongoDB spec")
	}
	requested, errs := resolve(s, r.Input)
	if len(errs) > 0 {
		return nil, errs.ToAggregate()
	}
	rn, err := observedRunning(r)
	if err != nil {
		return nil, err
	}
	p, refused, err := settle(requested, rn)
	if err != nil {
		return nil, err
	}

	b := build{Request: r, params: p, names: namesFor(r.Instance), running: rn}
	c := &goldenpath.Composition{
		Version:     p.Version,
		Description: p.describe(),
		About:       fmt.Sprintf("MongoDB database %s in %s: its release, members and state are in the status and DatabaseReady condition of %s", r.Instance.Name, r.XR.Resource.GetNamespace(), r.XR.Resource.GetName()),
		Links:       links(),
		Status:      statusOf(b),
		Refused:     refused,
	}
	for _, cp := range components(p) {
		if !cp.when(p) {
			continue
		}
		o, err := cp.build(b)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot compose %s", cp.name)
		}
		u, err := goldenpath.Object(o)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot convert %s", cp.name)
		}
		c.Resources = append(c.Resources, goldenpath.Resource{Name: cp.name, Object: u, Workload: cp.workload, Catalog: !cp.hidden})
	}
	return c, nil
}
