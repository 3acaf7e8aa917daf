package main

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
	var err error
	if st.dxr, err = request.GetDesiredCompositeResource(req); err != nil {
		return nil, errors.Wrap(err, "cannot get desired composite resource")
	}
	for name, r := range req.GetObserved().GetResources() {
		c := composed.New()
		c.Object = goldenpath.Content(r.GetResource())
		st.observed[resource.Name(name)] = resource.ObservedComposed{Resource: c, ConnectionDetails: r.GetConnectionDetails()}
	}
	for key, rs := range req.GetRequiredResources() {
		items := make([]resource.Required, 0, len(rs.GetItems()))
		for _, r := range rs.GetItems() {
			items = append(items, resource.Required{Resource: &unstructured.Unstructured{Object: goldenpath.Content(r.GetResource())}})
		}
		st.required[key] = items
	}
	return st, nil
}
