package goldenpath

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/types/known/structpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// Object is a composed resource as a blueprint builds it: a Kubernetes object of a Go type
// whose group AddKinds registered, or an *unstructured.Unstructured for a kind without one
// (e.g. external-dns's DNSEndpoint).
type Object interface {
	runtime.Object
	metav1.Object
}

// typed returns o as an Object with its kind set, from the scheme AddKinds fills.
func typed(o runtime.Object) (Object, error) {
	obj, ok := o.(Object)
	if !ok {
		return nil, errors.Errorf("%T has no object metadata", o)
	}
	gvks, _, err := composed.Scheme.ObjectKinds(o)
	if err != nil || len(gvks) == 0 {
		return nil, errors.Wrapf(err, "cannot determine the kind of %T", o)
	}
	o.GetObjectKind().SetGroupVersionKind(gvks[0])
	return obj, nil
}

// AsStruct converts a composed resource into the protobuf Struct Crossplane takes, holding
// only what the blueprint set. Crossplane server-side applies it and owns every field it
// holds, so zero values the API server would default (a probe's timeoutSeconds: 0, stdin:
// false) must not be there: the standard library's omitempty, as Kubernetes' own clients use
// it, drops them, where the SDK's composed.From keeps them. Nulls (metadata.creationTimestamp)
// and the status of every object, the resource's own and those embedded in it (volume claim
// templates), are dropped too. Empty objects stay: emptyDir: {} and podSelector: {} mean
// something.
//
// The JSON is read straight into the Struct, without a map[string]any in between: this is
// most of what a call costs.
func AsStruct(o Object) (*structpb.Struct, error) {
	c := codecs.Get().(*codec) //nolint:forcetypeassert // The pool holds nothing else.
	defer codecs.Put(c)
	c.buf.Reset()
	if err := c.enc.Encode(o); err != nil {
		return nil, errors.Wrapf(err, "cannot marshal %T", o)
	}
	// The decoder reads the encoder's buffer in place. What the encoder wrote is valid: no
	// need to check names or UTF-8 again.
	c.dec.Reset(&c.buf, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	v, err := readValue(&c.dec)
	if err != nil {
		return nil, errors.Wrapf(err, "cannot read the JSON of %T", o)
	}
	s := v.GetStructValue()
	if s == nil {
		return nil, errors.Errorf("%T is not a JSON object", o)
	}
	return s, nil
}

// codec writes the JSON of one object at a time and reads it back; its buffer is reused.
type codec struct {
	buf bytes.Buffer
	enc *json.Encoder
	dec jsontext.Decoder
}

//nolint:gochecknoglobals // A pool of buffers.
var codecs = sync.Pool{New: func() any {
	c := &codec{}
	c.enc = json.NewEncoder(&c.buf)
	c.enc.SetEscapeHTML(false) // The JSON is read back at once: "<" need not be "\u003c".
	return c
}}

// readValue reads the next JSON value as a Struct value; nil for null.
func readValue(d *jsontext.Decoder) (*structpb.Value, error) {
	tok, err := d.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		s, err := readObject(d)
		return structpb.NewStructValue(s), err
	case '[':
		l, err := readList(d)
		return structpb.NewListValue(l), err
	case '"':
		return structpb.NewStringValue(tok.String()), nil
	case '0':
		return structpb.NewNumberValue(tok.Float()), nil
	case 't', 'f':
		return structpb.NewBoolValue(tok.Bool()), nil
	default: // null
		return nil, nil //nolint:nilnil // A null is no value, and no error.
	}
}

// readObject reads the members of an object whose '{' was read, without nulls, and without
// the status of an object that has metadata.
func readObject(d *jsontext.Decoder) (*structpb.Struct, error) {
	fields := map[string]*structpb.Value{}
	for d.PeekKind() != '}' {
		k, err := d.ReadToken()
		if err != nil {
			return nil, err
		}
		key := k.String()
		v, err := readValue(d)
		if err != nil {
			return nil, err
		}
		if v != nil {
			fields[key] = v
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, err
	}
	if _, ok := fields["metadata"]; ok {
		delete(fields, "status")
	}
	return &structpb.Struct{Fields: fields}, nil
}

// readList reads the elements of a list whose '[' was read; a null stays in a list.
func readList(d *jsontext.Decoder) (*structpb.ListValue, error) {
	var values []*structpb.Value
	for d.PeekKind() != ']' {
		v, err := readValue(d)
		if err != nil {
			return nil, err
		}
		if v == nil {
			v = structpb.NewNullValue()
		}
		values = append(values, v)
	}
	_, err := d.ReadToken()
	return &structpb.ListValue{Values: values}, err
}

// Kind of a composed resource, e.g. StatefulSet.
func Kind(o Object) string { return o.GetObjectKind().GroupVersionKind().Kind }
