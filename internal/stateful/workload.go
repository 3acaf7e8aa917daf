package stateful

import (
	"cmp"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// Image is the release's image from the Input's registry and repository, else the golden
// path's. The image that runs is kept when it is that image pinned by digest (as admission
// policies rewrite them), or when its release cannot be told (Want.Version empty, as Settle
// leaves it); any other image is replaced.
func Image(in v1beta1.Images, registry, repository string, w Want) string {
	ours := fmt.Sprintf("%s/%s:%s", cmp.Or(in.Registry, registry), cmp.Or(in.Repository, repository), w.Version)
	if w.Image != "" && (w.Version == "" || strings.HasPrefix(w.Image, ours+"@")) {
		return w.Image
	}
	return ours
}

// Members is the StatefulSet of a data service's members: started together, rolled one at a
// time, each with a volume of Want's storage (and class) named after the engine's data
// volume, which outlives the StatefulSet's deletion and scale-downs. Its selector, serviceName,
// podManagementPolicy and volume claim templates cannot change after creation: they depend
// only on the instance name (meta, selector, headless), or are kept from the observed
// StatefulSet by Settle.
func (e Engine) Members(meta metav1.ObjectMeta, selector map[string]string, headless string, w Want, tmpl corev1.PodTemplateSpec) *appsv1.StatefulSet {
	claim := corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: e.DataVolume, Labels: meta.Labels},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: w.Storage}},
		},
	}
	if w.StorageClassName != "" {
		claim.Spec.StorageClassName = ptr.To(w.StorageClassName)
	}
	return &appsv1.StatefulSet{
		ObjectMeta: meta,
		Spec: appsv1.StatefulSetSpec{
			ServiceName:         headless,
			Replicas:            ptr.To(w.Replicas),
			Selector:            &metav1.LabelSelector{MatchLabels: selector},
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
			Template:             tmpl,
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{claim},
		},
	}
}

// SpreadOverNodes prefers to put each member on another node, so that losing one node loses
// one member.
func SpreadOverNodes(selector map[string]string) *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				TopologyKey:   corev1.LabelHostname,
				LabelSelector: &metav1.LabelSelector{MatchLabels: selector},
			},
		}},
	}}
}

// Settled tells whether every member of an observed StatefulSet is ready and runs its
// current template: then its pods need not be fetched.
func Settled(sts *composed.Unstructured) bool {
	integer := func(path string) int64 { v, _ := sts.GetInteger(path); return v } //nolint:nlreturn // A one-line accessor.
	current, _ := sts.GetString("status.currentRevision")
	update, _ := sts.GetString("status.updateRevision")
	replicas := integer("spec.replicas")
	return integer("status.observedGeneration") >= integer("metadata.generation") && current == update &&
		integer("status.readyReplicas") == replicas && integer("status.updatedReplicas") == replicas
}

// ByName asks Crossplane for one object of the XR's namespace by name.
func ByName(namespace, apiVersion, kind, name string) *fnv1.ResourceSelector {
	return &fnv1.ResourceSelector{ApiVersion: apiVersion, Kind: kind, Namespace: &namespace, Match: &fnv1.ResourceSelector_MatchName{MatchName: name}}
}

// PodsOf asks Crossplane for the pods of the XR's namespace that carry the labels.
func PodsOf(namespace string, labels map[string]string) *fnv1.ResourceSelector {
	return &fnv1.ResourceSelector{
		ApiVersion: "v1",
		Kind:       "Pod",
		Match:      &fnv1.ResourceSelector_MatchLabels{MatchLabels: &fnv1.MatchLabels{Labels: labels}},
		Namespace:  &namespace,
	}
}
