package main

import (
	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// setDesired puts the composed resources into the response, each with its readiness:
// Crossplane's own Ready condition then names exactly the pipeline names that are not ready.
// The desired resources of earlier pipeline steps pass through as they came; this step's own
// replace whatever an earlier step put under the same pipeline names.
func setDesired(rsp *fnv1.RunFunctionResponse, rs []goldenpath.Readiness) error {
	if rsp.GetDesired() == nil {
		rsp.Desired = &fnv1.State{}
	}
	if rsp.GetDesired().GetResources() == nil {
		rsp.Desired.Resources = make(map[string]*fnv1.Resource, len(rs))
	}
	for _, rd := range rs {
		ready := fnv1.Ready_READY_FALSE
		if rd.State == goldenpath.Ready {
			ready = fnv1.Ready_READY_TRUE
		}
		r, err := goldenpath.Encode(rd.Resource.Object, ready)
		if err != nil {
			return errors.Wrapf(err, "cannot convert %s", rd.Resource.Name)
		}
		rsp.Desired.Resources[string(rd.Resource.Name)] = r
	}
	return nil
}
