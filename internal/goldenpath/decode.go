package goldenpath

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"
	"k8s.io/apimachinery/pkg/api/resource"

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
//
// A quantity beyond what any Kubernetes API writes (an exponent of more than three digits, or
// more than 100 characters) is refused before resource.ParseQuantity sees it, which would take
// minutes over one: 1e-999999999 has it compute 10^999999990.
func Decode(obj any, into any, prefix string) error {
	return decode(obj, into, prefix, false)
}

// DecodeStrict is Decode that refuses a field the API type does not have, for what a platform
// team writes by hand, such as the Function's input.
func DecodeStrict(obj any, into any, prefix string) error {
	return decode(obj, into, prefix, true)
}

func decode(obj any, into any, prefix string, strict bool) error {
	if j, err := jsonv2.Marshal(obj, jsonv2.Deterministic(true)); err == nil { // Sorted, as the standard library: the last of two names that differ in case wins.
		err := jsonv2.Unmarshal(j, into, jsonv1.DefaultOptionsV1(), jsonv2.RejectUnknownMembers(strict), boundedQuantities)
		var aq *absurdQuantityError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &aq):
			_, path := find(obj, func(s string) bool { return s == aq.value })
			return errors.Wrapf(errAbsurdQuantity, "%s: %.40q", fieldOf(prefix, path), aq.value)
		}
	}
	if v := reflect.ValueOf(into); v.Kind() == reflect.Pointer && !v.IsNil() {
		v.Elem().SetZero() // What the first reading left.
	}
	// The first reading stopped at its first error: a quantity past it is checked before the
	// standard library, which reads on past errors, parses it.
	if err := checkNumbers(obj, prefix); err != nil {
		return err
	}
	j, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return decodeJSON(j, into, strict, prefix)
}

// decodeJSON reads JSON with the standard library, naming the field of a value of the wrong type.
func decodeJSON(j []byte, into any, strict bool, prefix string) error {
	d := json.NewDecoder(bytes.NewReader(j))
	if strict {
		d.DisallowUnknownFields()
	}
	err := d.Decode(into)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		path := strings.Trim(prefix+"."+te.Field, ".")
		return errors.Errorf("%s: must be %s, not a JSON %s", path, jsonKind(te.Type), te.Value)
	default:
		// A type's own reader quotes the value whole: parsing time "…" as "2006-01-02…".
		return errors.New(Cut(err.Error()))
	}
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

// Bounds of a quantity that no Kubernetes API writes beyond.
const (
	maxExponentDigits = 3
	maxNumberLength   = 100
)

// errAbsurdQuantity is a quantity beyond the bounds.
var errAbsurdQuantity = errors.Errorf("not a quantity any Kubernetes API writes (an exponent of more than %d digits, or more than %d characters)", maxExponentDigits, maxNumberLength)

// ParseQuantity is resource.ParseQuantity for a quantity from the cluster, refusing one beyond
// the bounds, over which resource.ParseQuantity would take minutes.
func ParseQuantity(s string) (resource.Quantity, error) {
	if isAbsurdNumber(s) {
		return resource.Quantity{}, errors.Wrapf(errAbsurdQuantity, "%.40q", s)
	}
	return resource.ParseQuantity(s)
}

// boundedQuantities reads every resource.Quantity with ParseQuantity's bounds.
//
//nolint:gochecknoglobals // An option, built once.
var boundedQuantities = jsonv2.WithUnmarshalers(jsonv2.UnmarshalFuncV2(func(d *jsontext.Decoder, q *resource.Quantity, _ jsonv2.Options) error {
	raw, err := d.ReadValue()
	if err != nil {
		return err
	}
	var s string
	if raw.Kind() == '"' && jsonv2.Unmarshal(raw, &s) == nil && isAbsurdNumber(s) {
		return &absurdQuantityError{value: s}
	}
	return q.UnmarshalJSON(raw)
}))

// absurdQuantityError is a quantity beyond the bounds. (Decode finds its field: in its v1 mode, the
// decoder does not track names.)
type absurdQuantityError struct{ value string }

func (e *absurdQuantityError) Error() string { return errAbsurdQuantity.Error() }

// checkNumbers refuses a string under v that is a number beyond the bounds, naming its field.
// It cannot tell a quantity from other text, so it is only for what is refused anyway, or
// holds no text that looks like such a number.
func checkNumbers(v any, prefix string) error {
	bad, path := find(v, isAbsurdNumber)
	if path == nil {
		return nil
	}
	return errors.Wrapf(errAbsurdQuantity, "%s: %.40q", fieldOf(prefix, path), bad)
}

// find returns the first string under v that matches, and its path from the string up (nil
// when none does).
func find(v any, match func(string) bool) (string, []string) {
	switch t := v.(type) {
	case string:
		if match(t) {
			return t, []string{}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if s, path := find(t[k], match); path != nil {
				return s, append(path, "."+k)
			}
		}
	case []any:
		for i, e := range t {
			if s, path := find(e, match); path != nil {
				return s, append(path, "["+strconv.Itoa(i)+"]")
			}
		}
	}
	return "", nil
}

// fieldOf is the field of a path that find returned, under prefix.
func fieldOf(prefix string, path []string) string {
	slices.Reverse(path)
	return strings.TrimPrefix(prefix+strings.Join(path, ""), ".")
}

// isAbsurdNumber tells whether s is a number beyond the bounds: in exponent form with an
// exponent of more than three digits, or longer than 100 characters with a suffix of at most
// two letters (Ki, m).
func isAbsurdNumber(s string) bool {
	m := strings.TrimLeft(s, "+-")
	if i := strings.IndexAny(m, "eE"); i >= 0 {
		exponent := strings.TrimLeft(m[i+1:], "+-")
		if isNumeric(m[:i]) && exponent != "" && strings.Trim(exponent, "0123456789") == "" {
			return len(exponent) > maxExponentDigits || len(s) > maxNumberLength
		}
	}
	body := strings.TrimRightFunc(m, unicode.IsLetter)
	return len(s) > maxNumberLength && len(m)-len(body) <= 2 && isNumeric(body)
}

// isNumeric tells whether s is digits with decimal points.
func isNumeric(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.") == ""
}
