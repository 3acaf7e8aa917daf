package valkey

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"

	fnresource "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
)

// TestComposeKeepsWhatRuns composes over a running standalone server with RDB snapshots and
// its password: a refused change keeps what runs in every resource it touches, and the
// password is the observed one.
func TestComposeKeepsWhatRuns(t *testing.T) {
	// The registry registers the kinds golden paths compose; it imports this package.
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme} {
		if err := add(composed.Scheme); err != nil {
			t.Fatal(err)
		}
	}
	type want struct {
		Reasons     []string
		Persistence string
		Save        bool
		Password    string
	}
	cases := map[string]struct {
		reason string
		spec   map[string]any
		want   want
	}{
		"PersistenceOff": {
			reason: "persistence None is refused: the ConfigMap keeps the snapshots and the pod template says RDB.",
			spec:   map[string]any{"persistence": "None"},
			want:   want{Reasons: []string{ReasonPersistenceOffRefused}, Persistence: PersistenceRDB, Save: true, Password: "kept-password"},
		},
		"PolicyChange": {
			reason: "A new maxmemory policy rolls out; persistence stays.",
			spec:   map[string]any{"persistence": "RDB", "maxmemoryPolicy": "allkeys-lru"},
			want:   want{Persistence: PersistenceRDB, Save: true, Password: "kept-password"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			xr := &fnresource.Composite{Resource: composite.New()}
			xr.Resource.Object = map[string]any{
				"apiVersion": "cache.platform.io/v1alpha1", "kind": "Valkey",
				"metadata": map[string]any{"name": "valkey-5b7e20c4", "namespace": "team-a"},
				"spec":     tc.spec,
			}
			in := &v1beta1.Input{GoldenPath: Name}
			in.Default()
			sts := composed.New()
			sts.Object = map[string]any{
				"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": map[string]any{"name": "valkey-5b7e20c4"},
				"spec": map[string]any{"replicas": float64(1), "template": map[string]any{
					"metadata": map[string]any{"annotations": map[string]any{annotationPersistence: PersistenceRDB}},
					"spec":     map[string]any{"containers": []any{map[string]any{"name": "valkey", "image": "docker.io/valkey/valkey:8.1"}}},
				}},
			}
			secret := composed.New()
			secret.Object = map[string]any{
				"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "valkey-5b7e20c4-credentials"},
				"data": map[string]any{KeyPassword: base64.StdEncoding.EncodeToString([]byte("kept-password"))},
			}
			r := goldenpath.Request{
				XR: xr, Instance: goldenpath.Instance{Name: "valkey-5b7e20c4", ID: "5b7e20c4"}, Input: in,
				Observed: map[fnresource.Name]fnresource.ObservedComposed{StatefulSetName: {Resource: sts}, CredentialsName: {Resource: secret}},
			}
			c, err := Blueprint{}.Compose(r)
			if err != nil {
				t.Fatal(err)
			}
			var got want
			for _, rf := range c.Refused {
				got.Reasons = append(got.Reasons, rf.Reason)
			}
			for _, res := range c.Resources {
				switch res.Name {
				case ConfigName:
					conf, _ := goldenpathtest.Composed(t, res.Object).GetString("data[valkey.conf]")
					got.Save = strings.Contains(conf, "\nsave 3600")
				case StatefulSetName:
					got.Persistence, _ = goldenpathtest.Composed(t, res.Object).GetString("spec.template.metadata.annotations[cache.platform.io/persistence]")
				case CredentialsName:
					p, _ := goldenpathtest.Composed(t, res.Object).GetString("data.password")
					b, _ := base64.StdEncoding.DecodeString(p)
					got.Password = string(b)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nCompose(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
