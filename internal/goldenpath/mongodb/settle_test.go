package mongodb

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"
)

// running is an observed StatefulSet with the given members, version and volume size.
func running(replicas int, version string, storage string) map[resource.Name]resource.ObservedComposed {
	sts := composed.New()
	sts.Object = map[string]any{
		"apiVersion": "apps/v1", "kind": "StatefulSet",
		"metadata": map[string]any{"name": "mongodb-3a4f75ae"},
		"spec": map[string]any{
			"replicas": float64(replicas),
			"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"name": "mongod", "image": "mirror.example.com:5000/library/mongo:" + version},
			}}},
			"volumeClaimTemplates": []any{map[string]any{
				"metadata": map[string]any{"name": "data"},
				"spec":     map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": storage}}},
			}},
		},
	}
	return map[resource.Name]resource.ObservedComposed{StatefulSetName: {Resource: sts}}
}

func TestSettle(t *testing.T) {
	type want struct {
		Replicas  int32
		Version   string
		StorageGB int64
		Refused   []string
	}
	cases := map[string]struct {
		reason   string
		want     params
		observed map[resource.Name]resource.ObservedComposed
		got      want
	}{
		"NothingRuns": {
			reason:   "A new instance gets what it asks for.",
			want:     params{Replicas: 7, Version: "6.0", StorageGB: 1},
			observed: nil,
			got:      want{Replicas: 7, Version: "6.0", StorageGB: 1},
		},
		"UpgradeAndGrowMembers": {
			reason:   "One release up and more members roll out.",
			want:     params{Replicas: 7, Version: "8.0", StorageGB: 10},
			observed: running(3, "7.0", "10Gi"),
			got:      want{Replicas: 7, Version: "8.0", StorageGB: 10},
		},
		"SkipARelease": {
			reason:   "6.0 to 8.0 skips 7.0, which MongoDB does not allow.",
			want:     params{Replicas: 3, Version: "8.0", StorageGB: 10},
			observed: running(3, "6.0", "10Gi"),
			got:      want{Replicas: 3, Version: "6.0", StorageGB: 10, Refused: []string{"spec.version UpgradeSkipsRelease"}},
		},
		"ScaleDownKeepsMajority": {
			reason:   "5 to 3 members keeps a majority of the 5 running to reconfigure with.",
			want:     params{Replicas: 3, Version: "7.0", StorageGB: 10},
			observed: running(5, "7.0", "10Gi"),
			got:      want{Replicas: 3, Version: "7.0", StorageGB: 10},
		},
		"ScaleDownTooFar": {
			reason:   "7 to 3 members would leave 3 of 7: no majority.",
			want:     params{Replicas: 3, Version: "7.0", StorageGB: 10},
			observed: running(7, "7.0", "10Gi"),
			got:      want{Replicas: 7, Version: "7.0", StorageGB: 10, Refused: []string{"spec.replicas ScaleDownTooFar"}},
		},
		"StandaloneToReplicaSet": {
			reason:   "A standalone server may become a replica set; its data stays on member 0.",
			want:     params{Replicas: 3, Version: "7.0", StorageGB: 10},
			observed: running(1, "7.0", "10Gi"),
			got:      want{Replicas: 3, Version: "7.0", StorageGB: 10},
		},
		"StorageGrow": {
			reason:   "A larger volume cannot be set through the StatefulSet; it keeps its size and says how to grow.",
			want:     params{Replicas: 1, Version: "7.0", StorageGB: 50},
			observed: running(1, "7.0", "20Gi"),
			got:      want{Replicas: 1, Version: "7.0", StorageGB: 20, Refused: []string{"spec.storageGB StorageResizeUnsupported"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sts, err := observedStatefulSet(tc.observed)
			if err != nil {
				t.Fatal(err)
			}
			p, refused := settle(tc.want, sts)
			got := want{Replicas: p.Replicas, Version: p.Version, StorageGB: p.StorageGB}
			for _, r := range refused {
				got.Refused = append(got.Refused, fmt.Sprintf("%s %s", r.Field, r.Reason))
			}
			if diff := cmp.Diff(tc.got, got); diff != "" {
				t.Errorf("%s\nsettle(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
