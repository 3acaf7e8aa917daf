package main

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Annotations the TeraSky kubernetes-ingestor reads, below the configured prefix.
const (
	annotationName           = "name"
	annotationTitle          = "title"
	annotationDescription    = "description"
	annotationOwner          = "owner"
	annotationSystem         = "system"
	annotationLifecycle      = "lifecycle"
	annotationComponentType  = "component-type"
	annotationLinks          = "links"
	annotationDependsOn      = "dependsOn"
	annotationSubcomponentOf = "subcomponent-of"
	annotationExclude        = "exclude-from-catalog"
)

// annotate labels every composed resource and its pod template so the Backstage Kubernetes
// plugin finds them, and annotates the workload so the TeraSky ingestor makes it a
// catalog component of the XR's owner and system, part of the XR's own entity.
func annotate(c *goldenpath.Composition, xr *resource.Composite, in *v1beta1.Input) error {
	xrName := xr.Resource.GetName()
	common := map[string]string{
		goldenpath.LabelPartOf:       xrName,
		goldenpath.LabelManagedBy:    goldenpath.ManagedBy,
		goldenpath.LabelKubernetesID: xrName,
	}
	for _, r := range c.Resources {
		o := r.Object
		// The version label goes on objects, not on pod templates: a Job's template
		// cannot change, and a StatefulSet's pods show their version in their image.
		o.SetLabels(merge(o.GetLabels(), common, map[string]string{goldenpath.LabelVersion: c.Version}))
		if tmpl, err := o.GetStringObject("spec.template.metadata.labels"); err == nil {
			tmpl = merge(tmpl, common, map[string]string{goldenpath.LabelComposite: xrName})
			if err := o.SetValue("spec.template.metadata.labels", tmpl); err != nil {
				return errors.Wrapf(err, "cannot label the pod template of %s", r.Name)
			}
		}

		a := catalogAnnotations(c, r, xr, in)
		if len(a) > 0 {
			o.SetAnnotations(merge(o.GetAnnotations(), a))
		}
	}
	return nil
}

// catalogAnnotations are the ingestor's annotations for one resource.
func catalogAnnotations(c *goldenpath.Composition, r goldenpath.Resource, xr *resource.Composite, in *v1beta1.Input) map[string]string {
	p := in.Backstage.AnnotationPrefix + "/"
	if !r.Catalog {
		return map[string]string{p + annotationExclude: "true"}
	}
	if !r.Workload {
		return nil
	}

	xrAnn := xr.Resource.GetAnnotations()
	ns := xr.Resource.GetNamespace()
	// The XR's own annotations win: the ingestor's claim template writes owner and system there.
	pick := func(key string, defaults ...string) string {
		if v := xrAnn[p+key]; v != "" {
			return v
		}
		for _, d := range defaults {
			if d != "" {
				return d
			}
		}
		return ""
	}
	xrEntity := pick(annotationName, xr.Resource.GetName())
	component := r.Object.GetLabels()[goldenpath.LabelComponent]
	// The workload's entity must not be named like the XR's: the ingestor would replace the
	// XR's entity with it, silently.
	entity := r.Object.GetName() + "-" + component

	a := map[string]string{
		p + annotationName:           entity,
		p + annotationTitle:          r.Object.GetName() + " " + component,
		p + annotationDescription:    c.Description,
		p + annotationOwner:          pick(annotationOwner, in.Backstage.Owner, "group:default/"+ns),
		p + annotationSystem:         pick(annotationSystem, in.Backstage.System, ns),
		p + annotationLifecycle:      pick(annotationLifecycle, in.Backstage.Lifecycle),
		p + annotationComponentType:  component,
		p + annotationSubcomponentOf: "component:" + in.Backstage.EntityNamespace + "/" + xrEntity,
	}
	if deps := xrAnn[p+annotationDependsOn]; deps != "" {
		a[p+annotationDependsOn] = deps
	}
	if links, err := json.Marshal(slices.Concat(c.Links, in.Backstage.Links)); err == nil {
		a[p+annotationLinks] = string(links)
	}
	return a
}

// merge returns the union of the maps; later maps win.
func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}
