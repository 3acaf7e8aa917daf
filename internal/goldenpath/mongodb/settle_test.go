package mongodb

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"

	fnresource "github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// cluster is an observed instance, as a test describes it.
type cluster struct {
	// replicas of the StatefulSet; nil leaves the field out.
	replicas *int
	// replicaSet makes mongod run with --replSet and a keyfile.
	replicaSet bool
	image      string
	storage    string
	// job is the member count of an observed replica set Job, 0 for none; jobDone says
	// whether it completed.
	job     int
	jobDone bool
	// rolling makes the StatefulSet's current and update revisions differ.
	rolling bool
	// pods are "name image ready revision" of the fetched pods; nil when not fetched.
	pods []pod
}

type pod struct {
	name, image, revision string
	ready                 bool
}

func replicas(n int) *int { return &n }

func (c cluster) request() goldenpath.Request {
	args := []any{"--bind_ip_all"}
	var volumes []any
	if c.replicaSet {
		args = append(args, "--replSet", "rs0")
		volumes = []any{map[string]any{"name": "keyfile", "emptyDir": map[string]any{}}}
	}
	stsSpec := map[string]any{
		"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "mongod", "image": c.image, "args": args}},
			"volumes":    volumes,
		}},
		"volumeClaimTemplates": []any{map[string]any{
			"metadata": map[string]any{"name": "data"},
			"spec":     map[string]any{"resources": map[string]any{"requests": map[string]any{"storage": c.storage}}},
		}},
	}
	if c.replicas != nil {
		stsSpec["replicas"] = float64(*c.replicas)
	}
	status := map[string]any{"currentRevision": "r1", "updateRevision": "r1"}
	if c.rolling {
		status["updateRevision"] = "r2"
	}
	observed := map[fnresource.Name]fnresource.ObservedComposed{
		StatefulSetName: {Resource: obj(map[string]any{
			"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": map[string]any{"name": "mongodb-3a4f75ae"},
			"spec": stsSpec, "status": status,
		})},
	}
	if c.job > 0 {
		var conditions []any
		if c.jobDone {
			conditions = []any{map[string]any{"type": "Complete", "status": "True"}}
		}
		observed[ReplicaSetJobName(int32(c.job))] = fnresource.ObservedComposed{Resource: obj(map[string]any{
			"apiVersion": "batch/v1", "kind": "Job", "metadata": map[string]any{"name": "job"},
			"status": map[string]any{"conditions": conditions},
		})}
	}
	r := goldenpath.Request{Observed: observed}
	if c.pods != nil {
		items := make([]fnresource.Required, 0, len(c.pods))
		for _, p := range c.pods {
			ready := "False"
			if p.ready {
				ready = "True"
			}
			items = append(items, fnresource.Required{Resource: &obj(map[string]any{
				"apiVersion": "v1", "kind": "Pod",
				"metadata": map[string]any{"name": p.name, "labels": map[string]any{"controller-revision-hash": p.revision}},
				"spec":     map[string]any{"containers": []any{map[string]any{"name": "mongod", "image": p.image}}},
				"status":   map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": ready}}},
			}).Unstructured})
		}
		r.Required = map[string][]fnresource.Required{requiredPods: items}
	}
	return r
}

func obj(o map[string]any) *composed.Unstructured {
	u := composed.New()
	u.Object = o
	return u
}

