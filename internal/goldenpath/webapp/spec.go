package webapp

import (
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/webapp/v1alpha1"
)

// Bounds of the spec, as the XRD declares them.
const (
	minPort        = 1025
	maxPort        = 65535
	maxReplicas    = 20
	maxAutoscaling = 50
	minTargetCPU   = 10
	maxTargetCPU   = 100
	maxEnv         = 64
	maxPathLength  = 253
)

// minMemory is the least memory a preset must give an app.
//
//nolint:gochecknoglobals // A constant quantity.
var minMemory = resource.MustParse("64Mi")

// params are a validated, defaulted spec: what the blueprint composes from.
type params struct {
	Image string
	// Tag is the image's tag, for the app.kubernetes.io/version label, or "" (latest, a digest).
	Tag        string
	Port       int32
	Replicas   int32
	Autoscale  *v1alpha1.Autoscaling
	Preset     v1beta1.Preset
	Env        []v1alpha1.EnvVar
	Host       string
	TLS        bool
	Path       string
	HealthPath string
}

// resolve defaults and validates a spec, returning every problem with its field.
func resolve(s v1alpha1.Spec, xrName, namespace string, in *v1beta1.Input) (params, field.ErrorList) {
	spec := field.NewPath("spec")
	p := params{
		Image:      s.Image,
		Port:       ptr.Deref(s.Port, v1alpha1.DefaultPort),
		Env:        s.Env,
		Host:       strings.ToLower(strings.TrimSuffix(ptr.Deref(s.Host, ""), ".")),
		TLS:        ptr.Deref(s.TLS, v1alpha1.DefaultTLS),
		Path:       ptr.Deref(s.Path, v1alpha1.DefaultPath),
		HealthPath: ptr.Deref(s.HealthPath, v1alpha1.DefaultHealthPath),
	}
	if p.Host == "" && in.Web.BaseDomain != "" {
		p.Host = fmt.Sprintf("%s-%s.%s", xrName, namespace, in.Web.BaseDomain)
	}

	var errs field.ErrorList
	named, err := reference.ParseNormalizedNamed(p.Image)
	if err != nil {
		errs = append(errs, field.Invalid(spec.Child("image"), p.Image, "must be an image reference such as ghcr.io/team-a/shop:1.4.2: "+err.Error()))
	}
	if t, ok := named.(reference.Tagged); ok {
		p.Tag = t.Tag()
	}
	if p.Port < minPort || p.Port > maxPort {
		errs = append(errs, field.Invalid(spec.Child("port"), p.Port, fmt.Sprintf("must be from %d to %d: the app runs as a non-root user, which cannot listen below %d", minPort, maxPort, minPort)))
	}
	var serrs field.ErrorList
	p.Replicas, p.Autoscale, serrs = scale(s, spec)
	errs = append(errs, serrs...)
	preset, perr := goldenpath.Preset(ptr.Deref(s.Size, v1alpha1.DefaultSize), in, minMemory, container)
	if perr != nil {
		errs = append(errs, perr)
	}
	p.Preset = preset
	errs = append(errs, validEnv(spec.Child("env"), p.Env)...)
	if p.Host != "" {
		for _, msg := range validation.IsDNS1123Subdomain(p.Host) {
			errs = append(errs, field.Invalid(spec.Child("host"), p.Host, msg))
		}
	}
	for _, f := range []struct{ name, path string }{{"path", p.Path}, {"healthPath", p.HealthPath}} {
		if !strings.HasPrefix(f.path, "/") || len(f.path) > maxPathLength || strings.ContainsAny(f.path, " \t\n?#") {
			errs = append(errs, field.Invalid(spec.Child(f.name), f.path, "must be an absolute URL path such as /, without spaces, query or fragment"))
		}
	}
	return p, errs
}

// scale is the replicas to start with, and the autoscaling that takes over from them, if any.
func scale(s v1alpha1.Spec, spec *field.Path) (int32, *v1alpha1.Autoscaling, field.ErrorList) {
	if s.Autoscaling == nil {
		replicas := ptr.Deref(s.Replicas, v1alpha1.DefaultReplicas)
		if replicas < 1 || replicas > maxReplicas {
			return replicas, nil, field.ErrorList{field.Invalid(spec.Child("replicas"), replicas, fmt.Sprintf("must be from 1 to %d", maxReplicas))}
		}
		return replicas, nil, nil
	}
	path := spec.Child("autoscaling")
	if s.Replicas != nil {
		return 0, nil, field.ErrorList{field.Forbidden(spec.Child("replicas"), "set replicas or autoscaling, not both")}
	}
	a := *s.Autoscaling
	a.TargetCPU = ptr.To(ptr.Deref(a.TargetCPU, v1alpha1.DefaultTargetCPU))
	var errs field.ErrorList
	if a.Min < 1 || a.Min > maxAutoscaling {
		errs = append(errs, field.Invalid(path.Child("min"), a.Min, fmt.Sprintf("must be from 1 to %d", maxAutoscaling)))
	}
	if a.Max < a.Min || a.Max > maxAutoscaling {
		errs = append(errs, field.Invalid(path.Child("max"), a.Max, fmt.Sprintf("must be from min (%d) to %d", a.Min, maxAutoscaling)))
	}
	if *a.TargetCPU < minTargetCPU || *a.TargetCPU > maxTargetCPU {
		errs = append(errs, field.Invalid(path.Child("targetCPU"), *a.TargetCPU, fmt.Sprintf("must be from %d to %d percent", minTargetCPU, maxTargetCPU)))
	}
	return a.Min, &a, errs
}

// validEnv checks the environment: names each once, a value or a Secret's key each.
func validEnv(path *field.Path, env []v1alpha1.EnvVar) field.ErrorList {
	if len(env) > maxEnv {
		return field.ErrorList{field.TooMany(path, len(env), maxEnv)}
	}
	var errs field.ErrorList
	seen := make(map[string]bool, len(env))
	for i, e := range env {
		p := path.Index(i)
		if seen[e.Name] {
			errs = append(errs, field.Duplicate(p.Child("name"), e.Name))
		}
		seen[e.Name] = true
		for _, msg := range validation.IsEnvVarName(e.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), e.Name, msg))
		}
		switch ref := e.SecretKeyRef; {
		case (e.Value == nil) == (ref == nil):
			errs = append(errs, field.Invalid(p, e.Name, "set value or secretKeyRef"))
		case ref != nil:
			for _, msg := range validation.IsDNS1123Subdomain(ref.Name) {
				errs = append(errs, field.Invalid(p.Child("secretKeyRef", "name"), ref.Name, msg))
			}
			for _, msg := range validation.IsConfigMapKey(ref.Key) {
				errs = append(errs, field.Invalid(p.Child("secretKeyRef", "key"), ref.Key, msg))
			}
		}
	}
	return errs
}

// Autoscaled tells whether a HorizontalPodAutoscaler sets the replicas.
func (p params) Autoscaled() bool { return p.Autoscale != nil }

// URL the app is served at, or "" without a route.
func (p params) URL() string {
	if p.Host == "" {
		return ""
	}
	scheme := "http"
	if p.TLS {
		scheme = "https"
	}
	return scheme + "://" + p.Host + p.Path
}
