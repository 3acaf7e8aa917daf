package postgresql

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// setupJob runs setup.sql on the primary: the roles and the database as the Secrets say, and a
// replication slot per standby. The primary's first start runs it too (initdb.sh); the Job
// makes it hold for data that was not initialised here (restored, or older than a Secret's
// key) and keeps the slots to the member count. Its pod template depends on the member count,
// and a Job's template cannot change, so each count has its own Job (and pipeline name).
func setupJob(b build) (runtime.Object, error) {
	// Once the Job exists it keeps its image, so that a new minor release or registry does not
	// touch it; everything else depends only on the member count, which is in its name.
	image := b.image()
	if oc, ok := b.Observed[SetupJobName(b.Replicas)]; ok {
		if observed, err := oc.Resource.GetString("spec.template.spec.containers[0].image"); err == nil {
			image = observed
		}
	}
	env := append([]corev1.EnvVar{
		{Name: "PGHOST", Value: b.names.Pod(0) + "." + b.names.Headless},
		{Name: "PGPORT", Value: strconv.Itoa(port)},
		{Name: "PGDATABASE", Value: "postgres"},
		{Name: "PGUSER", Value: superuser},
		secretEnv("PGPASSWORD", b.names.Superuser, KeyPassword),
		{Name: "MEMBERS", Value: strconv.Itoa(int(b.Replicas))},
	}, b.setupEnv()...)
	return &batchv1.Job{
		ObjectMeta: b.meta(b.names.Job(b.Replicas), componentSetup),
		Spec: batchv1.JobSpec{
			BackoffLimit:          ptr.To(int32(6)),
			ActiveDeadlineSeconds: ptr.To(int64(3600)),
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.labels(componentSetup)},
				Spec: corev1.PodSpec{
					RestartPolicy:                corev1.RestartPolicyOnFailure,
					AutomountServiceAccountToken: ptr.To(false),
					EnableServiceLinks:           ptr.To(false),
					SecurityContext:              stateful.RestrictedPod(postgresUID),
					Containers: []corev1.Container{{
						Name:    "setup",
						Image:   image,
						Command: []string{"sh", configDir + "/" + KeySetupJob},
						Env:     env,
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						SecurityContext: stateful.RestrictedContainer(),
						VolumeMounts:    []corev1.VolumeMount{{Name: configVolume, MountPath: configDir, ReadOnly: true}},
					}},
					Volumes: []corev1.Volume{{Name: configVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: b.names.Config}, DefaultMode: ptr.To(int32(0o444)),
					}}}},
				},
			},
		},
	}, nil
}
