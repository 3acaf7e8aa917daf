package v1beta1

import (
	"regexp"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Defaults of the Input, applied by Default because the Input is never stored by an API
// server that would apply the CRD's defaults.
const (
	DefaultAnnotationPrefix = "terasky.backstage.io"
	DefaultLifecycle        = "production"
	DefaultEntityNamespace  = "default"
)

// The same patterns as the +kubebuilder:validation:Pattern markers on Images; the Input is
// never validated by an API server, so the function checks them itself.
var (
	imageRegistry   = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9._-]+)*$`)
	imageRepository = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*$`)
)

// Default fills in unset optional fields.
func (in *Input) Default() {
	if in.Backstage.AnnotationPrefix == "" {
		in.Backstage.AnnotationPrefix = DefaultAnnotationPrefix
	}
	if in.Backstage.Lifecycle == "" {
		in.Backstage.Lifecycle = DefaultLifecycle
	}
	if in.Backstage.EntityNamespace == "" {
		in.Backstage.EntityNamespace = DefaultEntityNamespace
	}
	if in.PostgreSQL.Implementation == "" {
		in.PostgreSQL.Implementation = PostgreSQLStatefulSet
	}
	if in.Naming.ReuseNameSuffix == nil {
		reuse := true
		in.Naming.ReuseNameSuffix = &reuse
	}
}

// Validate returns every problem of the Input, each naming its field. The golden path
// itself is checked by the caller against the registered golden paths.
func (in *Input) Validate() field.ErrorList {
	var errs field.ErrorList
	if in.StorageClassName != "" {
		for _, msg := range validation.IsDNS1123Subdomain(in.StorageClassName) {
			errs = append(errs, field.Invalid(field.NewPath("storageClassName"), in.StorageClassName, msg))
		}
	}
	if in.Images.Registry != "" && !imageRegistry.MatchString(in.Images.Registry) {
		errs = append(errs, field.Invalid(field.NewPath("images", "registry"), in.Images.Registry, "must be a registry host, optionally with a port and a path"))
	}
	if in.Images.Repository != "" && !imageRepository.MatchString(in.Images.Repository) {
		errs = append(errs, field.Invalid(field.NewPath("images", "repository"), in.Images.Repository, "must be a lowercase image repository such as library/mongo"))
	}
	for name, p := range in.Presets {
		path := field.NewPath("presets").Key(name)
		for _, msg := range validation.IsDNS1123Label(name) {
			errs = append(errs, field.Invalid(path, name, "a preset's name must be what an XR's spec.size can hold: "+msg))
		}
		errs = append(errs, p.validate(path)...)
	}
	b := field.NewPath("backstage")
	if in.Backstage.AnnotationPrefix != "" {
		for _, msg := range validation.IsDNS1123Subdomain(in.Backstage.AnnotationPrefix) {
			errs = append(errs, field.Invalid(b.Child("annotationPrefix"), in.Backstage.AnnotationPrefix, msg))
		}
	}
	if in.PostgreSQL.Implementation != PostgreSQLStatefulSet && in.PostgreSQL.Implementation != PostgreSQLCloudNativePG {
		errs = append(errs, field.NotSupported(field.NewPath("postgresql", "implementation"), in.PostgreSQL.Implementation, []string{PostgreSQLStatefulSet, PostgreSQLCloudNativePG}))
	}
	for i, l := range in.Backstage.Links {
		if l.URL == "" {
			errs = append(errs, field.Required(b.Child("links").Index(i).Child("url"), "a link needs a URL"))
		}
	}
	return errs
}

func (p Preset) validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if len(p.Requests) == 0 {
		errs = append(errs, field.Required(path.Child("requests"), "a preset needs requests"))
	}
	for name, req := range p.Requests {
		lim, ok := p.Limits[name]
		if ok && lim.Cmp(req) < 0 {
			errs = append(errs, field.Invalid(path.Child("limits").Key(string(name)), lim.String(), "must not be less than the request "+req.String()))
		}
		if req.Sign() <= 0 {
			errs = append(errs, field.Invalid(path.Child("requests").Key(string(name)), req.String(), "must be greater than zero"))
		}
	}
	return errs
}

// Memory returns the memory limit of the preset, or its request when it has no limit.
func (p Preset) Memory() (resource.Quantity, bool) {
	if q, ok := p.Limits["memory"]; ok {
		return q, true
	}
	q, ok := p.Requests["memory"]
	return q, ok
}
