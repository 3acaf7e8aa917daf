package postgresql

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// The official postgres image (Debian) runs the server as this user and group.
const postgresUID = 999

const (
	defaultRegistry   = "docker.io"
	defaultRepository = "library/postgres"
	// Volumes of the pod besides the data.
	configVolume = "config"
	initdbVolume = "initdb"
	shmVolume    = "dshm"
	// annotationConfig on the pod template rolls the members when the configuration changes.
	annotationConfig = "postgresql.platform.io/config-hash"
)

// image is the major's image from the Input's registry and repository (stateful.Image): its
// tag is the major, so that a restarted member gets the major's newest minor release (pulled
// always).
func (b build) image() string {
	return stateful.Image(b.Input.Images, defaultRegistry, defaultRepository, b.Want)
}

// statefulSet runs the members: ordinal 0 is the primary, the others standbys, which start
// with it and wait for it in their init container. A rolling update goes from the highest
// ordinal down: the standbys restart before the primary.
func statefulSet(b build) (runtime.Object, error) {
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      b.labels(),
			Annotations: map[string]string{annotationConfig: b.configHash()},
		},
		Spec: b.podSpec(),
	}
	return stateful.Members(b.meta(b.names.Instance, componentDatabase), b.names.Headless, b.Want, template, dataVolume), nil
}

func (b build) podSpec() corev1.PodSpec {
	spec := corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		// A fast shutdown checkpoints; give it time rather than a SIGKILL and a recovery.
		TerminationGracePeriodSeconds: ptr.To(int64(120)),
		SecurityContext:               goldenpath.RestrictedPod(postgresUID),
		InitContainers:                []corev1.Container{b.standbyInit()},
		Containers:                    []corev1.Container{b.postgres()},
		Volumes: []corev1.Volume{
			b.configVolume(),
			{Name: initdbVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: b.names.Config}, DefaultMode: ptr.To(int32(0o444)),
				Items: []corev1.KeyToPath{{Key: KeyInitdb, Path: "10-setup.sh"}},
			}}},
			// Parallel queries share memory through /dev/shm, 64 MiB in a container by default.
			{Name: shmVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("256Mi"))}}},
		},
	}
	if b.Replicas > 1 {
		// Spread members over nodes, so that losing one node loses one member.
		spec.Affinity = stateful.SpreadOverNodes(b.labels())
	}
	return spec
}

// standbyInit copies the primary into an empty standby with pg_basebackup. It is in every
// member's template (one template serves all), does nothing on the primary, and so a change
// of the member count does not restart the primary.
func (b build) standbyInit() corev1.Container {
	return corev1.Container{
		Name:    "standby-init",
		Image:   b.image(),
		Command: []string{"sh", configDir + "/" + KeyStandbyInit},
		Env: []corev1.EnvVar{
			{Name: "PGDATA", Value: dataDir},
			{Name: "PRIMARY_HOST", Value: fmt.Sprintf("%s.%s", b.names.Pod(0), b.names.Headless)},
			{Name: "PRIMARY_PORT", Value: strconv.Itoa(port)},
			stateful.SecretEnv("PGPASSWORD", b.names.Replication, KeyPassword),
		},
		Resources:       corev1.ResourceRequirements{Requests: b.Preset.Requests, Limits: b.Preset.Limits},
		SecurityContext: goldenpath.RestrictedContainer(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: dataVolume, MountPath: dataMount},
			{Name: configVolume, MountPath: configDir, ReadOnly: true},
		},
	}
}

func (b build) postgres() corev1.Container {
	isReady := &corev1.ExecAction{Command: []string{"pg_isready", "-q", "-h", "127.0.0.1", "-p", strconv.Itoa(port)}}
	return corev1.Container{
		Name:  container,
		Image: b.image(),
		// The tag is the major: each start takes the major's newest minor release.
		ImagePullPolicy: corev1.PullAlways,
		Command:         []string{"sh", configDir + "/" + KeyStart},
		Env:             append([]corev1.EnvVar{{Name: "PGDATA", Value: dataDir}, stateful.SecretEnv("POSTGRES_PASSWORD", b.names.Superuser, KeyPassword)}, b.setupEnv()...),
		Ports:           []corev1.ContainerPort{{Name: portName, ContainerPort: port, Protocol: corev1.ProtocolTCP}},
		Resources:       corev1.ResourceRequirements{Requests: b.Preset.Requests, Limits: b.Preset.Limits},
		SecurityContext: goldenpath.RestrictedContainer(),
		VolumeMounts: []corev1.VolumeMount{
			{Name: dataVolume, MountPath: dataMount},
			{Name: configVolume, MountPath: configDir, ReadOnly: true},
			{Name: initdbVolume, MountPath: initdbDir, ReadOnly: true},
			{Name: shmVolume, MountPath: "/dev/shm"},
		},
		// initdb, or a recovery after a crash, can take minutes; liveness waits for the start.
		StartupProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{Exec: isReady},
			PeriodSeconds:    10,
			TimeoutSeconds:   5,
			FailureThreshold: 90,
		},
		LivenessProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(portName)}},
			PeriodSeconds:    20,
			TimeoutSeconds:   5,
			FailureThreshold: 6,
		},
		// Ready when the server accepts connections: the primary, or a hot standby.
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{Exec: isReady},
			PeriodSeconds:    10,
			TimeoutSeconds:   5,
			FailureThreshold: 3,
		},
	}
}

// setupEnv is what setup.sql reads: the application's names and passwords, the replication
// role's.
func (b build) setupEnv() []corev1.EnvVar {
	return []corev1.EnvVar{
		stateful.SecretEnv("APP_USER", b.names.App, KeyUsername),
		stateful.SecretEnv("APP_PASSWORD", b.names.App, KeyPassword),
		stateful.SecretEnv("APP_DB", b.names.App, KeyDBName),
		stateful.SecretEnv("REPLICATION_PASSWORD", b.names.Replication, KeyPassword),
	}
}

// configVolume is the ConfigMap, read only.
func (b build) configVolume() corev1.Volume {
	return corev1.Volume{Name: configVolume, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: b.names.Config}, DefaultMode: ptr.To(int32(0o444)),
	}}}
}
