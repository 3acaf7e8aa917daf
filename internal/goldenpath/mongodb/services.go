package mongodb

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// headlessService gives each member a stable DNS name (<pod>.<headless>.<ns>.svc) for the
// replica set's configuration. It publishes members before they are ready, so that they can
// find each other while the set forms.
func headlessService(b build) (runtime.Object, error) {
	return &corev1.Service{
		ObjectMeta: b.meta(b.names.Headless, componentDatabase),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 b.labels(componentDatabase),
			Ports:                    servicePorts(),
		},
	}, nil
}

// clientService is the endpoint applications connect to: ready members only.
func clientService(b build) (runtime.Object, error) {
	return &corev1.Service{
		ObjectMeta: b.meta(b.names.Instance, componentDatabase),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: b.labels(componentDatabase),
			Ports:    servicePorts(),
		},
	}, nil
}

func servicePorts() []corev1.ServicePort {
	return []corev1.ServicePort{{
		Name:        portName,
		Port:        port,
		TargetPort:  intstr.FromString(portName),
		Protocol:    corev1.ProtocolTCP,
		AppProtocol: ptr.To(App),
	}}
}
