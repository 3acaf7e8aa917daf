package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

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
	annotationAddToCatalog   = "add-to-catalog"
	annotationLabelSelector  = "kubernetes-label-selector"
)

// annotate labels every composed resource and its pod template so the Backstage Kubernetes
// plugin finds them, and annotates the workload so the TeraSky ingestor makes it a
// catalog component of the XR's owner and system, part of the XR's own entity. It returns a
// warning for each XR annotation it could not use.
func annotate(c *goldenpath.Composition, xr *resource.Composite, in *v1beta1.Input) []string {
	xrName := labelValue(xr.Resource.GetName())
	p := in.Backstage.AnnotationPrefix + "/"
	xrAnn, warnings := entityAnnotations(xr, p)
	xrEntity := cmp.Or(xrAnn[p+annotationName], xrName)
	workload, selector := workloadOf(c)
	for _, r := range c.Resources {
		o := r.Object
		// An object's kubernetes-id names the entity it belongs to: the workload's entity for
		// what its selector selects (itself, its pods, Services, budget and policy), the XR's
		// entity for the rest.
		common := map[string]string{
			goldenpath.LabelPartOf:       xrName,
			goldenpath.LabelManagedBy:    goldenpath.ManagedBy,
			goldenpath.LabelKubernetesID: xrEntity,
		}
		if selects(selector, o.GetLabels()) {
			common[goldenpath.LabelKubernetesID] = workload
		}
		// The version label goes on objects, not on pod templates: a Job's template
		// cannot change, and a StatefulSet's pods show their version in their image.
		labels := merge(o.GetLabels(), common)
		if c.Version != "" {
			labels[goldenpath.LabelVersion] = c.Version
		}
		o.SetLabels(labels)
		if tmpl := podTemplate(o); tmpl != nil && tmpl.Labels != nil {
			tmpl.Labels = merge(tmpl.Labels, common, map[string]string{goldenpath.LabelComposite: xrName})
		}

		a := catalogAnnotations(c, r, selector, xr, xrAnn, in)
		if len(a) > 0 {
			o.SetAnnotations(merge(o.GetAnnotations(), a))
		}
	}
	return warnings
}

// workloadOf is the name of the workload's catalog entity and the labels its selector
// matches, empty when the composition has no workload.
func workloadOf(c *goldenpath.Composition) (string, map[string]string) {
	for _, r := range c.Resources {
		if r.Workload {
			return entityName(r), workloadSelector(r)
		}
	}
	return "", nil
}

// workloadSelector is what a workload selects: its spec.selector.matchLabels. An operator's
// resource (a CloudNativePG Cluster) selects nothing itself: its own name, instance and
// component labels stand for it, which the golden path has the operator copy onto what it
// creates.
func workloadSelector(r goldenpath.Resource) map[string]string {
	if selector := selectorOf(r.Object); len(selector) > 0 {
		return selector
	}
	out := map[string]string{}
	for _, k := range []string{goldenpath.LabelName, goldenpath.LabelInstance, goldenpath.LabelComponent} {
		if v, ok := r.Object.GetLabels()[k]; ok {
			out[k] = v
		}
	}
	return out
}

// entityName is the name of a workload's catalog entity. It must not be the XR's: the
// ingestor would replace the XR's entity with it, silently.
func entityName(r goldenpath.Resource) string {
	return r.Object.GetName() + "-" + r.Object.GetLabels()[goldenpath.LabelComponent]
}

