package valkey

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

func TestResolve(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   Spec
		want   []string
	}{
		"Defaults": {
			reason: "An empty spec is valid: every field has a default.",
		},
		"TwoMembers": {
			reason: "Two members cannot elect a primary after losing one.",
			spec:   Spec{Replicas: ptr.To(int32(2))},
			want:   []string{"spec.replicas"},
		},
		"TooManyMembers": {
			reason: "At most 9 members.",
			spec:   Spec{Replicas: ptr.To(int32(10))},
			want:   []string{"spec.replicas"},
		},
		"UnknownPersistence": {
			reason: "Persistence is None, RDB or AOF.",
			spec:   Spec{Persistence: ptr.To("disk")},
			want:   []string{"spec.persistence"},
		},
		"UnknownPolicy": {
			reason: "maxmemoryPolicy is one of Valkey's policies.",
			spec:   Spec{MaxmemoryPolicy: ptr.To("lru")},
			want:   []string{"spec.maxmemoryPolicy"},
		},
		"UnknownVersion": {
			reason: "A release the golden path does not know.",
			spec:   Spec{Version: ptr.To("6.2")},
			want:   []string{"spec.version"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := &v1beta1.Input{}
			in.Default()
			_, errs := resolve(tc.spec, in)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nresolve(...) fields: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValkeyConf(t *testing.T) {
	cases := map[string]struct {
		reason string
		spec   Spec
		want   []string
	}{
		"SmallRDB": {
			reason: "maxmemory is 75% of the small preset's 1 GiB; RDB snapshots, no append-only file.",
			spec:   Spec{Size: ptr.To("small"), Persistence: ptr.To(PersistenceRDB)},
			want:   []string{"maxmemory 805306368", "maxmemory-policy noeviction", "appendonly no", "save 3600 1 300 100 60 10000"},
		},
		"MediumAOF": {
			reason: "maxmemory is 75% of the medium preset's 4 GiB; an append-only file fsynced every second, no snapshots.",
			spec:   Spec{Size: ptr.To("medium"), Persistence: ptr.To(PersistenceAOF), MaxmemoryPolicy: ptr.To("allkeys-lru")},
			want:   []string{"maxmemory 3221225472", "maxmemory-policy allkeys-lru", "appendonly yes", "appendfsync everysec", `save ""`},
		},
		"None": {
			reason: "No persistence: neither snapshots nor an append-only file.",
			spec:   Spec{Persistence: ptr.To(PersistenceNone)},
			want:   []string{"appendonly no", `save ""`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := &v1beta1.Input{}
			in.Default()
			p, errs := resolve(tc.spec, in)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			conf := build{params: p}.valkeyConf()
			lines := strings.Split(conf, "\n")
			var missing []string
			for _, w := range tc.want {
				found := false
				for _, l := range lines {
					found = found || l == w
				}
				if !found {
					missing = append(missing, w)
				}
			}
			if len(missing) > 0 {
				t.Errorf("%s\nvalkey.conf lacks %q:\n%s", tc.reason, missing, conf)
			}
		})
	}
}
