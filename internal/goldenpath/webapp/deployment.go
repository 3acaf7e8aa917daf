package webapp

import (
	"fmt"
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/webapp/v1alpha1"
)

// Facts of the app's pods.
const (
	// appUID is the user apps run as: the distroless images' nonroot user. Pod Security's
	// restricted profile forbids root, and an image's own USER may be a name Kubernetes
	// cannot check.
	appUID = 65532
	// progressDeadline is how long a rollout may make no progress before the Deployment, and
	// the XR, say it failed.
	progressDeadline = 300
	tmpVolume        = "tmp"
)

// deployment runs the app: replicas spread over nodes and zones, rolled out one new pod at a
// time without taking a ready one away, with restricted security and probes on healthPath.
// With autoscaling the replicas are left to the autoscaler: a desired count would undo it.
func deployment(b build) (runtime.Object, error) {
	d := &appsv1.Deployment{
		ObjectMeta: b.meta(),
		Spec: appsv1.DeploymentSpec{
			Selector:                &metav1.LabelSelector{MatchLabels: b.labels()},
			ProgressDeadlineSeconds: ptr.To[int32](progressDeadline),
			RevisionHistoryLimit:    ptr.To[int32](5),
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxUnavailable: ptr.To(intstr.FromInt32(0)),
					MaxSurge:       ptr.To(intstr.FromInt32(1)),
				},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: b.labels()},
				Spec:       b.podSpec(),
			},
		},
	}
	if !b.Autoscaled() {
		d.Spec.Replicas = ptr.To(b.Replicas)
	}
	return d, nil
}

func (b build) podSpec() corev1.PodSpec {
	return corev1.PodSpec{
		AutomountServiceAccountToken: ptr.To(false),
		EnableServiceLinks:           ptr.To(false),
		SecurityContext:              goldenpath.RestrictedPod(appUID),
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{
			b.spread(corev1.LabelHostname),
			b.spread(corev1.LabelTopologyZone),
		},
		Containers: []corev1.Container{b.app()},
		// A read-only root file system, with a writable /tmp as most runtimes need.
		Volumes: []corev1.Volume{{Name: tmpVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
	}
}

// spread keeps replicas apart over a topology domain where it can, never blocking a pod.
func (b build) spread(key string) corev1.TopologySpreadConstraint {
	return corev1.TopologySpreadConstraint{
		MaxSkew:           1,
		TopologyKey:       key,
		WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: b.labels()},
	}
}

func (b build) app() corev1.Container {
	probe := func(failures int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: b.HealthPath, Port: intstr.FromString(portName)}},
			PeriodSeconds:    10,
			FailureThreshold: failures,
		}
	}
	security := goldenpath.RestrictedContainer()
	security.ReadOnlyRootFilesystem = ptr.To(true)
	return corev1.Container{
		Name:            container,
		Image:           b.Image,
		Ports:           []corev1.ContainerPort{{Name: portName, ContainerPort: b.Port, Protocol: corev1.ProtocolTCP}},
		Env:             b.env(),
		Resources:       corev1.ResourceRequirements{Requests: b.Preset.Requests, Limits: b.Preset.Limits},
		SecurityContext: security,
		// Up to five minutes to start, then restarted after three failed checks, and out of
		// the Service after two.
		StartupProbe:   &corev1.Probe{ProbeHandler: probe(0).ProbeHandler, PeriodSeconds: 5, FailureThreshold: 60},
		LivenessProbe:  probe(3),
		ReadinessProbe: probe(2),
		VolumeMounts:   []corev1.VolumeMount{{Name: tmpVolume, MountPath: "/tmp"}},
	}
}

// env is the app's environment: PORT, which many frameworks listen on, then the spec's.
func (b build) env() []corev1.EnvVar {
	env := make([]corev1.EnvVar, 0, 1+len(b.Env))
	if !slices.ContainsFunc(b.Env, func(e v1alpha1.EnvVar) bool { return e.Name == "PORT" }) {
		env = append(env, corev1.EnvVar{Name: "PORT", Value: strconv.Itoa(int(b.Port))})
	}
	for _, e := range b.Env {
		if ref := e.SecretKeyRef; ref != nil {
			env = append(env, corev1.EnvVar{Name: e.Name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: ref.Name}, Key: ref.Key,
			}}})
			continue
		}
		env = append(env, corev1.EnvVar{Name: e.Name, Value: ptr.Deref(e.Value, "")})
	}
	return env
}

// describe is the app for humans, e.g. "web app traefik/whoami:v1.10, 2 replicas".
func (p params) describe() string {
	scale := fmt.Sprintf("%d replicas", p.Replicas)
	if p.Replicas == 1 {
		scale = "1 replica"
	}
	if p.Autoscaled() {
		scale = fmt.Sprintf("%d to %d replicas at %d%% CPU", p.Autoscale.Min, p.Autoscale.Max, *p.Autoscale.TargetCPU)
	}
	return fmt.Sprintf("web app %s, %s", p.Image, scale)
}
