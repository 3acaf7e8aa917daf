package valkey

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"k8s.io/apimachinery/pkg/api/resource"

	fnresource "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// running is an observed instance, as a test describes it.
type running struct {
	replicas    int
	sentinel    bool
	members     int // hosts in the valkey container's MEMBERS, 0 for none
	image       string
	persistence any // the pod template's annotation; nil leaves it out
}

func (c running) observe(t *testing.T) *stateful.Running {
	t.Helper()
	server := map[string]any{"name": "valkey", "image": c.image}
	if c.members > 0 {
		server["env"] = []any{map[string]any{"name": envMembers, "value": strings.TrimSpace(strings.Repeat("m.svc ", c.members))}}
	}
	containers := []any{server}
	if c.sentinel {
		containers = append(containers, map[string]any{"name": "sentinel", "image": c.image})
	}
	tmpl := map[string]any{"spec": map[string]any{"containers": containers}}
	if c.persistence != nil {
		tmpl["metadata"] = map[string]any{"annotations": map[string]any{annotationPersistence: c.persistence}}
	}
	u := composed.New()
	u.Object = map[string]any{
		"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": map[string]any{"name": "valkey-5b7e20c4"},
		"spec": map[string]any{
			"replicas": float64(c.replicas), "template": tmpl,
			"volumeClaimTemplates": []any{map[string]any{
				"metadata": map[string]any{"name": "data"},
				"spec":     map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": "10Gi"}}},
			}},
		},
		"status": map[string]any{"currentRevision": "r1", "updateRevision": "r1"},
	}
	rn, err := engine.Observe(goldenpath.Request{Observed: map[fnresource.Name]fnresource.ObservedComposed{StatefulSetName: {Resource: u}}}, StatefulSetName, requiredPods)
	if err != nil {
		t.Fatal(err)
	}
	return rn
}

