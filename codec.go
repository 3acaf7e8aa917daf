package main

import (
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	protov2 "google.golang.org/protobuf/proto"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// requestCodec is gRPC's protobuf codec, except that it decodes a RunFunctionRequest without
// the managedFields of the resources in it (goldenpath.TrimRequest): a third to a half of a
// steady-state request that nothing here reads, and most of the cost of decoding it.
// Everything else, responses included, is gRPC's codec's.
type requestCodec struct{ encoding.CodecV2 }

// newRequestCodec wraps gRPC's protobuf codec, which its package registers.
func newRequestCodec() requestCodec {
	return requestCodec{CodecV2: encoding.GetCodecV2(proto.Name)}
}

// Unmarshal decodes data into v.
func (c requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	req, ok := v.(*fnv1.RunFunctionRequest)
	if !ok {
		return c.CodecV2.Unmarshal(data, v)
	}
	pool := mem.DefaultBufferPool()
	in := data.MaterializeToBuffer(pool)
	defer in.Free()
	out := pool.Get(in.Len())
	defer pool.Put(out)
	b, err := goldenpath.TrimRequest((*out)[:0], in.ReadOnlyData())
	if err != nil {
		b = in.ReadOnlyData() // Not a message: decoded as it came, for protobuf's error.
	}
	return protov2.Unmarshal(b, req)
}
