package webapp

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// service is the app's in-cluster address, port 80 to the app's port, ready pods only.
func service(b build) (runtime.Object, error) {
	return &corev1.Service{
		ObjectMeta: b.meta(),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: b.labels(),
			Ports: []corev1.ServicePort{{
				Name: portName, Port: servicePort, TargetPort: intstr.FromString(portName),
				Protocol: corev1.ProtocolTCP, AppProtocol: ptr.To(portName),
			}},
		},
	}, nil
}

// autoscaler keeps the replicas between min and max at the target CPU use.
func autoscaler(b build) (runtime.Object, error) {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: b.meta(),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: b.Instance.Name},
			MinReplicas:    ptr.To(b.Autoscale.Min),
			MaxReplicas:    b.Autoscale.Max,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: b.Autoscale.TargetCPU},
				},
			}},
		},
	}, nil
}

// disruptionBudget lets voluntary disruptions (node drains, cluster upgrades) take one replica
// at a time. Unhealthy pods may always be evicted: they serve nothing.
func disruptionBudget(b build) (runtime.Object, error) {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: b.meta(),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             ptr.To(intstr.FromInt32(1)),
			Selector:                   &metav1.LabelSelector{MatchLabels: b.labels()},
			UnhealthyPodEvictionPolicy: ptr.To(policyv1.AlwaysAllow),
		},
	}, nil
}

// networkPolicy lets in the app's port only. It is open to every source on that port, as the
// widely used charts' allowExternal default: the ingress controller or Gateway that routes to
// the app runs where the platform put it, which the app cannot know.
func networkPolicy(b build) (runtime.Object, error) {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: b.meta(),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: b.labels()},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(b.Port))}},
			}},
		},
	}, nil
}
