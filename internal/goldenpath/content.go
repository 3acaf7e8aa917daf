package goldenpath

import (
	"math"

	"google.golang.org/protobuf/types/known/structpb"
)

// Content reads an object Crossplane sent as the SDK does, with two differences. Whole
// numbers are int64s, not float64s (every number of a protobuf Struct is one), as Kubernetes'
// own readers (kstatus, unstructured.NestedInt64) want them. And metadata.managedFields, the
// API server's record of who set what, often the larger part of an object, is left out:
// nothing here reads it.
func Content(s *structpb.Struct) map[string]any {
	out := make(map[string]any, len(s.GetFields()))
	for k, v := range s.GetFields() {
		md := v.GetStructValue()
		if k != fieldMetadata || md == nil {
			out[k] = valueOf(v)
			continue
		}
		meta := make(map[string]any, len(md.GetFields()))
		for mk, mv := range md.GetFields() {
			if mk != "managedFields" {
				meta[mk] = valueOf(mv)
			}
		}
		out[k] = meta
	}
	return out
}

// fieldMetadata is the name of an object's metadata.
const fieldMetadata = "metadata"

// maxExact is the largest whole number a float64 holds exactly.
const maxExact = 1 << 53

// valueOf is Value.AsInterface with whole numbers as int64s.
func valueOf(v *structpb.Value) any {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NumberValue:
		if n := k.NumberValue; n == math.Trunc(n) && math.Abs(n) <= maxExact {
			return int64(n)
		}
		return k.NumberValue
	case *structpb.Value_StructValue:
		m := make(map[string]any, len(k.StructValue.GetFields()))
		for f, e := range k.StructValue.GetFields() {
			m[f] = valueOf(e)
		}
		return m
	case *structpb.Value_ListValue:
		l := make([]any, len(k.ListValue.GetValues()))
		for i, e := range k.ListValue.GetValues() {
			l[i] = valueOf(e)
		}
		return l
	default:
		return v.AsInterface()
	}
}
