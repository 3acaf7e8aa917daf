package webapp

import (
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// annotationClusterIssuer asks cert-manager for the Ingress's certificate.
const annotationClusterIssuer = "cert-manager.io/cluster-issuer"

// ingressRoute routes the host and path to the app's Service, with TLS from a Secret that
// cert-manager fills when the platform names a ClusterIssuer.
func ingressRoute(b build) (runtime.Object, error) {
	ing := &networkingv1.Ingress{
		ObjectMeta: b.meta(),
		Spec: networkingv1.IngressSpec{
			Rules: []networkingv1.IngressRule{{
				Host: b.Host,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     b.Path,
						PathType: ptr.To(networkingv1.PathTypePrefix),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: b.Instance.Name, Port: networkingv1.ServiceBackendPort{Name: portName},
						}},
					}},
				}},
			}},
		},
	}
	if c := b.Input.Web.IngressClassName; c != "" {
		ing.Spec.IngressClassName = ptr.To(c)
	}
	if b.TLS {
		ing.Spec.TLS = []networkingv1.IngressTLS{{Hosts: []string{b.Host}, SecretName: b.Instance.Name + "-tls"}}
		if issuer := b.Input.Web.ClusterIssuer; issuer != "" {
			ing.Annotations = map[string]string{annotationClusterIssuer: issuer}
		}
	}
	return ing, nil
}

// gatewayRoute attaches the host and path to the platform's Gateway, which terminates TLS.
func gatewayRoute(b build) (runtime.Object, error) {
	gw := b.Input.Web.Gateway
	parent := gatewayv1.ParentReference{
		Name:      gatewayv1.ObjectName(gw.Name),
		Namespace: ptr.To(gatewayv1.Namespace(gw.Namespace)),
	}
	if gw.SectionName != "" {
		parent.SectionName = ptr.To(gatewayv1.SectionName(gw.SectionName))
	}
	return &gatewayv1.HTTPRoute{
		ObjectMeta: b.meta(),
		Spec: gatewayv1.HTTPRouteSpec{
			CommonRouteSpec: gatewayv1.CommonRouteSpec{ParentRefs: []gatewayv1.ParentReference{parent}},
			Hostnames:       []gatewayv1.Hostname{gatewayv1.Hostname(b.Host)},
			Rules: []gatewayv1.HTTPRouteRule{{
				Matches: []gatewayv1.HTTPRouteMatch{{Path: &gatewayv1.HTTPPathMatch{
					Type: ptr.To(gatewayv1.PathMatchPathPrefix), Value: ptr.To(b.Path),
				}}},
				BackendRefs: []gatewayv1.HTTPBackendRef{{BackendRef: gatewayv1.BackendRef{BackendObjectReference: gatewayv1.BackendObjectReference{
					Name: gatewayv1.ObjectName(b.Instance.Name), Port: ptr.To(gatewayv1.PortNumber(servicePort)),
				}}}},
			}},
		},
	}, nil
}
