package valkey

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// componentCache is the app.kubernetes.io/component of the members and what selects them.
const componentCache = "cache"

// The official valkey/valkey image runs valkey-server as this user and group.
const valkeyUID = 999

const (
	defaultRegistry   = "docker.io"
	defaultRepository = "valkey/valkey"
	// annotationConfig on the pod template rolls the members when their configuration changes.
	annotationConfig = "cache.platform.io/config-checksum"
	// envAuth is the password in every container: valkey-cli reads it (so that no password is
	// an argument of a probe), and the start scripts write it into the configuration that runs.
	envAuth = "REDISCLI_AUTH"
	// envMembers lists the members' addresses for the start scripts, with replicas.
	envMembers = "MEMBERS"
)

// primaryFunction prints the address of the primary: the one the other members' Sentinels
// monitor, or, on the first start of the set when none answers, the first member. An answer
// that is not a member's address is ignored.
const primaryFunction = `primary() {
  for m in $MEMBERS; do
    [ "$m" = "$ME" ] && continue
    p=$(timeout 3 valkey-cli -h "$m" -p ` + "SENTINEL_PORT" + ` --raw SENTINEL get-master-addr-by-name ` + masterName + ` 2>/dev/null | head -n 1) || true
    case " $MEMBERS " in *" $p "*) echo "$p"; return ;; esac
  done
  echo "${MEMBERS%% *}"
}
`

// serverScript starts valkey-server with the composed valkey.conf, the password and, with
// replicas, the address it announces and the primary it replicates.
const serverScript = `conf=` + runDir + `/valkey.conf
cp ` + configDir + `/` + KeyValkeyConf + ` "$conf"
printf 'requirepass %s\nmasterauth %s\n' "$` + envAuth + `" "$` + envAuth + `" >>"$conf"
if [ -n "${MEMBERS:-}" ]; then
  printf 'replica-announce-ip %s\n' "$ME" >>"$conf"
  p=$(primary)
  [ "$p" = "$ME" ] || printf 'replicaof %s ` + "VALKEY_PORT" + `\n' "$p" >>"$conf"
fi
exec valkey-server "$conf"
`

// sentinelScript starts a Sentinel that monitors the primary, known by its DNS name.
const sentinelScript = `conf=` + runDir + `/sentinel.conf
{
  cat ` + configDir + `/` + KeySentinelConf + `
  printf 'sentinel monitor ` + masterName + ` %s ` + "VALKEY_PORT" + ` %s\n' "$(primary)" "$QUORUM"
  cat ` + configDir + `/` + KeySentinelPrimaryConf + `
  printf 'sentinel auth-pass ` + masterName + ` %s\nrequirepass %s\nsentinel sentinel-pass %s\nsentinel announce-ip %s\n' "$` + envAuth + `" "$` + envAuth + `" "$` + envAuth + `" "$ME"
} >"$conf"
exec valkey-server "$conf" --sentinel
`

// script is a start script: strict, writing files (which hold the password) that only its
// user reads, with the primary function, and its ports filled in.
func script(body string) string {
	return strings.NewReplacer("SENTINEL_PORT", strconv.Itoa(sentinelPort), "VALKEY_PORT", strconv.Itoa(port)).
		Replace("set -eu\numask 077\n" + primaryFunction + body)
}

// image is the release's image, or the one that runs when Settle keeps it.
func (b build) image() string {
	return stateful.Image(b.Input.Images, defaultRegistry, defaultRepository, b.Want)
}

// statefulSet runs the members; the kit's guards keep what cannot change.
func statefulSet(b build) (runtime.Object, error) {
	return stateful.Members(b.meta(b.names.Instance, componentCache), b.names.Headless, b.Want, corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{
			Labels:      b.labels(componentCache),
			Annotations: map[string]string{annotationConfig: b.configChecksum(), annotationPersistence: b.Persistence},
		},
		Spec: b.podSpec(),
	}, dataVolume), nil
}

