package mongodb

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Components, for the app.kubernetes.io/component label.
const (
	componentDatabase   = "database"
	componentReplicaSet = "replicaset-init"
)

// The official mongo image runs mongod as this user and group.
const mongodbUID = 999

const (
	defaultRegistry   = "docker.io"
	defaultRepository = "library/mongo"
	keyfileDir        = "/keyfile"
	keyfileSecretDir  = "/keyfile-secret"
	// Volumes of the keyfile: the Secret, and its copy readable by mongod alone.
	keyfileVolume       = "keyfile"
	keyfileSecretVolume = "keyfile-secret"
)

// image is the release's image, or the one that runs when settle keeps it.
func (b build) image() string {
	return stateful.Image(b.Input.Images, defaultRegistry, defaultRepository, b.Want)
}

// statefulSet runs the members; the kit's guards keep what cannot change. The members start
// together; the replica set Job waits for them and forms the set.
func statefulSet(b build) (runtime.Object, error) {
	return engine.Members(b.meta(b.names.Instance, componentDatabase), b.labels(componentDatabase), b.names.Headless, b.Want, corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: b.labels(componentDatabase)},
		Spec:       b.podSpec(),
	}), nil
}

func (b build) podSpec() corev1.PodSpec {
	spec := corev1.PodSpec{
		AutomountServiceAccountToken:  ptr.To(false),
		EnableServiceLinks:            ptr.To(false),
		TerminationGracePeriodSeconds: ptr.To(int64(60)),
		SecurityContext:               stateful.RestrictedPod(mongodbUID),
		Containers:                    []corev1.Container{b.mongod()},
	}
	if b.ReplicaSet() {
		spec.Affinity = stateful.SpreadOverNodes(b.labels(componentDatabase))
		// mongod refuses a keyfile that others can read, and a Secret volume's files belong
		// to root: copy it into memory, owned by mongod's user, readable by it alone.
		spec.InitContainers = []corev1.Container{{
			Name:            keyfileVolume,
			Image:           b.image(),
			Command:         []string{"sh", "-c", fmt.Sprintf("cp %s/%s %s/%s && chmod 0400 %s/%s", keyfileSecretDir, keyfileKey, keyfileDir, keyfileKey, keyfileDir, keyfileKey)},
			SecurityContext: stateful.RestrictedContainer(),
			Resources:       corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}, Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")}},
			VolumeMounts: []corev1.VolumeMount{
				{Name: keyfileSecretVolume, MountPath: keyfileSecretDir, ReadOnly: true},
				{Name: keyfileVolume, MountPath: keyfileDir},
			},
		}}
		spec.Volumes = []corev1.Volume{
			{Name: keyfileSecretVolume, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: b.names.Keyfile, DefaultMode: ptr.To(int32(0o440))}}},
			{Name: keyfileVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("1Mi"))}}},
		}
	}
	return spec
}

func (b build) mongod() corev1.Container {
	args := []string{"--bind_ip_all", "--port", strconv.Itoa(port), "--wiredTigerCacheSizeGB", b.cacheSizeGB()}
	mounts := []corev1.VolumeMount{{Name: dataVolume, MountPath: "/data/db"}}
	if b.ReplicaSet() {
		args = append(args, "--replSet", replicaSetName, "--keyFile", keyfileDir+"/"+keyfileKey)
		mounts = append(mounts, corev1.VolumeMount{Name: keyfileVolume, MountPath: keyfileDir, ReadOnly: true})
	}
	return corev1.Container{
		Name:  container,
		Image: b.image(),
		// Flags only: the image's entrypoint runs mongod with them and, on an empty data
		// directory, first creates the root user from the environment below.
		Args: args,
		Env: []corev1.EnvVar{
			secretEnv("MONGO_INITDB_ROOT_USERNAME", b.names.Credentials, KeyUsername),
			secretEnv("MONGO_INITDB_ROOT_PASSWORD", b.names.Credentials, KeyPassword),
		},
		Ports:           []corev1.ContainerPort{{Name: portName, ContainerPort: port, Protocol: corev1.ProtocolTCP}},
		Resources:       corev1.ResourceRequirements{Requests: b.Preset.Requests, Limits: b.Preset.Limits},
		SecurityContext: stateful.RestrictedContainer(),
		VolumeMounts:    mounts,
		// Starting on a large data set can take minutes; liveness waits for the start.
		StartupProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(portName)}},
			PeriodSeconds:    10,
			FailureThreshold: 60,
		},
		LivenessProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(portName)}},
			PeriodSeconds:    20,
			TimeoutSeconds:   5,
			FailureThreshold: 6,
		},
		// Ready when mongod answers a ping (no authentication needed).
		ReadinessProbe: &corev1.Probe{
			ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{
				"mongosh", "--quiet", "--norc", "--port", strconv.Itoa(port), "--eval", "quit(db.adminCommand({ping: 1}).ok ? 0 : 1)",
			}}},
			PeriodSeconds:    10,
			TimeoutSeconds:   10,
			FailureThreshold: 3,
		},
	}
}

// cacheSizeGB sizes WiredTiger's cache as mongod would on a machine with the container's
// memory: half of (memory - 1 GiB), at least 0.25 GiB.
func (b build) cacheSizeGB() string {
	const gib = 1 << 30
	gb := 0.25
	if mem, ok := b.Preset.Memory(); ok {
		gb = max(gb, (float64(mem.Value())/gib-1)/2)
	}
	return strconv.FormatFloat(gb, 'f', 2, 64)
}

func secretEnv(name, secret, key string) corev1.EnvVar {
	return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: secret}, Key: key,
	}}}
}
