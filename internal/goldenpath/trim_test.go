package goldenpath

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"sigs.k8s.io/yaml"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// managed is the managedFields of an object as the API server writes them.
const managed = `[{manager: crossplane, operation: Apply, apiVersion: v1, fieldsType: FieldsV1, fieldsV1: {"f:metadata": {"f:labels": {"f:app": {}}}}}]`

// TestTrimRequest checks that a request is read as it came, less the managedFields of the
// resources Crossplane observed and fetched.
func TestTrimRequest(t *testing.T) {
	type want struct {
		req string // YAML of the request decoded; empty: the request as it came
	}
	cases := map[string]struct {
		reason string
		req    string // YAML of the request encoded
		want   want
	}{
		"ObservedAndRequired": {
			reason: "The managedFields of the observed XR, observed composed resources, required and extra resources are dropped; the rest of their metadata stays.",
			req: `
observed:
  composite:
    resource: {apiVersion: x/v1, kind: XMongoDB, metadata: {name: db, managedFields: ` + managed + `}, spec: {members: 3}}
    connectionDetails: {password: cGFzcw==}
  resources:
    sts:
      resource: {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db-1, labels: {app: db}, managedFields: ` + managed + `}, status: {replicas: 3}}
    svc:
      resource: {apiVersion: v1, kind: Service, metadata: {name: db-2}}
requiredResources:
  pods:
    items:
    - resource: {apiVersion: v1, kind: Pod, metadata: {name: db-1-0, managedFields: ` + managed + `}}
extraResources:
  pods:
    items:
    - resource: {apiVersion: v1, kind: Pod, metadata: {name: db-1-0, managedFields: ` + managed + `}}
`,
			want: want{req: `
observed:
  composite:
    resource: {apiVersion: x/v1, kind: XMongoDB, metadata: {name: db}, spec: {members: 3}}
    connectionDetails: {password: cGFzcw==}
  resources:
    sts:
      resource: {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db-1, labels: {app: db}}, status: {replicas: 3}}
    svc:
      resource: {apiVersion: v1, kind: Service, metadata: {name: db-2}}
requiredResources:
  pods:
    items:
    - resource: {apiVersion: v1, kind: Pod, metadata: {name: db-1-0}}
extraResources:
  pods:
    items:
    - resource: {apiVersion: v1, kind: Pod, metadata: {name: db-1-0}}
`},
		},
		"PassedThrough": {
			reason: "What is not observed or required is copied as it is: the desired state of earlier steps passes through to the response, and the input is the platform team's.",
			req: `
meta: {tag: abc}
desired:
  resources:
    sts:
      resource: {apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db-1, managedFields: ` + managed + `}}
input: {apiVersion: x/v1, kind: Input, metadata: {managedFields: ` + managed + `}}
context: {apiextensions.crossplane.io/environment: {metadata: {managedFields: []}}}
`,
			want: want{}, // The request as it came.
		},
		"OnlyTopLevelMetadata": {
			reason: "Only the object's own metadata is trimmed: a metadata that is not an object, or one nested in the spec, is the object's content.",
			req: `
observed:
  resources:
    a:
      resource: {kind: A, metadata: managedFields}
    b:
      resource: {kind: B, spec: {metadata: {managedFields: [x]}}}
`,
			want: want{},
		},
		"LongFields": {
			reason: "A field that stays longer than 16 KiB, which needs more room for its length than a trimmed field is given, is written whole.",
			req: `
observed:
  resources:
    cm:
      resource: {kind: ConfigMap, metadata: {name: cm, managedFields: ` + managed + `}, data: {big: ` + strings.Repeat("x", 40000) + `}}
`,
			want: want{req: `
observed:
  resources:
    cm:
      resource: {kind: ConfigMap, metadata: {name: cm}, data: {big: ` + strings.Repeat("x", 40000) + `}}
`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			src, err := proto.Marshal(requestOf(t, tc.req))
			if err != nil {
				t.Fatal(err)
			}
			b, err := TrimRequest(nil, src)
			if err != nil {
				t.Fatalf("\n%s\nTrimRequest(...): %v", tc.reason, err)
			}
			got := &fnv1.RunFunctionRequest{}
			if err := proto.Unmarshal(b, got); err != nil {
				t.Fatalf("\n%s\nthe trimmed request does not decode: %v", tc.reason, err)
			}
			want := tc.want.req
			if want == "" {
				want = tc.req
			}
			if diff := cmp.Diff(requestOf(t, want), got, protocmp.Transform()); diff != "" {
				t.Errorf("\n%s\nTrimRequest(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}

	t.Run("NotAMessage", func(t *testing.T) {
		// An observed state whose composite says it is 8 bytes long, and is none.
		src := protowire.AppendBytes(protowire.AppendTag(nil, requestObserved, protowire.BytesType), []byte{0x0a, 0x08})
		if _, err := TrimRequest(nil, src); err == nil {
			t.Error("TrimRequest(a truncated observed state): want an error, got none")
		}
	})
}

// requestOf reads the YAML of a request.
func requestOf(t testing.TB, y string) *fnv1.RunFunctionRequest {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	req := &fnv1.RunFunctionRequest{}
	if err := protojson.Unmarshal(j, req); err != nil {
		t.Fatal(err)
	}
	return req
}

// FuzzTrimRequest checks, for any bytes protobuf decodes as a request, that the trimmed bytes
// are no longer and decode to the same request, managedFields aside: gRPC hands the function
// what TrimRequest wrote. Its seeds are every recorded steady state, and requests written in
// ways protobuf reads but Crossplane does not write.
func FuzzTrimRequest(f *testing.F) {
	for _, s := range oddRequests() {
		f.Add(s)
	}
	seeds, err := filepath.Glob(filepath.Join("..", "..", "hack", "bench", "testdata", "*", "*.cluster.json"))
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no recorded requests: %v", err)
	}
	for _, p := range seeds {
		j, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		req := &fnv1.RunFunctionRequest{}
		if err := protojson.Unmarshal(j, req); err != nil {
			f.Fatal(err)
		}
		b, err := proto.Marshal(req)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want := &fnv1.RunFunctionRequest{}
		if proto.Unmarshal(src, want) != nil {
			return // The codec decodes what TrimRequest wrote, or src; neither is a request.
		}
		b, err := TrimRequest(nil, src)
		if err != nil {
			t.Fatalf("TrimRequest(a request protobuf decodes): %v", err)
		}
		if len(b) > len(src) {
			t.Errorf("TrimRequest(...) wrote %d bytes, more than the %d it read", len(b), len(src))
		}
		got := &fnv1.RunFunctionRequest{}
		if err := proto.Unmarshal(b, got); err != nil {
			t.Fatalf("the trimmed request does not decode: %v", err)
		}
		withoutManagedFields(want)
		withoutManagedFields(got)
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Errorf("TrimRequest(...): -want, +got:\n%s", diff)
		}
	})
}

// withoutManagedFields drops, from a decoded request, what TrimRequest drops from its wire form.
func withoutManagedFields(req *fnv1.RunFunctionRequest) {
	drop := func(r *fnv1.Resource) {
		if md := r.GetResource().GetFields()["metadata"].GetStructValue(); md != nil {
			delete(md.GetFields(), "managedFields")
		}
	}
	drop(req.GetObserved().GetComposite())
	for _, r := range req.GetObserved().GetResources() {
		drop(r)
	}
	//nolint:staticcheck // Crossplane may still send the deprecated extra resources; they are trimmed too.
	for _, rs := range []map[string]*fnv1.Resources{req.GetRequiredResources(), req.GetExtraResources()} {
		for _, r := range rs {
			for _, i := range r.GetItems() {
				drop(i)
			}
		}
	}
}

// oddRequests are requests whose observed resource's metadata protobuf reads, written as
// Crossplane does not write it: a map entry's value before its key, a Value with two kinds,
// metadata twice, managedFields twice.
func oddRequests() [][]byte {
	managedFields := entry("managedFields", value(valueString, []byte("x")), false)
	meta := entry("metadata", value(valueStruct, managedFields), false)
	odd := [][]byte{
		entry("metadata", value(valueStruct, managedFields), true),
		entry("metadata", append(value(valueString, []byte("x")), value(valueStruct, managedFields)...), false),
		append(slices.Clone(meta), meta...),
		entry("metadata", value(valueStruct, append(slices.Clone(managedFields), managedFields...)), false),
	}
	reqs := make([][]byte, 0, len(odd))
	for _, fields := range odd {
		resource := protowire.AppendBytes(protowire.AppendTag(nil, resourceStruct, protowire.BytesType), fields)
		st := protowire.AppendBytes(protowire.AppendTag(nil, stateComposite, protowire.BytesType), resource)
		reqs = append(reqs, protowire.AppendBytes(protowire.AppendTag(nil, requestObserved, protowire.BytesType), st))
	}
	return reqs
}

// entry is a Struct's field: a map entry of key and value, the value first if asked.
func entry(key string, value []byte, valueFirst bool) []byte {
	k := protowire.AppendString(protowire.AppendTag(nil, entryKey, protowire.BytesType), key)
	v := protowire.AppendBytes(protowire.AppendTag(nil, entryValue, protowire.BytesType), value)
	e := slices.Concat(k, v)
	if valueFirst {
		e = slices.Concat(v, k)
	}
	return protowire.AppendBytes(protowire.AppendTag(nil, structFields, protowire.BytesType), e)
}

// value is a Value of one kind, num, holding b.
func value(num protowire.Number, b []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), b)
}
