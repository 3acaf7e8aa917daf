package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// BenchmarkRunFunction measures one call per golden path, for the xr.yaml of its example:
// new (nothing observed, secrets generated) and steady (the example's observed.yaml: every
// resource observed and ready, as on most calls). The call measured is the one Crossplane
// makes once the function's requirements are answered.
func BenchmarkRunFunction(b *testing.B) {
	t := &testing.T{}
	for dir := range examples(t) {
		in, xrYAML := compositionInput(t, dir), readFile(t, filepath.Join(dir, "xr.yaml"))[0]
		cases := map[string]map[string]*fnv1.Resource{"New": nil}
		if observed := filepath.Join(dir, "observed.yaml"); exists(observed) {
			cases["Steady"] = objects(t, readFile(t, observed)...)
		}
		for name, observed := range cases {
			b.Run(filepath.Base(dir)+"/"+name, func(b *testing.B) {
				req := newRequest(t, in, xrYAML, observed, nil)
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
}

// BenchmarkRecorded measures what a server does for a steady-state call as Crossplane makes
// it: decode the request off the wire, run the function, encode the response, with the codec
// and buffers the server uses. The requests are hack/bench's recorded steady states (<golden
// path>/<xr>.cluster.json): every composed resource as the API server returns it, status,
// defaults and managedFields included, which is most of what a request weighs. make bench
// sets these beside a no-op function over gRPC.
func BenchmarkRecorded(b *testing.B) {
	setUpGRPC()
	paths, err := filepath.Glob(filepath.Join("hack", "bench", "testdata", "*", "*.cluster.json"))
	if err != nil || len(paths) == 0 {
		b.Fatalf("no recorded requests under hack/bench/testdata: %v", err)
	}
	for _, p := range paths {
		name := filepath.Base(filepath.Dir(p)) + "/" + strings.TrimSuffix(filepath.Base(p), ".cluster.json")
		b.Run(name, func(b *testing.B) {
			j, err := os.ReadFile(p)
			if err != nil {
				b.Fatal(err)
			}
			req := &fnv1.RunFunctionRequest{}
			if err := protojson.Unmarshal(j, req); err != nil {
				b.Fatal(err)
			}
			wire, err := proto.Marshal(req)
			if err != nil {
				b.Fatal(err)
			}
			f, codec := newFunction(), newRequestCodec()
			b.ReportAllocs()
			for b.Loop() {
				req := &fnv1.RunFunctionRequest{}
				if err := codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(wire)}, req); err != nil {
					b.Fatal(err)
				}
				rsp, err := f.RunFunction(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				out, err := codec.Marshal(rsp)
				if err != nil {
					b.Fatal(err)
				}
				out.Free()
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
