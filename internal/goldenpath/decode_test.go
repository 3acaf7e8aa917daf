package goldenpath

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// FuzzDecode checks Decode and DecodeStrict against the standard library, which they stand in
// for: on any object from the cluster or input from a Composition, whatever its fields hold,
// they read the same typed object, or fail where the standard library fails. Observed objects are untrusted, and a reading that
// accepted what the standard library refuses would let a guard see a value nobody wrote.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"db","generation":3,"labels":{"a":"b"}},"spec":{"replicas":3,"serviceName":"db","template":{"metadata":{"annotations":{"x":"y"}},"spec":{"containers":[{"name":"mongod","image":"mongo:7.0","resources":{"requests":{"memory":"1Gi","cpu":"500m"}},"ports":[{"containerPort":27017}]}]}},"volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"resources":{"requests":{"storage":"10Gi"}}}}]},"status":{"observedGeneration":3,"replicas":3,"readyReplicas":3,"currentRevision":"a","updateRevision":"a"}}`,
		`{"kind":"Job","metadata":{"name":"init","creationTimestamp":"2026-12-01T21:45:52Z"},"spec":{"backoffLimit":6,"template":{"spec":{"restartPolicy":"Never"}}},"status":{"conditions":[{"type":"Complete","status":"True"}],"succeeded":1}}`,
		`{"kind":"Pod","metadata":{"name":"db-0","labels":{"controller-revision-hash":"a"}},"spec":{"containers":[{"name":"mongod","image":"mongo:7.0"}]},"status":{"phase":"Running","containerStatuses":[{"name":"mongod","ready":true,"restartCount":2,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}`,
		`{"spec":{"replicas":3.5}}`,
		`{"spec":{"replicas":1e20}}`,
		`{"spec":{"replicas":"3"}}`,
		`{"metadata":{"creationTimestamp":"yesterday"}}`,
		`{"spec":{"template":{"spec":{"containers":[{"resources":{"requests":{"memory":"lots"}}}]}}}}`,
		`{"SPEC":{"Replicas":2},"spec":{"replicas":1}}`,
		`{"status":{"conditions":{"type":"Complete"}}}`,
		`{"spec":{"template":{"spec":{"containers":[{"ports":[{"containerPort":-1,"protocol":7}]}]}}}}`,
		`{"spec":{"replicas":1,"replica":2},"Status":{"Replicas":1}}`,
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":null},"spec":{"containers":null}}`,
		`{"apiVersion":"goldenpath.fn.openportal.dev/v1beta1","kind":"Input","goldenPath":"MongoDB","backstage":{"lifecycle":"production"},"presets":{"small":{"requests":{"memory":"1Gi","cpu":"500m"}}}}`,
		`{"goldenPath":"MongoDB","presets":{"small":{"requests":{"memory":"1Gi"},"storageClass":"fast"}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var obj map[string]any
		if json.Unmarshal(b, &obj) != nil {
			return
		}
		if checkNumbers(obj, "") != nil {
			t.Skip("the standard library would take minutes over a quantity beyond the bounds; TestDecodeBounds covers them")
		}
		for _, strict := range []bool{false, true} {
			for _, typ := range []any{&appsv1.StatefulSet{}, &batchv1.Job{}, &corev1.Pod{}, &v1beta1.Input{}} {
				got := reflect.New(reflect.TypeOf(typ).Elem()).Interface()
				want := reflect.New(reflect.TypeOf(typ).Elem()).Interface()
				gotErr := decode(obj, got, "", strict)
				wantErr := standardDecode(obj, want, strict)
				if (gotErr == nil) != (wantErr == nil) {
					t.Fatalf("%T, strict %t: Decode says %v, the standard library %v", typ, strict, gotErr, wantErr)
				}
				if gotErr == nil && !equality.Semantic.DeepEqual(want, got) {
					t.Fatalf("%T, strict %t: -standard library, +Decode:\n%s", typ, strict, cmp.Diff(want, got))
				}
			}
		}
	})
}

// standardDecode is what Decode (DecodeStrict) stands in for: the standard library's reading
// of the JSON.
func standardDecode(obj, into any, strict bool) error {
	j, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return decodeJSON(j, into, strict, "")
}

// TestDecodeBounds checks that a quantity no Kubernetes API writes is refused, with its
// field, before resource.ParseQuantity takes minutes over it, that text which only looks like
// a number nearby is read as it is, and that an error quoting a value it cannot read stays
// short: the value came from the cluster, and the message goes into the response, a condition
// and an event.
func TestDecodeBounds(t *testing.T) {
	long := "1" + strings.Repeat("0", 100)
	cases := map[string]struct {
		reason string
		obj    string
		into   any // A StatefulSet when nil.
		want   string
	}{
		"ExponentOfNineDigits": {
			reason: "1e-999999999 would have resource.ParseQuantity compute 10^999999990.",
			obj:    `{"spec":{"template":{"spec":{"containers":[{"name":"db","resources":{"limits":{"memory":"1e-999999999"}}}]}}}}`,
			want:   `spec.template.spec.containers[0].resources.limits.memory: "1e-999999999": not a quantity any Kubernetes API writes (an exponent of more than 3 digits, or more than 100 characters)`,
		},
		"ExponentAfterAnotherError": {
			reason: "A quantity past the first error is checked before the standard library reads on to it.",
			obj:    `{"spec":{"replicas":"three","volumeClaimTemplates":[{"spec":{"resources":{"requests":{"storage":"5e+1000"}}}}]}}`,
			want:   `spec.volumeClaimTemplates[0].spec.resources.requests.storage: "5e+1000": not a quantity any Kubernetes API writes (an exponent of more than 3 digits, or more than 100 characters)`,
		},
		"LongNumber": {
			reason: "A number of more than 100 characters is not a quantity either.",
			obj:    `{"spec":{"template":{"spec":{"containers":[{"name":"db","resources":{"requests":{"cpu":"` + long + `m"}}}]}}}}`,
			want:   `spec.template.spec.containers[0].resources.requests.cpu: "` + long[:40] + `": not a quantity any Kubernetes API writes (an exponent of more than 3 digits, or more than 100 characters)`,
		},
		"HashesAndSmallExponents": {
			reason: "An annotation that looks like a number is text, and 1e3 is a quantity.",
			obj:    `{"spec":{"template":{"metadata":{"annotations":{"hash":"3e451290"}},"spec":{"containers":[{"name":"db","resources":{"limits":{"memory":"1e3"}}}]}}}}`,
		},
		"LongTime": {
			reason: "A completion time of 140 KB, which time.Parse quotes twice, is cut at 256 bytes.",
			obj:    `{"status":{"completionTime":"` + strings.Repeat("é", 70000) + `"}}`,
			into:   &batchv1.Job{},
			want:   `parsing time "` + strings.Repeat(`\xc3\xa9`, 30) + `\x…`,
		},
		"ShortTime": {
			reason: "A short value is quoted whole.",
			obj:    `{"status":{"completionTime":"yesterday"}}`,
			into:   &batchv1.Job{},
			want:   `parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var obj map[string]any
			if err := json.Unmarshal([]byte(tc.obj), &obj); err != nil {
				t.Fatal(err)
			}
			into := tc.into
			if into == nil {
				into = &appsv1.StatefulSet{}
			}
			got := ""
			if err := Decode(obj, into, ""); err != nil {
				got = err.Error()
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nDecode(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
