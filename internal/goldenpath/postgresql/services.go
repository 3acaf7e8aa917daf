package postgresql

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Components, for the app.kubernetes.io/component label.
const (
	componentDatabase = "database"
	componentSetup    = "setup"
)

// pgPort is the port every member serves clients and standbys on.
var pgPort = stateful.Port{Name: portName, Port: port, AppProtocol: App} //nolint:gochecknoglobals // A constant port.

// headlessService gives each member a stable DNS name: the standbys find the primary by it.
func headlessService(b build) (runtime.Object, error) {
	return stateful.HeadlessService(b.meta(b.names.Headless, componentDatabase), b.labels(), pgPort), nil
}

// primaryService is the read-write endpoint: the primary, ordinal 0, when it is ready.
func primaryService(b build) (runtime.Object, error) {
	selector := b.labels()
	selector[appsv1.StatefulSetPodNameLabel] = b.names.Pod(0)
	return stateful.ClientService(b.meta(b.names.Instance, componentDatabase), selector, pgPort), nil
}

// readService is the endpoint for reads that tolerate replication lag: every ready member,
// standbys and primary. A Service selects by labels that pods of one template share, so one
// of standbys only would need a label per role, which only a failover manager (CloudNativePG)
// maintains.
func readService(b build) (runtime.Object, error) {
	return stateful.ClientService(b.meta(b.names.Read, componentDatabase), b.labels(), pgPort), nil
}

// podDisruptionBudget keeps a majority of the members up through voluntary disruptions.
func podDisruptionBudget(b build) (runtime.Object, error) {
	return stateful.MajorityBudget(b.meta(b.names.Instance, componentDatabase), b.labels(), b.Replicas), nil
}

// networkPolicy lets in pods of the XR's own namespace (its applications, the members and the
// setup Job) and of the namespaces in spec.access.namespaces, on the PostgreSQL port only.
func networkPolicy(b build) (runtime.Object, error) {
	return stateful.NetworkPolicy(b.meta(b.names.Instance, componentDatabase), b.labels(), b.Namespaces, port), nil
}
