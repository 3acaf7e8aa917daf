package stateful

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"

	fnresource "github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Meta is the metadata of a composed resource: its name and the labels that select it.
func Meta(app string, inst goldenpath.Instance, name, component string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Labels: goldenpath.ComponentLabels(app, inst, component)}
}

// Image is a release's image from the Input's registry and repository, else the defaults. The
// image that runs (want.Image, as Settle kept it) is kept when it is that image pinned by
// digest (as admission policies rewrite them), or when its release cannot be told; any other
// image is replaced.
func Image(in v1beta1.Images, registry, repository string, want Want) string {
	ours := fmt.Sprintf("%s/%s:%s", cmp.Or(in.Registry, registry), cmp.Or(in.Repository, repository), want.Version)
	if want.Image != "" && (want.Version == "" || strings.HasPrefix(want.Image, ours+"@")) {
		return want.Image
	}
	return ours
}

// SecretEnv is an environment variable from a Secret's key.
func SecretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key,
	}}}
}

// Members is the StatefulSet that runs the members of an instance: pods started together, rolled one at a time,
// and volumes from the claim template, kept when the StatefulSet is deleted or scaled down.
// Its selector, serviceName, podManagementPolicy and volume claim templates cannot change
// after creation: they depend only on the instance name, or are kept by Settle.
func Members(meta metav1.ObjectMeta, headless string, want Want, template corev1.PodTemplateSpec, dataVolume string) *appsv1.StatefulSet {
	claim := corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: dataVolume, Labels: meta.Labels},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: want.Storage}},
		},
	}
	if want.StorageClassName != "" {
		claim.Spec.StorageClassName = ptr.To(want.StorageClassName)
	}
	return &appsv1.StatefulSet{
		ObjectMeta: meta,
		Spec: appsv1.StatefulSetSpec{
			ServiceName:         headless,
			Replicas:            ptr.To(want.Replicas),
			Selector:            &metav1.LabelSelector{MatchLabels: meta.Labels},
			PodManagementPolicy: appsv1.ParallelPodManagement,
			UpdateStrategy:      appsv1.StatefulSetUpdateStrategy{Type: appsv1.RollingUpdateStatefulSetStrategyType},
			// The data outlives the StatefulSet: volumes are kept when it is deleted or scaled down.
			PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
				WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
				WhenScaled:  appsv1.RetainPersistentVolumeClaimRetentionPolicyType,
			},
			Template:             template,
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{claim},
		},
	}
}

// SpreadOverNodes prefers members on different nodes, so that losing one node loses one member.
func SpreadOverNodes(labels map[string]string) *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				TopologyKey:   corev1.LabelHostname,
				LabelSelector: &metav1.LabelSelector{MatchLabels: labels},
			},
		}},
	}}
}

// JobImage is the image of the observed Job of a pipeline name, else image: a Job's pod
// template cannot change, so once it exists it keeps its image, and an upgrade or a registry
// change does not touch it.
func JobImage(observed map[fnresource.Name]fnresource.ObservedComposed, name fnresource.Name, image string) string {
	oc, ok := observed[name]
	if !ok {
		return image
	}
	containers, _, _ := unstructured.NestedFieldNoCopy(oc.Resource.Object, "spec", "template", "spec", "containers")
	if l, _ := containers.([]any); len(l) > 0 {
		c, _ := l[0].(map[string]any)
		if img, ok := c["image"].(string); ok {
			return img
		}
	}
	return image
}

// Job runs one container to completion, retried a few times within an hour, with the
// restricted security contexts.
func Job(meta metav1.ObjectMeta, uid int64, c corev1.Container, volumes ...corev1.Volume) *batchv1.Job {
	c.SecurityContext = goldenpath.RestrictedContainer()
	return &batchv1.Job{
		ObjectMeta: meta,
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To(int32(6)),
			ActiveDeadlineSeconds: ptr.To(int64(3600)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: meta.Labels},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyOnFailure,
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					SecurityContext:              goldenpath.RestrictedPod(uid),
					Containers:                   []corev1.Container{c},
					Volumes:                      volumes,
				},
			},
		},
	}
}

// JobResources are a Job container's: a little CPU, memory for a client.
func JobResources(request, limit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse(request)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(limit)},
	}
}

// ConfigHash is a digest of a ConfigMap's data for the members' pod template: the members read
// their configuration at start only, so a change of it must roll them.
func ConfigHash(data map[string]string) string {
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(data)) {
		_, _ = h.Write([]byte(k + "\x00" + data[k] + "\x00"))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
