package goldenpath

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// FuzzDecode checks Decode against the standard library, which it stands in for: on any
// object from the cluster, whatever its fields hold, it reads the same typed object, or fails
// where the standard library fails. Observed objects are untrusted, and a reading that
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
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var obj map[string]any
		if json.Unmarshal(b, &obj) != nil {
			return
		}
		for _, typ := range []any{&appsv1.StatefulSet{}, &batchv1.Job{}, &corev1.Pod{}} {
			got := reflect.New(reflect.TypeOf(typ).Elem()).Interface()
			want := reflect.New(reflect.TypeOf(typ).Elem()).Interface()
			gotErr := Decode(obj, got, "")
			wantErr := standardDecode(obj, want)
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("%T: Decode says %v, the standard library %v", typ, gotErr, wantErr)
			}
			if gotErr == nil && !equality.Semantic.DeepEqual(want, got) {
				t.Fatalf("%T: -standard library, +Decode:\n%s", typ, cmp.Diff(want, got))
			}
		}
	})
}

// standardDecode is what Decode stands in for: the standard library's reading of the JSON.
func standardDecode(obj, into any) error {
	j, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	return DecodeJSON(j, into, false, "")
}
