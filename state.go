package main

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/request"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// state is what a request says of the XR and its resources. The desired composed resources
// of earlier pipeline steps are not read: they pass through as they came (response.To).
type state struct {
	oxr, dxr *resource.Composite
	observed map[resource.Name]resource.ObservedComposed
	required map[string][]resource.Required
}

// stateOf reads the XR and its resources from the request.
func stateOf(req *fnv1.RunFunctionRequest) (*state, error) {
	st := &state{
		oxr:      &resource.Composite{Resource: &composite.Unstructured{}, ConnectionDetails: req.GetObserved().GetComposite().GetConnectionDetails()},
		observed: make(map[resource.Name]resource.ObservedComposed, len(req.GetObserved().GetResources())),
		required: make(map[string][]resource.Required, len(req.GetRequiredResources())),
	}
	st.oxr.Resource.Object = goldenpath.Content(req.GetObserved().GetComposite().GetResource())
	if st.oxr.Resource.GetKind() == "" || st.oxr.Resource.GetName() == "" {
		return nil, errors.New("the request has no observed composite resource with a kind and a name; Crossplane always sends one (when rendering, pass the XR)")
	}
	if err := checkName("the composite resource", st.oxr.Resource.Object); err != nil {
		return nil, err
	}
	var err error
	if st.dxr, err = request.GetDesiredCompositeResource(req); err != nil {
		return nil, errors.Wrap(err, "cannot get desired composite resource")
	}
	for name, r := range req.GetObserved().GetResources() {
		c := composed.New()
		c.Object = goldenpath.Content(r.GetResource())
		if err := checkName("observed resource "+goldenpath.Cut(name), c.Object); err != nil {
			return nil, err
		}
		st.observed[resource.Name(name)] = resource.ObservedComposed{Resource: c, ConnectionDetails: r.GetConnectionDetails()}
	}
	for key, rs := range req.GetRequiredResources() {
		items := make([]resource.Required, 0, len(rs.GetItems()))
		for _, r := range rs.GetItems() {
			obj := goldenpath.Content(r.GetResource())
			if err := checkName("required resource "+goldenpath.Cut(key), obj); err != nil {
				return nil, err
			}
			items = append(items, resource.Required{Resource: &unstructured.Unstructured{Object: obj}})
		}
		st.required[key] = items
	}
	return st, nil
}

// checkName refuses an object whose name or namespace is longer than any the API server
// stores for the kinds the function composes and fetches (DNS subdomains and labels): such an
// object did not come from it, and every message that names the object stays short.
func checkName(what string, obj map[string]any) error {
	for _, f := range []struct {
		field string
		max   int
	}{{"name", validation.DNS1123SubdomainMaxLength}, {"namespace", validation.DNS1123LabelMaxLength}} {
		if v := goldenpath.String(obj, "metadata", f.field); len(v) > f.max {
			return errors.Errorf("%s: metadata.%s %q is %d bytes, longer than the API server allows (%d); it is not an object the API server returned",
				what, f.field, goldenpath.Cut(v), len(v), f.max)
		}
	}
	return nil
}
