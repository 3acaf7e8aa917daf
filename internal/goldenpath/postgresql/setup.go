package postgresql

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

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
	image := stateful.JobImage(b.Observed, SetupJobName(b.Replicas), b.image())
	env := append([]corev1.EnvVar{
		{Name: "PGHOST", Value: b.names.Pod(0) + "." + b.names.Headless},
		{Name: "PGPORT", Value: strconv.Itoa(port)},
		{Name: "PGDATABASE", Value: "postgres"},
		{Name: "PGUSER", Value: superuser},
		stateful.SecretEnv("PGPASSWORD", b.names.Superuser, KeyPassword),
		{Name: "MEMBERS", Value: strconv.Itoa(int(b.Replicas))},
	}, b.setupEnv()...)
	return stateful.Job(b.meta(b.names.Job(b.Replicas), componentSetup), postgresUID, corev1.Container{
		Name:         "setup",
		Image:        image,
		Command:      []string{"sh", configDir + "/" + KeySetupJob},
		Env:          env,
		Resources:    stateful.JobResources("64Mi", "256Mi"),
		VolumeMounts: []corev1.VolumeMount{{Name: configVolume, MountPath: configDir, ReadOnly: true}},
	}, b.configVolume()), nil
}
