package mongodb

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// labelNamespaceName is set by Kubernetes on every namespace to its name.
const labelNamespaceName = "kubernetes.io/metadata.name"

// podDisruptionBudget keeps a majority of the replica set up through voluntary disruptions
// (node drains, cluster upgrades), so that it keeps a primary.
func podDisruptionBudget(b build) (runtime.Object, error) {
	majority := intstr.FromInt32(b.Replicas/2 + 1)
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: b.meta(b.names.Instance, componentDatabase),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable:               &majority,
			Selector:                   &metav1.LabelSelector{MatchLabels: b.labels(componentDatabase)},
			UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
		},
	}, nil
}

// networkPolicy lets in only what should reach the database: pods of the XR's own
// namespace (its applications, the members themselves and the replica set Job) and pods of
// the namespaces the XR lists in spec.access.namespaces, on the MongoDB port only.
func networkPolicy(b build) (runtime.Object, error) {
	from := make([]networkingv1.NetworkPolicyPeer, 0, 1+len(b.Namespaces))
	from = append(from, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{}})
	for _, ns := range b.Namespaces {
		from = append(from, networkingv1.NetworkPolicyPeer{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{labelNamespaceName: ns}},
		})
	}
	return &networkingv1.NetworkPolicy{
		ObjectMeta: b.meta(b.names.Instance, componentDatabase),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: b.labels(componentDatabase)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  from,
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(port))}},
			}},
		},
	}, nil
}
