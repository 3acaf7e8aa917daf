package goldenpath

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// Encode writes a composed resource as the response carries it to Crossplane, holding only
// what the blueprint set. Crossplane server-side applies it and owns every field it holds, so
// zero values the API server would default (a probe's timeoutSeconds: 0, stdin: false) must
// not be there: the standard library's omitempty, as Kubernetes' own clients use it, drops
// them, where the SDK's composed.From keeps them. Nulls (metadata.creationTimestamp) and the
// status of every object, the resource's own and those embedded in it (volume claim
// templates), are dropped too. Empty objects stay: emptyDir: {} and podSelector: {} mean
// something.
//
// The object's JSON is written straight in the protobuf wire form of the Struct Crossplane
// reads (struct.proto), as the Resource's field: no Struct is built only for gRPC to encode it
// again. Building and encoding that Struct was most of what a call cost. Crossplane, and
// anything else that decodes the response, reads an ordinary Struct.
func Encode(o Object, ready fnv1.Ready) (*fnv1.Resource, error) {
	c := codecs.Get().(*codec) //nolint:forcetypeassert // The pool holds nothing else.
	defer codecs.Put(c)
	c.buf.Reset()
	if err := c.enc.Encode(o); err != nil {
		return nil, errors.Wrapf(err, "cannot marshal %T", o)
	}
	// What the encoder wrote is valid: no need to check names or UTF-8 again.
	c.dec.Reset(&c.buf, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if err := c.w.resource(&c.dec); err != nil {
		return nil, errors.Wrapf(err, "cannot read the JSON of %T", o)
	}
	r := &fnv1.Resource{Ready: ready}
	r.ProtoReflect().SetUnknown(slices.Clone([]byte(c.w.b)))
	return r, nil
}

// codec writes the JSON of one object at a time and reads it back into the wire form; its
// buffers are reused.
type codec struct {
	buf bytes.Buffer
	enc *json.Encoder
	dec jsontext.Decoder
	w   wire
}

//nolint:gochecknoglobals // A pool of buffers.
var codecs = sync.Pool{New: func() any {
	c := &codec{}
	c.enc = json.NewEncoder(&c.buf)
	c.enc.SetEscapeHTML(false) // The JSON is read back at once: "<" need not be "\u003c".
	return c
}}

// Field numbers of fnv1.Resource and of struct.proto's messages.
const (
	resourceStruct protowire.Number = 1 // Resource.resource

	structFields protowire.Number = 1 // Struct.fields, a map<string, Value>
	entryKey     protowire.Number = 1 // a map entry's key
	entryValue   protowire.Number = 2 // a map entry's value
	listValues   protowire.Number = 1 // ListValue.values

	valueNull   protowire.Number = 1 // Value.null_value
	valueNumber protowire.Number = 2 // Value.number_value
	valueString protowire.Number = 3 // Value.string_value
	valueBool   protowire.Number = 4 // Value.bool_value
	valueStruct protowire.Number = 5 // Value.struct_value
	valueList   protowire.Number = 6 // Value.list_value
)

// wire is the protobuf wire form of a Struct being written from JSON tokens.
type wire struct {
	b        message // what is written
	str      []byte  // the last string read, unquoted
	unquoted []byte  // room for a string with escapes, unquoted
}

// resource writes the JSON object d holds as the Struct of a Resource's field.
func (w *wire) resource(d *jsontext.Decoder) error {
	w.b = w.b[:0]
	if d.PeekKind() != '{' {
		return errors.New("not a JSON object")
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	at := w.b.open(resourceStruct)
	if err := w.object(d); err != nil {
		return err
	}
	w.b.close(at)
	return nil
}

// object writes the members of an object whose '{' was read as a Struct's fields, without
// nulls, and without the status of an object that has metadata.
func (w *wire) object(d *jsontext.Decoder) error {
	metadata, status, statusEnd := false, -1, -1
	for d.PeekKind() != '}' {
		if err := w.readString(d); err != nil {
			return err
		}
		if d.PeekKind() == 'n' {
			if _, err := d.ReadToken(); err != nil {
				return err
			}
			continue
		}
		start := len(w.b)
		isStatus := string(w.str) == "status"
		metadata = metadata || string(w.str) == fieldMetadata
		entry, value := w.b.openEntry(w.str)
		if err := w.value(d); err != nil {
			return err
		}
		w.b.closeEntry(entry, value)
		if isStatus {
			status, statusEnd = start, len(w.b)
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	if metadata && status >= 0 {
		w.b = slices.Delete(w.b, status, statusEnd)
	}
	return nil
}

// value writes the next JSON value as a Value's field; a null as a NullValue.
func (w *wire) value(d *jsontext.Decoder) error {
	switch d.PeekKind() {
	case '"':
		if err := w.readString(d); err != nil {
			return err
		}
		w.b = protowire.AppendTag(w.b, valueString, protowire.BytesType)
		w.b = protowire.AppendBytes(w.b, w.str)
		return nil
	case '{':
		at := w.b.open(valueStruct)
		if _, err := d.ReadToken(); err != nil {
			return err
		}
		if err := w.object(d); err != nil {
			return err
		}
		w.b.close(at)
		return nil
	case '[':
		return w.list(d)
	}
	tok, err := d.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case '0':
		w.b = protowire.AppendTag(w.b, valueNumber, protowire.Fixed64Type)
		w.b = protowire.AppendFixed64(w.b, math.Float64bits(tok.Float()))
	case 't', 'f':
		w.b = protowire.AppendTag(w.b, valueBool, protowire.VarintType)
		w.b = protowire.AppendVarint(w.b, protowire.EncodeBool(tok.Bool()))
	default: // null
		w.b = protowire.AppendTag(w.b, valueNull, protowire.VarintType)
		w.b = protowire.AppendVarint(w.b, 0)
	}
	return nil
}

// list writes a JSON list as a Value's ListValue.
func (w *wire) list(d *jsontext.Decoder) error {
	at := w.b.open(valueList)
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	for d.PeekKind() != ']' {
		v := w.b.open(listValues)
		if err := w.value(d); err != nil {
			return err
		}
		w.b.close(v)
	}
	if _, err := d.ReadToken(); err != nil {
		return err
	}
	w.b.close(at)
	return nil
}

// readString reads the next JSON string, a name or a value, into w.str, valid until the next
// read. Most have no escape, and are the raw value without its quotes.
func (w *wire) readString(d *jsontext.Decoder) error {
	raw, err := d.ReadValue()
	if err != nil {
		return err
	}
	if len(raw) >= 2 && bytes.IndexByte(raw, '\\') < 0 {
		w.str = raw[1 : len(raw)-1]
		return nil
	}
	w.unquoted, err = jsontext.AppendUnquote(w.unquoted[:0], raw)
	w.str = w.unquoted
	return err
}

// message is the protobuf wire form of a message being written, whose fields that are
// messages get their lengths once written.
type message []byte

// lengthRoom is the room open leaves for a length: two bytes hold one under 16 KiB, which most
// fields are; close moves a field's bytes only when its length needs less or more.
const lengthRoom = 2

// open starts a field that is a message, whose length close writes.
func (m *message) open(num protowire.Number) int {
	*m = protowire.AppendTag(*m, num, protowire.BytesType)
	*m = append(*m, make([]byte, lengthRoom)...)
	return len(*m)
}

// openEntry starts a field of a Struct: an entry of its fields holding key, and the Value
// written next, whose lengths closeEntry writes.
func (m *message) openEntry(key []byte) (int, int) {
	entry := m.open(structFields)
	*m = protowire.AppendTag(*m, entryKey, protowire.BytesType)
	*m = protowire.AppendBytes(*m, key)
	return entry, m.open(entryValue)
}

// closeEntry writes the lengths of the entry openEntry started.
func (m *message) closeEntry(entry, value int) {
	m.close(value)
	m.close(entry)
}

// close writes the length of the field open started at start.
func (m *message) close(start int) {
	b := *m
	n := len(b) - start
	length := uint64(n) //nolint:gosec // A length is not negative.
	size := protowire.SizeVarint(length)
	switch {
	case size < lengthRoom:
		copy(b[start-lengthRoom+size:], b[start:])
		b = b[:len(b)-(lengthRoom-size)]
	case size > lengthRoom:
		b = append(b, make([]byte, size-lengthRoom)...)
		copy(b[start-lengthRoom+size:], b[start:start+n])
	}
	protowire.AppendVarint(b[:start-lengthRoom], length)
	*m = b
}
