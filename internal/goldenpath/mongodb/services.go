package mongodb

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// mongoPort is the port every member serves clients and each other on.
var mongoPort = stateful.Port{Name: portName, Port: port, AppProtocol: App} //nolint:gochecknoglobals // A constant port.

// headlessService gives each member a stable DNS name for the replica set's configuration.
func headlessService(b build) (runtime.Object, error) {
	return stateful.HeadlessService(b.meta(b.names.Headless, componentDatabase), b.labels(), mongoPort), nil
}

// clientService is the endpoint applications connect to: ready members only.
func clientService(b build) (runtime.Object, error) {
	return stateful.ClientService(b.meta(b.names.Instance, componentDatabase), b.labels(), mongoPort), nil
}

// podDisruptionBudget keeps a majority of the replica set up through voluntary disruptions,
// so that it keeps a primary.
func podDisruptionBudget(b build) (runtime.Object, error) {
	return stateful.MajorityBudget(b.meta(b.names.Instance, componentDatabase), b.labels(), b.Replicas), nil
}

// networkPolicy lets in pods of the XR's own namespace (its applications, the members and the
// replica set Job) and of the namespaces in spec.access.namespaces, on the MongoDB port only.
func networkPolicy(b build) (runtime.Object, error) {
	return stateful.NetworkPolicy(b.meta(b.names.Instance, componentDatabase), b.labels(), b.Namespaces, port), nil
}
