package v1beta1

import (
	"maps"
	"regexp"
	"slices"
	"strings"

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
	if in.Web.Route == "" {
		in.Web.Route = RouteIngress
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
	errs = append(errs, in.Backstage.validate(field.NewPath("backstage"))...)
	errs = append(errs, in.PostgreSQL.validate(field.NewPath("postgresql"))...)
	errs = append(errs, in.Web.validate(field.NewPath("web"))...)
	errs = append(errs, in.DNS.validate(field.NewPath("dns"))...)
	return errs
}

func (b Backstage) validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if b.AnnotationPrefix != "" {
		for _, msg := range validation.IsDNS1123Subdomain(b.AnnotationPrefix) {
			errs = append(errs, field.Invalid(path.Child("annotationPrefix"), b.AnnotationPrefix, msg))
		}
	}
	for i, l := range b.Links {
		if l.URL == "" {
			errs = append(errs, field.Required(path.Child("links").Index(i).Child("url"), "a link needs a URL"))
		}
	}
	return errs
}

func (p PostgreSQL) validate(path *field.Path) field.ErrorList {
	if p.Implementation != PostgreSQLStatefulSet && p.Implementation != PostgreSQLCloudNativePG {
		return field.ErrorList{field.NotSupported(path.Child("implementation"), p.Implementation, []string{PostgreSQLStatefulSet, PostgreSQLCloudNativePG})}
	}
	return nil
}

func (d DNS) validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, z := range d.Zones {
		for _, msg := range validation.IsDNS1123Subdomain(z) {
			errs = append(errs, field.Invalid(path.Child("zones").Index(i), z, msg))
		}
	}
	return errs
}

func (w Web) validate(path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch w.Route {
	case RouteIngress, "":
	case RouteHTTPRoute:
		if w.Gateway == nil {
			errs = append(errs, field.Required(path.Child("gateway"), "HTTPRoutes need the Gateway they attach to"))
		}
	default:
		errs = append(errs, field.NotSupported(path.Child("route"), w.Route, []string{RouteIngress, RouteHTTPRoute}))
	}
	names := map[string]string{"ingressClassName": w.IngressClassName, "clusterIssuer": w.ClusterIssuer, "baseDomain": w.BaseDomain}
	if w.Gateway != nil {
		names["gateway.name"], names["gateway.namespace"] = w.Gateway.Name, w.Gateway.Namespace
		if w.Gateway.SectionName != "" {
			names["gateway.sectionName"] = w.Gateway.SectionName
		}
	}
	for _, f := range slices.Sorted(maps.Keys(names)) {
		v := names[f]
		if v == "" && !strings.HasPrefix(f, "gateway.") {
			continue
		}
		p := path
		for c := range strings.SplitSeq(f, ".") {
			p = p.Child(c)
		}
		for _, msg := range validation.IsDNS1123Subdomain(v) {
			errs = append(errs, field.Invalid(p, v, msg))
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