// selects tells whether a non-empty selector matches the labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// catalogAnnotations are the ingestor's annotations for one resource.
func catalogAnnotations(c *goldenpath.Composition, r goldenpath.Resource, selector map[string]string, xr *resource.Composite, xrAnn map[string]string, in *v1beta1.Input) map[string]string {
	p := in.Backstage.AnnotationPrefix + "/"
	if !r.Catalog {
		return map[string]string{p + annotationExclude: "true"}
	}
	if !r.Workload {
		return nil
	}

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
	xrEntity := pick(annotationName, labelValue(xr.Resource.GetName()))
	component := r.Object.GetLabels()[goldenpath.LabelComponent]

	// The ingestor copies these once, when it first sees the workload: nothing here may
	// change with the spec (the release, the member count). Live facts are in the XR's status
	// and conditions, which the crossplane-resources card reads live.
	a := map[string]string{
		p + annotationAddToCatalog:   "true",
		p + annotationName:           entityName(r),
		p + annotationTitle:          r.Object.GetName() + " " + component,
		p + annotationDescription:    c.About,
		p + annotationLabelSelector:  labels.SelectorFromSet(selector).String(),
		p + annotationOwner:          pick(annotationOwner, c.Owner, in.Backstage.Owner, namespaced("group:default/", ns)),
		p + annotationSystem:         pick(annotationSystem, c.System, in.Backstage.System, ns),
		p + annotationLifecycle:      pick(annotationLifecycle, in.Backstage.Lifecycle),
		p + annotationComponentType:  component,
		p + annotationSubcomponentOf: "component:" + in.Backstage.EntityNamespace + "/" + xrEntity,
	}
	// A cluster-scoped XR has no namespace to default to: with nothing else to go by, the
	// ingestor's own defaults apply rather than an owner group:default/ that does not exist.
	maps.DeleteFunc(a, func(_, v string) bool { return v == "" })
	if deps := xrAnn[p+annotationDependsOn]; deps != "" {
		a[p+annotationDependsOn] = deps
	}
	if all := slices.Concat(c.Links, in.Backstage.Links); len(all) > 0 {
		if links, err := json.Marshal(all); err == nil {
			a[p+annotationLinks] = string(links)
		}
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

// podTemplate is the metadata of a workload's pod template, nil for other kinds.
func podTemplate(o goldenpath.Object) *metav1.ObjectMeta {
	switch w := o.(type) {
	case *appsv1.Deployment:
		return &w.Spec.Template.ObjectMeta
	case *appsv1.StatefulSet:
		return &w.Spec.Template.ObjectMeta
	case *appsv1.DaemonSet:
		return &w.Spec.Template.ObjectMeta
	case *batchv1.Job:
		return &w.Spec.Template.ObjectMeta
	}
	return nil
}

// selectorOf is the labels a workload's selector matches, nil for other kinds.
func selectorOf(o goldenpath.Object) map[string]string {
	var s *metav1.LabelSelector
	switch w := o.(type) {
	case *appsv1.Deployment:
		s = w.Spec.Selector
	case *appsv1.StatefulSet:
		s = w.Spec.Selector
	case *appsv1.DaemonSet:
		s = w.Spec.Selector
	}
	if s == nil {
		return nil
	}
	return s.MatchLabels
}

// namespaced is prefix+ns, or empty for a cluster-scoped XR.
func namespaced(prefix, ns string) string {
	if ns == "" {
		return ""
	}
	return prefix + ns
}

// maxDependsOn bounds the entity references copied from the XR's dependsOn annotation.
const maxDependsOn = 32

// entityAnnotations are the XR's annotations that the workload's entity takes over, each
// checked as what Backstage reads it as; one that is not is dropped with a warning, and the
// default applies.
func entityAnnotations(xr *resource.Composite, p string) (map[string]string, []string) {
	all := xr.Resource.GetAnnotations()
	out := map[string]string{}
	var warnings []string
	check := func(key string, ok bool, what string) {
		v, set := all[p+key]
		if !set || v == "" {
			return
		}
		if !ok {
			warnings = append(warnings, fmt.Sprintf("metadata.annotations[%s%s]: %q is not %s; using the default instead", p, key, goldenpath.Truncate(v, maxQuoted), what))
			return
		}
		out[p+key] = v
	}
	check(annotationName, goldenpath.ValidEntityName(all[p+annotationName]), "a Backstage entity name")
	check(annotationOwner, validEntityRef(all[p+annotationOwner]), "a Backstage entity reference such as group:default/team-a")
	check(annotationSystem, validEntityRef(all[p+annotationSystem]), "a Backstage entity reference such as team-a")
	check(annotationLifecycle, goldenpath.ValidEntityName(all[p+annotationLifecycle]), "a Backstage lifecycle such as production")
	refs := strings.FieldsFunc(all[p+annotationDependsOn], func(r rune) bool { return r == ',' || r == '\n' })
	check(annotationDependsOn, len(refs) <= maxDependsOn && !slices.ContainsFunc(refs, func(r string) bool { return !validEntityRef(strings.TrimSpace(r)) }),
		fmt.Sprintf("at most %d Backstage entity references, separated by commas", maxDependsOn))
	return out, warnings
}

// validEntityRef tells whether s is [kind:][namespace/]name.
func validEntityRef(s string) bool {
	_, ok := goldenpath.ParseEntityRef(s, "", "")
	return ok
}
