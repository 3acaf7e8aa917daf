package goldenpath

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// TrimRequest appends to dst the RunFunctionRequest encoded in src without the
// metadata.managedFields of the resources Crossplane observed and fetched, which Content
// leaves out: the API server's record of who set what is a third to a half of a steady-state
// request, and most of the cost of decoding it, and nothing here reads it. Everything else is
// copied as it is, the desired state of earlier pipeline steps included, which passes through
// to the response.
//
// It returns an error for what is not the wire form of a message; the caller then decodes src
// as it came, for the error protobuf gives. A resource written in a way Crossplane never
// writes (a map entry in two parts, a Value with two kinds) is copied with its managedFields.
func TrimRequest(dst, src []byte) ([]byte, error) {
	t := trimmer{b: dst}
	err := t.message(src, atRequest)
	return t.b, err
}

// Field numbers of the messages of run_function.proto that lead to a resource.
const (
	requestObserved          protowire.Number = 2 // RunFunctionRequest.observed, a State
	requestExtraResources    protowire.Number = 6 // RunFunctionRequest.extra_resources, a map<string, Resources>
	requestRequiredResources protowire.Number = 8 // RunFunctionRequest.required_resources, a map<string, Resources>
	stateComposite           protowire.Number = 1 // State.composite, a Resource
	stateResources           protowire.Number = 2 // State.resources, a map<string, Resource>
	resourcesItems           protowire.Number = 1 // Resources.items, Resources
)

// level is what a message on the way to a resource is.
type level int

const (
	atRequest        level = iota // a RunFunctionRequest
	atState                       // a State
	atResourceEntry               // an entry of a map<string, Resource>
	atResourcesEntry              // an entry of a map<string, Resources>
	atResources                   // Resources
	atResource                    // a Resource
	atObject                      // a Resource's Struct, whose metadata is trimmed
)

// steps are the fields that lead to a resource: field num of a message at level from is a
// message at level to.
//
//nolint:gochecknoglobals // A constant table.
var steps = [...]struct {
	from level
	num  protowire.Number
	to   level
}{
	{atRequest, requestObserved, atState},
	{atRequest, requestExtraResources, atResourcesEntry},
	{atRequest, requestRequiredResources, atResourcesEntry},
	{atState, stateComposite, atResource},
	{atState, stateResources, atResourceEntry},
	{atResourceEntry, entryValue, atResource},
	{atResourcesEntry, entryValue, atResources},
	{atResources, resourcesItems, atResource},
	{atResource, resourceStruct, atObject},
}

// inner is the level of the field num of a message at level l, if it leads to a resource.
func inner(l level, num protowire.Number) (level, bool) {
	for _, s := range steps {
		if s.from == l && s.num == num {
			return s.to, true
		}
	}
	return 0, false
}

// trimmer writes a request without the managedFields of its resources.
type trimmer struct{ b message }

// message writes the fields of m, a message at level l, following those that lead to a
// resource, and copying the others.
func (t *trimmer) message(m []byte, l level) error {
	for len(m) > 0 {
		num, val, field, rest, err := next(m)
		if err != nil {
			return err
		}
		m = rest
		in, ok := inner(l, num)
		switch {
		case !ok || val == nil:
			t.b = append(t.b, field...)
		case in == atObject:
			if err := t.object(val); err != nil {
				return err
			}
		default:
			at := t.b.open(num)
			if err := t.message(val, in); err != nil {
				return err
			}
			t.b.close(at)
		}
	}
	return nil
}

// object writes a Resource's Struct s as its resource field, with its metadata trimmed.
func (t *trimmer) object(s []byte) error {
	at := t.b.open(resourceStruct)
	for len(s) > 0 {
		num, val, field, rest, err := next(s)
		if err != nil {
			return err
		}
		s = rest
		meta, ok := metadata(num, val)
		if !ok {
			t.b = append(t.b, field...)
			continue
		}
		entry, value := t.b.openEntry([]byte(fieldMetadata))
		st := t.b.open(valueStruct)
		for len(meta) > 0 {
			num, val, field, rest, err := next(meta)
			if err != nil {
				return err
			}
			meta = rest
			if key, _, ok := entryOf(num, val); !ok || string(key) != "managedFields" {
				t.b = append(t.b, field...)
			}
		}
		t.b.close(st)
		t.b.closeEntry(entry, value)
	}
	t.b.close(at)
	return nil
}

// metadata is the Struct of a Struct's field num whose value is val, if it is metadata's,
// written as Crossplane writes it: a key, and a Value that is a Struct.
func metadata(num protowire.Number, val []byte) ([]byte, bool) {
	key, v, ok := entryOf(num, val)
	if !ok || string(key) != fieldMetadata {
		return nil, false
	}
	n, st, _, rest, err := next(v)
	if err != nil || n != valueStruct || st == nil || len(rest) > 0 {
		return nil, false
	}
	return st, true
}

// entryOf reads a Struct's field num, whose value is val, as an entry of its fields: one key
// and one value, in that order, as protobuf writes a map entry.
func entryOf(num protowire.Number, val []byte) ([]byte, []byte, bool) {
	if num != structFields || val == nil {
		return nil, nil, false
	}
	k, key, _, rest, err := next(val)
	if err != nil || k != entryKey || key == nil {
		return nil, nil, false
	}
	v, value, _, rest, err := next(rest)
	if err != nil || v != entryValue || value == nil || len(rest) > 0 {
		return nil, nil, false
	}
	return key, value, true
}

// next reads the first field of m: its number, its value if it is length-delimited (else
// nil; an empty value is not nil), the field whole, and what follows it.
func next(m []byte) (protowire.Number, []byte, []byte, []byte, error) {
	num, typ, n := protowire.ConsumeTag(m)
	if n < 0 {
		return 0, nil, nil, nil, protowire.ParseError(n)
	}
	size := protowire.ConsumeFieldValue(num, typ, m[n:])
	if size < 0 {
		return 0, nil, nil, nil, protowire.ParseError(size)
	}
	field := m[:n+size]
	var val []byte
	if typ == protowire.BytesType {
		val, _ = protowire.ConsumeBytes(m[n:])
	}
	return num, val, field, m[n+size:], nil
}
