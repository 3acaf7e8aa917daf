package goldenpath

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/crossplane/function-sdk-go/errors"
)

// Decode reads an object, or a part of one found under prefix, into its API type through
// JSON, so that a field of the wrong type is named (spec.replicas: must be an integer) rather
// than reported as the Go type it could not fill. Observed objects are untrusted: anyone may
// have written a field of the wrong type.
//
// It reads with JSON v2 in its v1 mode, which takes the standard library's rules (field names
// matched without case, legacy omitempty, unknown fields ignored) at a third of the cost;
// only an object it cannot read is read again by the standard library, for the message.
func Decode(obj any, into any, prefix string) error {
	if j, err := jsonv2.Marshal(obj, jsonv2.Deterministic(true)); err == nil { // Sorted, as the standard library: the last of two names that differ in case wins.
		if err := jsonv2.Unmarshal(j, into, jsonv1.DefaultOptionsV1()); err == nil {
			return nil
		}
	}
	if v := reflect.ValueOf(into); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero() // What the first reading left.
	}
	j, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return DecodeJSON(j, into, false, prefix)
}

// DecodeJSON is Decode for JSON; strict rejects unknown fields.
func DecodeJSON(j []byte, into any, strict bool, prefix string) error {
	d := json.NewDecoder(bytes.NewReader(j))
	if strict {
		d.DisallowUnknownFields()
	}
	err := d.Decode(into)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		path := strings.Trim(prefix+"."+te.Field, ".")
		return errors.Errorf("%s: must be %s, not a JSON %s", path, jsonKind(te.Type), te.Value)
	}
	return err
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}
