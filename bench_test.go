package main

import (
	"context"
	"testing"

	"google.golang.org/protobuf/proto"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// BenchmarkRunFunction measures one call for a 3-member replica set: new (nothing observed,
// secrets generated) and steady (every resource observed and ready, as on most calls). The
// call measured is the one Crossplane makes once the function's requirements are answered.
func BenchmarkRunFunction(b *testing.B) {
	t := &testing.T{}
	cases := map[string]map[string]any{
		"New":    nil,
		"Steady": {"observed": objects(t, readFile(t, observedExample)...)},
	}
	for name, c := range cases {
		b.Run(name, func(b *testing.B) {
			observed, _ := c["observed"].(map[string]*fnv1.Resource)
			req := newRequest(t, input, xr("mongodb-3a4f75ae", `{version: "7.0", storageGB: 10, replicas: 3}`), observed, nil)
			f := newFunction()
			answerRequirements(b, f, req)
			desired := req.GetDesired()
			b.ReportAllocs()
			for b.Loop() {
				// response.To hands the request's desired state to the response, which the
				// function fills in: every call gets the request's own, as over gRPC, or each
				// would decode the previous call's output as desired by earlier steps.
				req.Desired = proto.CloneOf(desired)
				if _, err := f.RunFunction(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// answerRequirements completes req as Crossplane does before it takes the function's answer:
// it calls again with the required resources, here none (nothing exists), until the
// requirements settle. A new instance is composed only then.
func answerRequirements(b *testing.B, f *Function, req *fnv1.RunFunctionRequest) {
	b.Helper()
	for range 5 {
		rsp, err := f.RunFunction(context.Background(), proto.CloneOf(req))
		if err != nil {
			b.Fatal(err)
		}
		settled := true
		for k := range rsp.GetRequirements().GetResources() {
			if _, ok := req.GetRequiredResources()[k]; !ok {
				if req.RequiredResources == nil {
					req.RequiredResources = map[string]*fnv1.Resources{}
				}
				req.RequiredResources[k] = &fnv1.Resources{}
				settled = false
			}
		}
		if settled {
			return
		}
	}
	b.Fatal("the requirements did not settle")
}
