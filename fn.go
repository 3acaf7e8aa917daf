package main

import (
	"context"
	"maps"
	"slices"

	"google.golang.org/protobuf/types/known/durationpb"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/registry"
)

// Function composes golden paths.
type Function struct {
	fnv1.UnimplementedFunctionRunnerServiceServer

	log logging.Logger
	// goldenPaths an Input can select, by name; nil selects from the registry's.
	goldenPaths map[string]goldenpath.Registration
}

// RunFunction runs the Function.
func (f *Function) RunFunction(_ context.Context, req *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error) {
	rsp := response.To(req, response.DefaultTTL)

	goldenPaths := f.goldenPaths
	if goldenPaths == nil {
		goldenPaths = registry.All
	}
	in, bp, err := inputOf(req, goldenPaths)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot get Function input"))
		return rsp, nil
	}

	st, err := stateOf(req)
	if err != nil {
		response.Fatal(rsp, err)
		return rsp, nil
	}
	oxr, observed := st.oxr, st.observed
	log := f.log.WithValues("xr-kind", oxr.Resource.GetKind(), "xr-name", oxr.Resource.GetName(), "xr-namespace", oxr.Resource.GetNamespace(), "golden-path", in.GoldenPath)

	// The instance's name comes first: every composed resource's name derives from it.
	inst, err := instanceFor(oxr, observed, in)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot name the instance"))
		return rsp, nil
	}
	r := goldenpath.Request{XR: oxr, Instance: inst, Observed: observed, Required: st.required, Input: in}
	requirements := &fnv1.Requirements{Resources: bp.Requirements(r)}

	c, err := bp.Compose(r)
	if errors.Is(err, goldenpath.ErrRequirementsPending) {
		// Crossplane calls again at once with what was asked for; nothing is composed from a guess.
		log.Debug("Waiting for required resources", "requirements", len(requirements.GetResources()))
		rsp.Requirements = requirements
		return rsp, nil
	}
	if err != nil {
		response.Fatal(rsp, errors.Wrapf(err, "cannot compose %s", in.GoldenPath))
		return rsp, nil
	}

	for _, w := range annotate(c, oxr, in) {
		response.Warning(rsp, errors.New(w)).WithReason("AnnotationIgnored").TargetComposite()
	}

	rs := assess(c, observed)
	summary := bp.Summarize(r, c, rs)

	ttl, err := writeStatus(rsp, oxr, st.dxr, inst, c, rs, summary)
	if err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot write the golden path's status fields"))
		return rsp, nil
	}
	rsp.Meta.Ttl = durationpb.New(ttl)

	if err := setDesired(rsp, rs); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot set desired composed resources"))
		return rsp, nil
	}
	if err := response.SetDesiredCompositeResource(rsp, st.dxr); err != nil {
		response.Fatal(rsp, errors.Wrap(err, "cannot set desired composite resource"))
		return rsp, nil
	}
	rsp.Requirements = requirements

	log.Debug("Composed", "instance", inst.Name, "resources", len(c.Resources), "state", summary.State, "reason", summary.Reason)
	return rsp, nil
}

// inputOf reads, defaults and validates the Function's input and finds its golden path.
func inputOf(req *fnv1.RunFunctionRequest, goldenPaths map[string]goldenpath.Registration) (*v1beta1.Input, goldenpath.Blueprint, error) {
	in := &v1beta1.Input{}
	if err := decodeInput(req, in); err != nil {
		return nil, nil, err
	}
	in.Default()
	errs := in.Validate()
	reg, ok := goldenPaths[in.GoldenPath]
	if !ok {
		errs = append(errs, field.NotSupported(field.NewPath("goldenPath"), in.GoldenPath, slices.Sorted(maps.Keys(goldenPaths))))
	}
	if len(errs) > 0 {
		return nil, nil, errs.ToAggregate()
	}
	return in, reg.Blueprint, nil
}

// decodeInput reads the Input as request.GetInput does, rejecting unknown fields, but names
// the field of a value of the wrong type (presets.small: must be an object) rather than the
// Go type it could not fill.
func decodeInput(req *fnv1.RunFunctionRequest, in *v1beta1.Input) error {
	obj := goldenpath.Content(req.GetInput())
	err := goldenpath.DecodeStrict(obj, in, "")
	if err == nil {
		return nil
	}
	// Presets again one by one, so that an error in one names its key.
	presets, _ := obj["presets"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(presets)) {
		if err := goldenpath.DecodeStrict(presets[name], &v1beta1.Preset{}, "presets."+name); err != nil {
			return err
		}
	}
	return err
}
