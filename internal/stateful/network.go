package stateful

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// labelNamespaceName is set by Kubernetes on every namespace to its name.
const labelNamespaceName = "kubernetes.io/metadata.name"

// Port is a port the members serve.
type Port struct {
	Name string
	Port int32
	// AppProtocol of the Service port, e.g. mongodb.
	AppProtocol string
}

func servicePorts(ports []Port) []corev1.ServicePort {
	out := make([]corev1.ServicePort, len(ports))
	for i, p := range ports {
		out[i] = corev1.ServicePort{Name: p.Name, Port: p.Port, TargetPort: intstr.FromString(p.Name), Protocol: corev1.ProtocolTCP}
		if p.AppProtocol != "" {
			out[i].AppProtocol = ptr.To(p.AppProtocol)
		}
	}
	return out
}

// HeadlessService gives each member a stable DNS name (<pod>.<headless>.<ns>.svc). It
// publishes members before they are ready, so that they can find each other while the
// cluster forms.
func HeadlessService(meta metav1.ObjectMeta, selector map[string]string, ports ...Port) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 selector,
			Ports:                    servicePorts(ports),
		},
	}
}

// ClientService is the endpoint applications connect to: ready members only.
func ClientService(meta metav1.ObjectMeta, selector map[string]string, ports ...Port) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: meta,
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: selector,
			Ports:    servicePorts(ports),
		},
	}
}

// MajorityBudget keeps a majority of the members up through voluntary disruptions (node
// drains, cluster upgrades), so that the cluster keeps a primary. Unhealthy pods may always
// be evicted: they serve nothing.
func MajorityBudget(meta metav1.ObjectMeta, selector map[string]string, members int32) *policyv1.PodDisruptionBudget {
	majority := intstr.FromInt32(members/2 + 1)
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: meta,
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable:               &majority,
			Selector:                   &metav1.LabelSelector{MatchLabels: selector},
			UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
		},
	}
}

// NetworkPolicy lets in only what should reach the members: pods of the XR's own namespace
// (its applications, the members themselves and their Jobs) and pods of the namespaces
// listed, on the given ports only.
func NetworkPolicy(meta metav1.ObjectMeta, selector map[string]string, namespaces []string, ports ...int32) *networkingv1.NetworkPolicy {
	from := make([]networkingv1.NetworkPolicyPeer, 0, 1+len(namespaces))
	from = append(from, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{}})
	for _, ns := range namespaces {
		from = append(from, networkingv1.NetworkPolicyPeer{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelNamespaceName: ns}},
		})
	}
	np := make([]networkingv1.NetworkPolicyPort, len(ports))
	for i, p := range ports {
		np[i] = networkingv1.NetworkPolicyPort{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(p))}
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: meta,
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: selector},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: from, Ports: np}},
		},
	}
}