func TestSettle(t *testing.T) {
	const (
		mongo70 = "docker.io/library/mongo:7.0"
		digest  = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	)
	ask := func(replicas int32, version string, gib int64) stateful.Want {
		return stateful.Want{Replicas: replicas, Version: version, Storage: *resource.NewQuantity(gib<<30, resource.BinarySI)}
	}
	type want struct {
		Replicas int32
		Version  string
		Image    string
		Storage  string
		Refused  []string
		Err      bool
	}
	rs3 := cluster{replicas: replicas(3), replicaSet: true, image: mongo70, storage: "10Gi", job: 3, jobDone: true}
	with := func(c cluster, f func(*cluster)) cluster { f(&c); return c } //nolint:nlreturn // One line.

	cases := map[string]struct {
		reason string
		ask    stateful.Want
		runs   *cluster
		want   want
	}{
		"NothingRuns": {
			reason: "A new instance gets what it asks for.",
			ask:    ask(7, "6.0", 1),
			want:   want{Replicas: 7, Version: "6.0", Storage: "1Gi"},
		},
		"UpgradeAndGrowMembers": {
			reason: "One release up and more members roll out.",
			ask:    ask(7, "8.0", 10), runs: &rs3,
			want: want{Replicas: 7, Version: "8.0", Storage: "10Gi"},
		},
		"SkipARelease": {
			reason: "6.0 to 8.0 skips 7.0, which MongoDB does not allow.",
			ask:    ask(3, "8.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.image = "mongo:6.0" })),
			want: want{Replicas: 3, Version: "6.0", Image: "mongo:6.0", Storage: "10Gi", Refused: []string{"spec.version UpgradeSkipsRelease"}},
		},
		"PatchTagIsItsRelease": {
			reason: "mongo:8.0.4 runs 8.0: a downgrade to 7.0 is refused, not rolled out as an unknown version.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.image = "mongo:8.0.4" })),
			want: want{Replicas: 3, Version: "8.0", Image: "mongo:8.0.4", Storage: "10Gi", Refused: []string{"spec.version DowngradeRefused"}},
		},
		"DigestPinnedImageIsKept": {
			reason: "An image an admission policy pinned by digest is kept while the release does not change.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.image = mongo70 + digest })),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70 + digest, Storage: "10Gi"},
		},
		"DigestPinnedDowngrade": {
			reason: "mongo:7.0@sha256:… runs 7.0: a downgrade is refused.",
			ask:    ask(3, "6.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.image = mongo70 + digest })),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70 + digest, Storage: "10Gi", Refused: []string{"spec.version DowngradeRefused"}},
		},
		"HugeImageQuotedShort": {
			reason: "An image of 100 KB, as anyone may write it on the StatefulSet, is kept as it runs; the refusal quotes it cut.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.image = hugeImage })),
			want: want{Replicas: 3, Image: hugeImage, Storage: "10Gi", Refused: []string{"spec.version VersionUnknown"}},
		},
		"UnknownVersionRefusesChanges": {
			reason: "An image with a digest and no tag runs an unknown release: no version change rolls out and the image is kept.",
			ask:    ask(3, "6.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.image = "mongo" + digest })),
			want: want{Replicas: 3, Image: "mongo" + digest, Storage: "10Gi", Refused: []string{"spec.version VersionUnknown"}},
		},
		"ScaleDownKeepsMajority": {
			reason: "5 to 3 members keeps a majority of the 5 configured to reconfigure with.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas, c.job = replicas(5), 5 })),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70, Storage: "10Gi"},
		},
		"ScaleDownTooFar": {
			reason: "7 to 3 members would leave 3 of 7: no majority.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas, c.job = replicas(7), 7 })),
			want: want{Replicas: 7, Version: "7.0", Image: mongo70, Storage: "10Gi", Refused: []string{"spec.replicas ScaleDownTooFar"}},
		},
		"ScaledByHandToMillions": {
			reason: "A StatefulSet scaled by hand far past any member count does not widen what is composed: the Job's member count is what the set has.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas = replicas(2147483647) })),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70, Storage: "10Gi"},
		},
		"ScaledByHandToThirty": {
			reason: "30 replicas by hand are not 30 members: the set keeps its 3 and the spec's count rolls out.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas = replicas(30) })),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70, Storage: "10Gi"},
		},
		"ScaledToZeroStaysAReplicaSet": {
			reason: "A replica set scaled to 0 by hand is still a replica set (it runs --replSet): standalone is refused.",
			ask:    ask(1, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas = replicas(0) })),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70, Storage: "10Gi", Refused: []string{"spec.replicas TopologyChangeRefused"}},
		},
		"ReplicasAbsentStaysAReplicaSet": {
			reason: "Replicas absent from the StatefulSet do not make a replica set standalone.",
			ask:    ask(1, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas = nil })),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70, Storage: "10Gi", Refused: []string{"spec.replicas TopologyChangeRefused"}},
		},
		"MemberCountUnknown": {
			reason: "No Job and a StatefulSet count that is no member count: nothing tells how many members there are, so nothing is composed.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas, c.job = replicas(30), 0 })),
			want: want{Err: true},
		},
		"StandaloneToReplicaSet": {
			reason: "A standalone server may become a replica set; its data stays on member 0.",
			ask:    ask(3, "7.0", 10), runs: &cluster{replicas: replicas(1), image: mongo70, storage: "10Gi"},
			want: want{Replicas: 3, Version: "7.0", Image: mongo70, Storage: "10Gi"},
		},
		"ScaleDuringReconfiguration": {
			reason: "While the Job that configures 5 members runs, asking for 3 is refused.",
			ask:    ask(3, "7.0", 10), runs: ptrTo(with(rs3, func(c *cluster) { c.replicas, c.job, c.jobDone = replicas(5), 5, false })),
			want: want{Replicas: 5, Version: "7.0", Image: mongo70, Storage: "10Gi", Refused: []string{"spec.replicas RolloutInProgress"}},
		},
		"UpgradeDuringRollout": {
			reason: "6.0 → 7.0 at 1/3, then 8.0: the members still on 6.0 would skip a release.",
			ask:    ask(3, "8.0", 10),
			runs: ptrTo(with(rs3, func(c *cluster) {
				c.rolling = true
				c.pods = []pod{{"mongodb-3a4f75ae-0", "mongo:6.0", "r1", true}, {"mongodb-3a4f75ae-1", "mongo:6.0", "r1", true}, {"mongodb-3a4f75ae-2", mongo70, "r2", true}}
			})),
			want: want{Replicas: 3, Version: "7.0", Image: mongo70, Storage: "10Gi", Refused: []string{"spec.version RolloutInProgress"}},
		},
		"BackFromAnUpgradeNeverReady": {
			reason: "Going back from 8.0 is allowed while none of its pods ever became ready.",
			ask:    ask(3, "7.0", 10),
			runs: ptrTo(with(rs3, func(c *cluster) {
				c.image, c.rolling = "mongo:8.0", true
				c.pods = []pod{{"mongodb-3a4f75ae-0", mongo70, "r1", true}, {"mongodb-3a4f75ae-1", mongo70, "r1", true}, {"mongodb-3a4f75ae-2", "mongo:8.0", "r2", false}}
			})),
			want: want{Replicas: 3, Version: "7.0", Storage: "10Gi"},
		},
		"NoWayBackOnceANewPodRan": {
			reason: "Once a pod of the new release is ready, its data files may be upgraded: going back is refused.",
			ask:    ask(3, "7.0", 10),
			runs: ptrTo(with(rs3, func(c *cluster) {
				c.image, c.rolling = "mongo:8.0", true
				c.pods = []pod{{"mongodb-3a4f75ae-0", mongo70, "r1", true}, {"mongodb-3a4f75ae-1", "mongo:8.0", "r2", true}, {"mongodb-3a4f75ae-2", "mongo:8.0", "r2", false}}
			})),
			want: want{Replicas: 3, Version: "8.0", Image: "mongo:8.0", Storage: "10Gi", Refused: []string{"spec.version RolloutInProgress"}},
		},
		"NoWayBackWithoutPods": {
			reason: "Without the pods nothing tells that no new pod ran: going back is refused.",
			ask:    ask(3, "7.0", 10),
			runs:   ptrTo(with(rs3, func(c *cluster) { c.image, c.rolling = "mongo:8.0", true })),
			want:   want{Replicas: 3, Version: "8.0", Image: "mongo:8.0", Storage: "10Gi", Refused: []string{"spec.version RolloutInProgress"}},
		},
		"StorageGrow": {
			reason: "A larger volume cannot be set through the StatefulSet; it keeps its size and says how to grow.",
			ask:    ask(1, "7.0", 50), runs: &cluster{replicas: replicas(1), image: mongo70, storage: "20Gi"},
			want: want{Replicas: 1, Version: "7.0", Image: mongo70, Storage: "20Gi", Refused: []string{"spec.storageGB StorageResizeUnsupported"}},
		},
		"StorageInOtherUnits": {
			reason: "A volume of 10G (decimal) is kept as 10G, never rewritten as 9Gi; asking 10Gi is a resize.",
			ask:    ask(1, "7.0", 10), runs: &cluster{replicas: replicas(1), image: mongo70, storage: "10G"},
			want: want{Replicas: 1, Version: "7.0", Image: mongo70, Storage: "10G", Refused: []string{"spec.storageGB StorageResizeUnsupported"}},
		},
		"StorageBelowAGiB": {
			reason: "A volume of 512Mi is kept as 512Mi, never rewritten as 0Gi; asking 1Gi is a resize.",
			ask:    ask(1, "7.0", 1), runs: &cluster{replicas: replicas(1), image: mongo70, storage: "512Mi"},
			want: want{Replicas: 1, Version: "7.0", Image: mongo70, Storage: "512Mi", Refused: []string{"spec.storageGB StorageResizeUnsupported"}},
		},
		"StorageClassFromTheDefault": {
			reason: "Volumes in the cluster's default storage class keep it; the message says so rather than quoting an empty name.",
			ask:    stateful.Want{Replicas: 1, Version: "7.0", Storage: resource.MustParse("10Gi"), StorageClassName: "fast"},
			runs:   &cluster{replicas: replicas(1), image: mongo70, storage: "10Gi"},
			want:   want{Replicas: 1, Version: "7.0", Image: mongo70, Storage: "10Gi", Refused: []string{"spec.storageClassName StorageClassChangeRefused"}},
		},
		"StorageShrink": {
			reason: "A smaller volume loses data: refused.",
			ask:    ask(1, "7.0", 5), runs: &cluster{replicas: replicas(1), image: mongo70, storage: "10737418240"},
			want: want{Replicas: 1, Version: "7.0", Image: mongo70, Storage: "10737418240", Refused: []string{"spec.storageGB StorageShrinkRefused"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var rn *stateful.Running
			if tc.runs != nil {
				var err error
				if rn, err = engine.Observe(tc.runs.request(), StatefulSetName, requiredPods); err != nil {
					t.Fatal(err)
				}
			}
			p, refused, err := engine.Settle(tc.ask, rn)
			got := want{Replicas: p.Replicas, Version: p.Version, Image: p.Image, Storage: p.Storage.String(), Err: err != nil}
			if err != nil {
				got.Storage = ""
			}
			for _, r := range refused {
				got.Refused = append(got.Refused, fmt.Sprintf("%s %s", r.Field.String(), r.Reason))
				if len(r.Message) > maxRefusalMessage {
					t.Errorf("%s\na refusal's message of %d bytes: %.200s…", tc.reason, len(r.Message), r.Message)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nsettle(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }

// hugeImage is an image no registry serves and nothing bounds on the StatefulSet.
var hugeImage = "mongo@sha256:" + strings.Repeat("0", 100_000) //nolint:gochecknoglobals // A test value.

// maxRefusalMessage bounds a refusal's message: the function's words and what it quotes from
// the cluster, cut at goldenpath.MaxMessage.
const maxRefusalMessage = 1024

func TestReleaseOf(t *testing.T) {
	cases := map[string]string{
		"mongo:7.0":                         "7.0",
		"docker.io/library/mongo:8.0.4":     "8.0",
		"mirror.example.com:5000/mongo:6.0": "6.0",
		"mongo:7.0.12-jammy":                "7.0",
		"mongo:7.0@sha256:0123":             "7.0",
		"mongo@sha256:0123":                 "",
		"mongo:latest":                      "",
		"mongo":                             "",
		"mirror.example.com:5000/mongo":     "",
		"mongo:9.0":                         "",
		"":                                  "",
		"mongo:07.0":                        "",
	}
	for image, want := range cases {
		if got := engine.ReleaseOf(image); got != want {
			t.Errorf("releaseOf(%q): want %q, got %q", image, want, got)
		}
	}
}