func (b build) podSpec() corev1.PodSpec {
	spec := corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		// Time for the snapshot valkey-server writes when it stops (RDB).
		TerminationGracePeriodSeconds: ptr.To(int64(60)),
		SecurityContext:               goldenpath.RestrictedPod(valkeyUID),
		Containers:                    []corev1.Container{b.server()},
		Volumes: []corev1.Volume{
			{Name: configMount, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: b.names.Config}, DefaultMode: ptr.To(int32(0o444)),
			}}},
			// The configuration that runs holds the password: in memory, never on the volume.
			{Name: runMount, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{
				Medium: corev1.StorageMediumMemory, SizeLimit: ptr.To(resource.MustParse("4Mi")),
			}}},
		},
	}
	if b.Replicated() {
		spec.Containers = append(spec.Containers, b.sentinel())
		spec.Affinity = stateful.SpreadOverNodes(b.labels(componentCache))
	}
	return spec
}

// env of every container: the password for valkey-cli and the start scripts and, with
// replicas, the members' addresses.
func (b build) env() []corev1.EnvVar {
	env := make([]corev1.EnvVar, 0, 5)
	env = append(env, corev1.EnvVar{Name: envAuth, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: b.names.Credentials}, Key: KeyPassword,
	}}})
	if !b.Replicated() {
		return env
	}
	members := make([]string, b.Replicas)
	for i := range b.Replicas {
		members[i] = b.memberHost(i)
	}
	return append(env,
		corev1.EnvVar{Name: envMembers, Value: strings.Join(members, " ")},
		corev1.EnvVar{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		corev1.EnvVar{Name: "ME", Value: fmt.Sprintf("$(POD_NAME).%s.%s.svc", b.names.Headless, b.XR.Resource.GetNamespace())},
		corev1.EnvVar{Name: "QUORUM", Value: strconv.Itoa(int(b.quorum()))},
	)
}

func (b build) mounts() []corev1.VolumeMount {
	return []corev1.VolumeMount{
		{Name: configMount, MountPath: configDir, ReadOnly: true},
		{Name: runMount, MountPath: runDir},
	}
}

func (b build) server() corev1.Container {
	return corev1.Container{
		Name:            container,
		Image:           b.image(),
		Command:         []string{"sh", "-c", script(serverScript)},
		Env:             b.env(),
		Ports:           []corev1.ContainerPort{{Name: portName, ContainerPort: port, Protocol: corev1.ProtocolTCP}},
		Resources:       corev1.ResourceRequirements{Requests: b.Preset.Requests, Limits: b.Preset.Limits},
		SecurityContext: goldenpath.RestrictedContainer(),
		VolumeMounts:    append(b.mounts(), corev1.VolumeMount{Name: dataVolume, MountPath: dataDir}),
		// Loading a large data set can take minutes: starting and alive while it loads.
		StartupProbe:  pingProbe(port, true, 10, 60),
		LivenessProbe: pingProbe(port, true, 20, 6),
		// Ready when it answers PONG.
		ReadinessProbe: pingProbe(port, false, 10, 3),
	}
}

func (b build) sentinel() corev1.Container {
	return corev1.Container{
		Name:    sentinelName,
		Image:   b.image(),
		Command: []string{"sh", "-c", script(sentinelScript)},
		Env:     b.env(),
		Ports:   []corev1.ContainerPort{{Name: sentinelName, ContainerPort: sentinelPort, Protocol: corev1.ProtocolTCP}},
		Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
			Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
		},
		SecurityContext: goldenpath.RestrictedContainer(),
		VolumeMounts:    b.mounts(),
		LivenessProbe:   pingProbe(sentinelPort, false, 20, 6),
		ReadinessProbe:  pingProbe(sentinelPort, false, 10, 3),
	}
}

// pingProbe runs valkey-cli ping, authenticated by REDISCLI_AUTH from the environment (no
// password among its arguments). loading tolerates the LOADING answer of a server that
// reads its data set at start.
func pingProbe(p int32, loading bool, period, failures int32) *corev1.Probe {
	ok := "PONG"
	if loading {
		ok = "PONG|LOADING*"
	}
	return &corev1.Probe{
		ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{
			"sh", "-c", fmt.Sprintf(`case "$(valkey-cli -h 127.0.0.1 -p %d ping 2>&1)" in %s) ;; *) exit 1 ;; esac`, p, ok),
		}}},
		PeriodSeconds:    period,
		TimeoutSeconds:   5,
		FailureThreshold: failures,
	}
}
