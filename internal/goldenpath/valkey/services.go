package valkey

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// The ports the members serve: Valkey's, and the Sentinels' with replicas.
//
//nolint:gochecknoglobals // Constant ports.
var (
	valkeyPort  = stateful.Port{Name: portName, Port: port, AppProtocol: protocol}
	sentinelPrt = stateful.Port{Name: sentinelName, Port: sentinelPort, AppProtocol: protocol}
)

func (b build) ports() []stateful.Port {
	if b.Replicated() {
		return []stateful.Port{valkeyPort, sentinelPrt}
	}
	return []stateful.Port{valkeyPort}
}

// headlessService gives each member the stable DNS name it announces to the others and to
// the Sentinels.
func headlessService(b build) (runtime.Object, error) {
	return stateful.HeadlessService(b.meta(b.names.Headless, componentCache), b.labels(componentCache), b.ports()...), nil
}

// clientService is the endpoint applications connect to: ready members only. With replicas
// it reaches any member, replicas answering reads; writers ask the Sentinels for the primary.
func clientService(b build) (runtime.Object, error) {
	return stateful.ClientService(b.meta(b.names.Instance, componentCache), b.labels(componentCache), valkeyPort), nil
}

// sentinelService is where Sentinel-aware clients ask for the primary.
func sentinelService(b build) (runtime.Object, error) {
	return stateful.ClientService(b.meta(b.names.Sentinel, componentCache), b.labels(componentCache), sentinelPrt), nil
}

// podDisruptionBudget keeps a majority of the members, and of the Sentinels beside them, up
// through voluntary disruptions, so that a failover can still be agreed.
func podDisruptionBudget(b build) (runtime.Object, error) {
	return stateful.MajorityBudget(b.meta(b.names.Instance, componentCache), b.labels(componentCache), b.Replicas), nil
}

// networkPolicy lets in pods of the XR's own namespace (its applications and the members) and
// of the namespaces in spec.access.namespaces, on Valkey's and the Sentinels' ports only.
func networkPolicy(b build) (runtime.Object, error) {
	ps := b.ports()
	nums := make([]int32, len(ps))
	for i, p := range ps {
		nums[i] = p.Port
	}
	return stateful.NetworkPolicy(b.meta(b.names.Instance, componentCache), b.labels(componentCache), b.Namespaces, nums...), nil
}
