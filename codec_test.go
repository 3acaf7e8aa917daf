package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// TestRequestCodec checks that the server decodes a request without the managedFields of
// what was observed, and everything else as gRPC's codec does.
func TestRequestCodec(t *testing.T) {
	const managed = `[{manager: crossplane, operation: Apply, fieldsType: FieldsV1, fieldsV1: {"f:spec": {}}}]`
	type want struct {
		msg proto.Message
		err bool
	}
	cases := map[string]struct {
		reason string
		wire   []byte
		into   proto.Message
		want   want
	}{
		"Request": {
			reason: "A request is decoded without the managedFields of the resources observed.",
			wire: marshal(t, &fnv1.RunFunctionRequest{Observed: &fnv1.State{
				Composite: &fnv1.Resource{Resource: object(t, `{kind: XMongoDB, metadata: {name: db, managedFields: `+managed+`}}`)},
			}}),
			into: &fnv1.RunFunctionRequest{},
			want: want{msg: &fnv1.RunFunctionRequest{Observed: &fnv1.State{
				Composite: &fnv1.Resource{Resource: object(t, `{kind: XMongoDB, metadata: {name: db}}`)},
			}}},
		},
		"Response": {
			reason: "Any other message is decoded as gRPC's codec decodes it.",
			wire: marshal(t, &fnv1.RunFunctionResponse{Desired: &fnv1.State{
				Composite: &fnv1.Resource{Resource: object(t, `{kind: XMongoDB, metadata: {name: db, managedFields: `+managed+`}}`)},
			}}),
			into: &fnv1.RunFunctionResponse{},
			want: want{msg: &fnv1.RunFunctionResponse{Desired: &fnv1.State{
				Composite: &fnv1.Resource{Resource: object(t, `{kind: XMongoDB, metadata: {name: db, managedFields: `+managed+`}}`)},
			}}},
		},
		"NotARequest": {
			reason: "Bytes that are not a request are an error, as with gRPC's codec.",
			wire:   []byte{0x12, 0x02, 0x0a, 0x08}, // An observed state whose composite is cut short.
			into:   &fnv1.RunFunctionRequest{},
			want:   want{err: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := newRequestCodec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(tc.wire)}, tc.into)
			if (err != nil) != tc.want.err {
				t.Errorf("\n%s\nUnmarshal(...): want error %t, got %v", tc.reason, tc.want.err, err)
			}
			if tc.want.err {
				return // What protobuf decoded before the error is not the function's.
			}
			if diff := cmp.Diff(tc.want.msg, tc.into, protocmp.Transform()); diff != "" {
				t.Errorf("\n%s\nUnmarshal(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// sent is req as the server decodes it off the wire.
func sent(t *testing.T, req *fnv1.RunFunctionRequest) *fnv1.RunFunctionRequest {
	t.Helper()
	got := &fnv1.RunFunctionRequest{}
	if err := newRequestCodec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(marshal(t, req))}, got); err != nil {
		t.Fatalf("cannot decode the request as the server does: %v", err)
	}
	return got
}

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
