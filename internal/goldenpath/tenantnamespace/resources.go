package tenantnamespace

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// LabelDeletionProtection on a namespace makes the platform's ValidatingAdmissionPolicy
// (example/tenantnamespace/protection.yaml) refuse its deletion.
const LabelDeletionProtection = "tenant.platform.io/deletion-protection"

// Pod Security labels of a namespace.
const (
	labelPSSEnforce        = "pod-security.kubernetes.io/enforce"
	labelPSSEnforceVersion = "pod-security.kubernetes.io/enforce-version"
	labelPSSWarn           = "pod-security.kubernetes.io/warn"
	labelPSSAudit          = "pod-security.kubernetes.io/audit"
)

// quotas are the quota presets: what a team's namespace may hold in all. No load balancers or
// node ports: apps are reached through the platform's routes.
//
//nolint:gochecknoglobals // A table of data, read only.
var quotas = map[string]corev1.ResourceList{
	"small":  quotaOf("4", "8Gi", "16Gi", "100Gi", "10", "40", "20", "100"),
	"medium": quotaOf("16", "32Gi", "64Gi", "500Gi", "30", "100", "50", "200"),
	"large":  quotaOf("64", "128Gi", "256Gi", "2Ti", "100", "300", "100", "500"),
}

func quotaOf(cpu, memory, memoryLimits, storage, volumes, pods, services, objects string) corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceRequestsCPU:            resource.MustParse(cpu),
		corev1.ResourceRequestsMemory:         resource.MustParse(memory),
		corev1.ResourceLimitsMemory:           resource.MustParse(memoryLimits),
		corev1.ResourceRequestsStorage:        resource.MustParse(storage),
		corev1.ResourcePersistentVolumeClaims: resource.MustParse(volumes),
		corev1.ResourcePods:                   resource.MustParse(pods),
		corev1.ResourceServices:               resource.MustParse(services),
		corev1.ResourceServicesLoadBalancers:  resource.MustParse("0"),
		corev1.ResourceServicesNodePorts:      resource.MustParse("0"),
		corev1.ResourceSecrets:                resource.MustParse(objects),
		corev1.ResourceConfigMaps:             resource.MustParse(objects),
	}
}

// meta is the metadata of a resource in the namespace.
func (b build) meta(suffix string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: b.Instance.Name + "-" + suffix, Namespace: b.Namespace, Labels: b.labels()}
}

func (b build) labels() map[string]string {
	return goldenpath.ComponentLabels(App, b.Instance, "namespace")
}

// namespace enforces its Pod Security level, audits and warns at restricted, and carries the
// deletion protection label while protected.
func namespace(b build) (runtime.Object, error) {
	l := b.labels()
	l[labelPSSEnforce] = b.PodSecurity
	l[labelPSSEnforceVersion] = "latest"
	l[labelPSSWarn] = podSecurityRestricted
	l[labelPSSAudit] = podSecurityRestricted
	if b.DeletionProtection {
		l[LabelDeletionProtection] = "true"
	}
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: b.Namespace, Labels: l}}, nil
}

// quota bounds what the namespace holds. It also counts its pods and volumes, which the
// deletion protection reads.
func quota(b build) (runtime.Object, error) {
	return &corev1.ResourceQuota{ObjectMeta: b.meta("quota"), Spec: corev1.ResourceQuotaSpec{Hard: quotas[b.Quota]}}, nil
}

// limits give containers without requests or limits some, so that they run under the quota,
// which needs them.
func limits(b build) (runtime.Object, error) {
	return &corev1.LimitRange{
		ObjectMeta: b.meta("limits"),
		Spec: corev1.LimitRangeSpec{Limits: []corev1.LimitRangeItem{{
			Type:           corev1.LimitTypeContainer,
			Default:        corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
			DefaultRequest: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("256Mi")},
		}}},
	}, nil
}

// defaultDeny lets nothing in: each app's own policy opens what it serves.
func defaultDeny(b build) (runtime.Object, error) {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: b.meta("default-deny"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}, nil
}

// sameNamespace lets the namespace's pods reach each other.
func sameNamespace(b build) (runtime.Object, error) {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: b.meta("same-namespace"),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress:     []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{}}}}},
		},
	}, nil
}

// editRole is Kubernetes' aggregated ClusterRole of a namespace's editors.
const editRole = "edit"

// teamEdit makes the team's group editors of the namespace (Kubernetes' edit role: workloads,
// Services, Secrets, but not the quota, the policies or RBAC).
func teamEdit(b build) (runtime.Object, error) {
	return &rbacv1.RoleBinding{
		ObjectMeta: b.meta("team-edit"),
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: editRole},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: b.Team.Name}},
	}, nil
}
