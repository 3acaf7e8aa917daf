package goldenpath

import (
	"math"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// String is the string at a path of an object as Crossplane sends it, empty when there is
// none. Unlike the SDK's GetString it neither parses a path nor copies anything.
func String(obj map[string]any, fields ...string) string {
	v, _, _ := unstructured.NestedFieldNoCopy(obj, fields...)
	s, _ := v.(string)
	return s
}

// Integer is the whole number at a path of an object, and whether there is one: an int64 as
// Content reads it, or a float64 as the SDK does (every number of a protobuf Struct is one);
// a fraction, or a number beyond an int64, is none.
func Integer(obj map[string]any, fields ...string) (int64, bool) {
	v, _, _ := unstructured.NestedFieldNoCopy(obj, fields...)
	switch n := v.(type) {
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// Label is the value of a label of an object as Crossplane sends it, empty when it has none.
// Unlike GetLabels it copies nothing.
func Label(obj map[string]any, key string) string {
	return String(obj, "metadata", "labels", key)
}

// MaxMessage bounds a text from the cluster that a message quotes: an image, a reason, what
// a resource says, an error reading a value. Anyone may have written it, of any length, and
// the message goes into the response, a condition and an event.
const MaxMessage = 256

// Cut is a text from the cluster as a message quotes it: at most MaxMessage bytes.
func Cut(s string) string { return Truncate(s, MaxMessage) }

// Truncate keeps a text from the cluster short in a message: at most n bytes, cut at a rune,
// with an ellipsis when cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