func TestSettlePersistence(t *testing.T) {
	type want struct {
		Persistence string
		Reason      string
		Err         bool
	}
	cases := map[string]struct {
		reason  string
		running *running
		asked   string
		want    want
	}{
		"New": {
			reason: "Any persistence is fine for an instance that does not run yet.",
			asked:  PersistenceNone,
			want:   want{Persistence: PersistenceNone},
		},
		"Unchanged": {
			reason:  "Asking for what runs changes nothing.",
			running: &running{replicas: 1, persistence: PersistenceAOF},
			asked:   PersistenceAOF,
			want:    want{Persistence: PersistenceAOF},
		},
		"RDBOff": {
			reason:  "Turning persistence off on an instance that holds snapshots is refused; it keeps RDB.",
			running: &running{replicas: 1, persistence: PersistenceRDB},
			asked:   PersistenceNone,
			want:    want{Persistence: PersistenceRDB, Reason: ReasonPersistenceOffRefused},
		},
		"AOFOff": {
			reason:  "Turning persistence off on an instance that holds an append-only file is refused; it keeps AOF.",
			running: &running{replicas: 3, sentinel: true, persistence: PersistenceAOF},
			asked:   PersistenceNone,
			want:    want{Persistence: PersistenceAOF, Reason: ReasonPersistenceOffRefused},
		},
		"TurnedOn": {
			reason:  "Turning persistence on loses nothing.",
			running: &running{replicas: 1, persistence: PersistenceNone},
			asked:   PersistenceAOF,
			want:    want{Persistence: PersistenceAOF},
		},
		"RDBToAOF": {
			reason:  "A restart with appendonly yes would start empty over the snapshot: refused, it keeps RDB.",
			running: &running{replicas: 1, persistence: PersistenceRDB},
			asked:   PersistenceAOF,
			want:    want{Persistence: PersistenceRDB, Reason: ReasonPersistenceChangeRefused},
		},
		"AOFToRDB": {
			reason:  "A restart with appendonly no would load a snapshot AOF never wrote: refused, it keeps AOF.",
			running: &running{replicas: 1, persistence: PersistenceAOF},
			asked:   PersistenceRDB,
			want:    want{Persistence: PersistenceAOF, Reason: ReasonPersistenceChangeRefused},
		},
		"Unknown": {
			reason:  "A StatefulSet without the annotation (edited by hand) does not tell what its data is: an error, nothing is composed.",
			running: &running{replicas: 1},
			asked:   PersistenceNone,
			want:    want{Err: true},
		},
		"Invalid": {
			reason:  "An annotation that is no persistence mode is unknown too, whatever is asked.",
			running: &running{replicas: 1, persistence: "aof"},
			asked:   PersistenceAOF,
			want:    want{Err: true},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var rn *stateful.Running
			if tc.running != nil {
				tc.running.image = "docker.io/valkey/valkey:8.1"
				rn = tc.running.observe(t)
			}
			p := params{Persistence: tc.asked}
			rf, err := settlePersistence(&p, rn)
			got := want{Persistence: p.Persistence, Err: err != nil}
			if err != nil {
				got.Persistence = ""
			}
			if rf != nil {
				got.Reason = rf.Reason
				if rf.Field.String() != "spec.persistence" {
					t.Errorf("refusal names %s, want spec.persistence", rf.Field)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nsettlePersistence(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestSettle(t *testing.T) {
	ask := func(replicas int32, version string) stateful.Want {
		return stateful.Want{Replicas: replicas, Version: version, Storage: *resource.NewQuantity(10<<30, resource.BinarySI)}
	}
	type want struct {
		Replicas int32
		Version  string
		Reasons  []string
		Err      bool
	}
	cases := map[string]struct {
		reason  string
		running running
		asked   stateful.Want
		want    want
	}{
		"UpgradeSkipsARelease": {
			reason:  "Valkey reads every older release's files: 7.2 goes to 8.1 at once.",
			running: running{replicas: 3, sentinel: true, image: "docker.io/valkey/valkey:7.2"},
			asked:   ask(3, "8.1"),
			want:    want{Replicas: 3, Version: "8.1"},
		},
		"PatchTagIsItsRelease": {
			reason:  "An image pinned to a patch tag runs its release: asking for it changes nothing.",
			running: running{replicas: 1, image: "docker.io/valkey/valkey:8.0.2"},
			asked:   ask(1, "8.0"),
			want:    want{Replicas: 1, Version: "8.0"},
		},
		"Downgrade": {
			reason:  "No release reads a newer one's files: 8.1 to 8.0 is refused, 8.1 kept.",
			running: running{replicas: 1, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(1, "8.0"),
			want:    want{Replicas: 1, Version: "8.1", Reasons: []string{stateful.ReasonDowngradeRefused}},
		},
		"StandaloneToReplicated": {
			reason:  "A standalone server gains replicas and Sentinels.",
			running: running{replicas: 1, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(3, "8.1"),
			want:    want{Replicas: 3, Version: "8.1"},
		},
		"ReplicatedToStandalone": {
			reason:  "A primary with replicas never becomes a standalone server (its Sentinels would fail it over to nothing).",
			running: running{replicas: 3, sentinel: true, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(1, "8.1"),
			want:    want{Replicas: 3, Version: "8.1", Reasons: []string{stateful.ReasonTopologyChangeRefused}},
		},
		"ScaleDownKeepsMajority": {
			reason:  "5 to 3 keeps a majority of the Sentinels that knew 5.",
			running: running{replicas: 5, sentinel: true, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(3, "8.1"),
			want:    want{Replicas: 3, Version: "8.1"},
		},
		"ScaledByHand": {
			reason:  "kubectl scale to 30 does not change the members the pod template lists: the spec's 3 roll out again.",
			running: running{replicas: 30, members: 3, sentinel: true, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(3, "8.1"),
			want:    want{Replicas: 3, Version: "8.1"},
		},
		"ScaledByHandToAMemberCount": {
			reason:  "kubectl scale to 9, a valid count, is not taken for the configured one: scaling back to 3 is no scale-down.",
			running: running{replicas: 9, members: 3, sentinel: true, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(3, "8.1"),
			want:    want{Replicas: 3, Version: "8.1"},
		},
		"NoMemberCount": {
			reason:  "Neither the pod template nor the replicas tell a member count: an error, since no count is safe.",
			running: running{replicas: 30, sentinel: true, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(3, "8.1"),
			want:    want{Err: true},
		},
		"ScaleDownTooFar": {
			reason:  "7 to 3 leaves 3 of the 7 Sentinels the others remember: no majority would agree on a failover.",
			running: running{replicas: 7, members: 7, sentinel: true, image: "docker.io/valkey/valkey:8.1"},
			asked:   ask(3, "8.1"),
			want:    want{Replicas: 7, Version: "8.1", Reasons: []string{stateful.ReasonScaleDownTooFar}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, refused, err := engine.Settle(tc.asked, tc.running.observe(t))
			g := want{Replicas: got.Replicas, Version: got.Version, Err: err != nil}
			for _, rf := range refused {
				g.Reasons = append(g.Reasons, rf.Reason)
			}
			if diff := cmp.Diff(tc.want, g, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s\nSettle(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
