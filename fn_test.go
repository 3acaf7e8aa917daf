package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/response"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
)

// The example's steady state: what a cluster holds once example/mongodb/xr.yaml runs.
const (
	observedExample  = "example/mongodb/observed.yaml"
	observedPassword = "Tq7vY2mXkP9sLw4RzB8nHc3JdF6gVa1E"
)

const input = `
apiVersion: goldenpath.fn.openportal.dev/v1beta1
kind: Input
goldenPath: MongoDB
`

// xr is a MongoDB XR in namespace team-a with the given name and spec.
func xr(name, spec string) string {
	return fmt.Sprintf(`
apiVersion: database.platform.io/v1alpha1
kind: MongoDB
metadata:
  name: %s
  namespace: team-a
  uid: 0b6a1f2e-8f55-4c3e-9d7a-2f1e5c6b7a80
  generation: 2
  annotations:
    terasky.backstage.io/owner: group:default/team-a
spec: %s
`, name, spec)
}

// twoOfThreeReady is the example's StatefulSet with one of its three members not ready.
const twoOfThreeReady = `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongodb-3a4f75ae, generation: 1, annotations: {crossplane.io/composition-resource-name: mongodb-statefulset}}
spec:
  replicas: 3
  template: {spec: {containers: [{name: mongod, image: "docker.io/library/mongo:7.0", args: [--replSet, rs0]}]}}
  volumeClaimTemplates: [{metadata: {name: data}, spec: {resources: {requests: {storage: 10Gi}}}}]
status: {observedGeneration: 1, replicas: 3, readyReplicas: 2, currentReplicas: 3, updatedReplicas: 3, currentRevision: r1, updateRevision: r1}
`

// outcome is what a response means, in the terms a platform engineer checks.
type outcome struct {
	// Resources by pipeline name, as "Kind name ready".
	Resources map[string]string
	// Conditions by type, as "Status Reason: message".
	Conditions map[string]string
	// Results as "Severity Reason: message".
	Results []string
	// Status fields of the desired XR that are not lists.
	Status map[string]any
	// TTL of the response, e.g. "30m0s"; empty is not checked.
	TTL string
}

func TestRunFunction(t *testing.T) {
	replicaSet := xr("mongodb-3a4f75ae", `{version: "7.0", storageGB: 10, replicas: 3}`)
	observed := objects(t, readFile(t, observedExample)...)

	type args struct {
		input    string
		xr       string
		observed map[string]*fnv1.Resource
		desired  map[string]*fnv1.Resource
		// cluster holds what the function may ask Crossplane for (pods, volumes, Secrets).
		cluster []*fnv1.Resource
	}
	cases := map[string]struct {
		reason string
		args   args
		want   outcome
	}{
		"FreshStandalone": {
			reason: "A new standalone XR composes its resources, none ready yet, named after its 8-hex suffixed name.",
			args:   args{input: input, xr: xr("mongodb-0c1d2e3f", `{version: "8.0", storageGB: 5, replicas: 1, size: medium}`)},
			want: outcome{
				Resources: composedResources("mongodb-0c1d2e3f", 1, "READY_FALSE"),
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_FALSE Creating: creating Secret mongodb-0c1d2e3f-credentials, Service mongodb-0c1d2e3f-headless, Service mongodb-0c1d2e3f, StatefulSet mongodb-0c1d2e3f, NetworkPolicy mongodb-0c1d2e3f",
					"SpecAccepted":  "STATUS_CONDITION_TRUE Accepted: every requested change is rolled out",
				},
				Results: []string{"SEVERITY_NORMAL Creating: creating Secret mongodb-0c1d2e3f-credentials, Service mongodb-0c1d2e3f-headless, Service mongodb-0c1d2e3f, StatefulSet mongodb-0c1d2e3f, NetworkPolicy mongodb-0c1d2e3f"},
				Status: map[string]any{
					"instanceId": "0c1d2e3f", "instanceName": "mongodb-0c1d2e3f", "phase": "Provisioning",
					"readyResources": "0/5", "endpoint": "mongodb-0c1d2e3f.team-a.svc:27017",
					"connectionSecret": "mongodb-0c1d2e3f-credentials", "version": "8.0", "observedGeneration": float64(2),
				},
			},
		},
		"NameWithoutSuffix": {
			reason: "An XR name without an 8-hex suffix gets one derived from its UID, the same on every call.",
			args:   args{input: input, xr: xr("orders", `{replicas: 1}`)},
			want: outcome{
				Resources: composedResources("orders-89a01892", 1, "READY_FALSE"),
			},
		},
		"FreshReplicaSet": {
			reason: "A replica set also gets a keyfile, a disruption budget and the Job that forms the set.",
			args:   args{input: input, xr: replicaSet},
			want: outcome{
				Resources: composedResources("mongodb-3a4f75ae", 3, "READY_FALSE"),
			},
		},
		"SteadyState": {
			reason: "When every observed resource is current, each is READY_TRUE and the XR says where to connect.",
			args:   args{input: input, xr: replicaSet, observed: observed},
			want: outcome{
				Resources: composedResources("mongodb-3a4f75ae", 3, "READY_TRUE"),
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_TRUE Available: MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017",
					"SpecAccepted":  "STATUS_CONDITION_TRUE Accepted: every requested change is rolled out",
				},
				Results: []string{"SEVERITY_NORMAL Available: MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017"},
				Status: map[string]any{
					"instanceId": "3a4f75ae", "instanceName": "mongodb-3a4f75ae", "phase": "Ready",
					"readyResources": "8/8", "endpoint": "mongodb-3a4f75ae.team-a.svc:27017",
					"connectionSecret": "mongodb-3a4f75ae-credentials", "version": "7.0", "replicaSet": "rs0",
					"observedGeneration": float64(2),
				},
			},
		},
		"SteadyStateIsQuiet": {
			reason: "An instance whose conditions are what the XR already has emits no event, and is checked again in 30 minutes.",
			args: args{input: input, observed: observed, xr: with(t, replicaSet, `status:
  conditions:
  - {type: DatabaseReady, status: "True", reason: Available, message: "MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017"}
  - {type: SpecAccepted, status: "True", reason: Accepted, message: every requested change is rolled out}`)},
			want: outcome{Results: []string{}, TTL: "30m0s"},
		},
		"OpenCircuitIsCheckedSoon": {
			reason: "While Crossplane's watch circuit breaker drops the XR's events, a ready instance is checked again at the breaker's probe interval, not in 30 minutes.",
			args: args{input: input, observed: observed, xr: with(t, replicaSet, `status:
  conditions:
  - {type: Responsive, status: "False", reason: WatchCircuitOpen, message: "Too many watch events from PodDisruptionBudget/mongodb-3a4f75ae (team-a). Allowing events periodically."}`)},
			want: outcome{TTL: "30s"},
		},
		"UnknownCircuitIsCheckedSoon": {
			reason: "A Responsive condition that is not True counts as an open circuit.",
			args: args{input: input, observed: observed, xr: with(t, replicaSet, `status:
  conditions:
  - {type: Responsive, status: Unknown}`)},
			want: outcome{TTL: "30s"},
		},
		"OpenCircuitKeepsShorterTTL": {
			reason: "An open circuit never lengthens a TTL: a new instance is still checked again in 15 seconds.",
			args: args{input: input, xr: with(t, replicaSet, `status:
  conditions:
  - {type: Responsive, status: "False", reason: WatchCircuitOpen}`)},
			want: outcome{TTL: "15s"},
		},
		"ProvisioningIsCheckedSoon": {
			reason: "A new instance is checked again in 15 seconds.",
			args:   args{input: input, xr: replicaSet},
			want:   outcome{TTL: "15s"},
		},
		"RefusalWarnsOnce": {
			reason: "A refusal already in SpecAccepted warns no more; the condition keeps saying it.",
			args: args{input: input, observed: observed, xr: with(t, xr("mongodb-3a4f75ae", `{version: "7.0", storageGB: 5, replicas: 3}`), `status:
  conditions:
  - {type: DatabaseReady, status: "True", reason: Available, message: "MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017"}
  - {type: SpecAccepted, status: "False", reason: StorageShrinkRefused, message: "spec.storageGB: cannot shrink the volumes from 10 GiB to 5 GiB without losing data; they keep 10 GiB"}`)},
			want: outcome{Results: []string{}},
		},
		"WaitingForAMember": {
			reason: "A replica set with an unready member names that member, from its pod, in DatabaseReady.",
			args: args{
				input: input, xr: with(t, replicaSet, "status:\n  phase: Provisioning"),
				observed: replaced(t, observed, twoOfThreeReady),
				cluster: []*fnv1.Resource{
					pod(t, "mongodb-3a4f75ae-0", "True", ""),
					pod(t, "mongodb-3a4f75ae-1", "True", ""),
					pod(t, "mongodb-3a4f75ae-2", "False", "ContainersNotReady"),
				},
			},
			want: outcome{
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_FALSE WaitingForMembers: 2/3 replicas ready; waiting for mongodb-3a4f75ae-2 (ContainersNotReady)",
					"SpecAccepted":  "STATUS_CONDITION_TRUE Accepted: every requested change is rolled out",
				},
				Results: []string{"SEVERITY_NORMAL WaitingForMembers: 2/3 replicas ready; waiting for mongodb-3a4f75ae-2 (ContainersNotReady)"},
			},
		},
		"Degraded": {
			reason: "An instance that was ready and lost a member is Degraded, with a warning event.",
			args: args{
				input: input, xr: with(t, replicaSet, "status:\n  phase: Ready\n  instanceName: mongodb-3a4f75ae"),
				observed: replaced(t, observed, twoOfThreeReady),
				cluster: []*fnv1.Resource{
					pod(t, "mongodb-3a4f75ae-0", "True", ""),
					pod(t, "mongodb-3a4f75ae-1", "False", "ContainersNotReady"),
				},
			},
			want: outcome{
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_FALSE WaitingForMembers: 2/3 replicas ready; waiting for mongodb-3a4f75ae-1 (ContainersNotReady), mongodb-3a4f75ae-2 (not created)",
					"SpecAccepted":  "STATUS_CONDITION_TRUE Accepted: every requested change is rolled out",
				},
				Results: []string{"SEVERITY_WARNING WaitingForMembers: 2/3 replicas ready; waiting for mongodb-3a4f75ae-1 (ContainersNotReady), mongodb-3a4f75ae-2 (not created)"},
				Status:  map[string]any{"phase": "Degraded", "readyResources": "7/8"},
			},
		},
		"ReplicaSetJobFailed": {
			reason: "A failed replica set Job fails the instance, and says how to run it again.",
			args: args{
				input: input, xr: replicaSet,
				observed: replaced(t, observed, `
apiVersion: batch/v1
kind: Job
metadata: {name: mongodb-3a4f75ae-rs-init-3, generation: 1, annotations: {crossplane.io/composition-resource-name: mongodb-replicaset-3}}
spec: {template: {spec: {containers: [{name: replicaset, image: "docker.io/library/mongo:7.0"}]}}}
status: {failed: 7, conditions: [{type: Failed, status: "True", reason: BackoffLimitExceeded}]}
`),
			},
			want: outcome{
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_FALSE Failed: Job mongodb-3a4f75ae-rs-init-3 failed: Job Failed. failed: 7/1; see its pods' logs, then delete the Job to run it again",
					"SpecAccepted":  "STATUS_CONDITION_TRUE Accepted: every requested change is rolled out",
				},
				Results: []string{"SEVERITY_WARNING Failed: Job mongodb-3a4f75ae-rs-init-3 failed: Job Failed. failed: 7/1; see its pods' logs, then delete the Job to run it again"},
				Status:  map[string]any{"phase": "Failed", "readyResources": "7/8"},
			},
		},
		"StorageShrinkRefused": {
			reason: "A smaller storageGB is refused: the StatefulSet keeps its volume size and SpecAccepted says why.",
			args:   args{input: input, xr: xr("mongodb-3a4f75ae", `{version: "7.0", storageGB: 5, replicas: 3}`), observed: observed},
			want: outcome{
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_TRUE Available: MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017",
					"SpecAccepted":  "STATUS_CONDITION_FALSE StorageShrinkRefused: spec.storageGB: cannot shrink the volumes from 10 GiB to 5 GiB without losing data; they keep 10 GiB",
				},
				Results: []string{
					"SEVERITY_NORMAL Available: MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017",
					"SEVERITY_WARNING StorageShrinkRefused: spec.storageGB: cannot shrink the volumes from 10 GiB to 5 GiB without losing data; they keep 10 GiB",
				},
			},
		},
		"DowngradeAndTopologyRefused": {
			reason: "A downgrade and a replica set turned standalone are both refused, each naming its field.",
			args:   args{input: input, xr: xr("mongodb-3a4f75ae", `{version: "6.0", replicas: 1}`), observed: observed},
			want: outcome{
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_TRUE Available: MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017",
					"SpecAccepted":  "STATUS_CONDITION_FALSE DowngradeRefused: spec.version: cannot downgrade from 7.0 to 6.0: its data files would not open; it keeps running 7.0; spec.replicas: cannot turn a replica set of 3 members into a standalone server; it keeps 3 members",
				},
				Results: []string{
					"SEVERITY_NORMAL Available: MongoDB 7.0 replica set of 3 members, 10 GiB each (small) ready at mongodb-3a4f75ae.team-a.svc:27017",
					"SEVERITY_WARNING DowngradeRefused: spec.version: cannot downgrade from 7.0 to 6.0: its data files would not open; it keeps running 7.0",
					"SEVERITY_WARNING TopologyChangeRefused: spec.replicas: cannot turn a replica set of 3 members into a standalone server; it keeps 3 members",
				},
			},
		},
		"UpgradeAndScaleUp": {
			reason: "An upgrade by one release and a larger replica set roll out; the new member count has its own Job and the old one goes.",
			args:   args{input: input, xr: xr("mongodb-3a4f75ae", `{version: "8.0", replicas: 5}`), observed: observed},
			want: outcome{
				// The member count is new: its Job is not there yet.
				Resources: merge(composedResources("mongodb-3a4f75ae", 5, "READY_TRUE"), map[string]string{"mongodb-replicaset-5": "Job mongodb-3a4f75ae-rs-init-5 READY_FALSE"}),
				Conditions: map[string]string{
					"DatabaseReady": "STATUS_CONDITION_FALSE FormingReplicaSet: every member is up; forming the replica set rs0 (Job mongodb-3a4f75ae-rs-init-5: not created yet)",
					"SpecAccepted":  "STATUS_CONDITION_TRUE Accepted: every requested change is rolled out",
				},
				Status: map[string]any{"version": "8.0", "readyResources": "7/8"},
			},
		},
		"PassThrough": {
			reason: "Desired resources of earlier pipeline steps pass through untouched.",
			args: args{
				input: input, xr: xr("mongodb-0c1d2e3f", `{}`),
				desired: map[string]*fnv1.Resource{"dashboard": {Resource: object(t, `{apiVersion: v1, kind: ConfigMap, metadata: {name: dashboard}, data: {a: b}}`)}},
			},
			want: outcome{
				Resources: merge(composedResources("mongodb-0c1d2e3f", 1, "READY_FALSE"), map[string]string{"dashboard": "ConfigMap dashboard READY_UNSPECIFIED"}),
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			req := newRequest(t, tc.args.input, tc.args.xr, tc.args.observed, tc.args.desired)
			rsp := run(t, req, tc.args.cluster...)
			got := outcomeOf(t, rsp, tc.want)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestRunFunctionFatal checks that bad input or a bad spec is a Fatal result naming the
// field, and that nothing desired changes: the response carries the request's desired state.
func TestRunFunctionFatal(t *testing.T) {
	earlier := map[string]*fnv1.Resource{"dashboard": {Resource: object(t, `{apiVersion: v1, kind: ConfigMap, metadata: {name: dashboard}}`)}}
	cases := map[string]struct {
		reason string
		input  string
		xr     string
		// observed is the example's steady state when true.
		observed bool
		// observedYAML is one observed object, when set.
		observedYAML string
		// want is the Fatal message; " * " in it stands for any text.
		want string
	}{
		"UnknownGoldenPath": {
			reason: "An Input selecting no known golden path names goldenPath.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: Cassandra}",
			xr:     xr("mongodb-3a4f75ae", "{}"),
			want:   `cannot get Function input: goldenPath: Unsupported value: "Cassandra": supported values: "DNSRecord", "MongoDB", "PostgreSQL", "TenantNamespace", "Valkey", "WebApp"`,
		},
		"UnknownInputField": {
			reason: "A misspelt Input field is not silently ignored.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: MongoDB, storageClass: fast}",
			xr:     xr("mongodb-3a4f75ae", "{}"),
			want:   `cannot get Function input: json: unknown field "storageClass"`,
		},
		"InputPresetOfTheWrongType": {
			reason: "A preset that is not an object names the preset, not a Go type.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: MongoDB, presets: {small: 2Gi}}",
			xr:     xr("mongodb-3a4f75ae", "{}"),
			want:   `cannot get Function input: presets.small: must be an object, not a JSON string`,
		},
		"InputPresetName": {
			reason: "A preset name an XR's spec.size could not hold is refused.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: MongoDB, presets: {Tiny_1: {requests: {memory: 1Gi}}}}",
			xr:     xr("mongodb-3a4f75ae", "{}"),
			want:   `cannot get Function input: presets[Tiny_1]: Invalid value: "Tiny_1": a preset's name must be what an XR's spec.size can hold: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
		},
		"PresetTooSmallForMongoDB": {
			reason: "A preset with less memory than mongod needs is refused for MongoDB, naming the preset to fix.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: MongoDB, presets: {tiny: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}}}",
			xr:     xr("mongodb-3a4f75ae", "{size: tiny}"),
			want:   `cannot compose MongoDB: spec.size: Invalid value: "tiny": the preset's memory (64Mi) is less than the 512Mi mongod needs; give presets.tiny a memory request and limit of at least 512Mi`,
		},
		"SpecOfTheWrongType": {
			reason: "A spec field of the wrong type names the field.",
			input:  input,
			xr:     xr("mongodb-3a4f75ae", `{replicas: "three"}`),
			want:   `cannot compose MongoDB: cannot read the MongoDB spec: spec.replicas: must be an integer, not a JSON string`,
		},
		"TooManyAccessNamespaces": {
			reason: "access.namespaces is bounded: each is a rule of the NetworkPolicy.",
			input:  input,
			xr:     xr("mongodb-3a4f75ae", "{access: {namespaces: ["+strings.Repeat("a, ", 64)+"a]}}"),
			want:   `cannot compose MongoDB: spec.access.namespaces: Too many: 65: must have at most 64 items`,
		},
		"NoObservedXR": {
			reason: "A request without an observed XR says so, rather than naming an empty metadata.name.",
			input:  input,
			xr:     "{}",
			want:   `the request has no observed composite resource with a kind and a name; Crossplane always sends one (when rendering, pass the XR)`,
		},
		"ObservedFieldOfTheWrongType": {
			reason: "An observed StatefulSet whose field has the wrong type is named by field, not by Go type.",
			input:  input,
			xr:     xr("mongodb-3a4f75ae", "{replicas: 3}"),
			observedYAML: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongodb-3a4f75ae, annotations: {crossplane.io/composition-resource-name: mongodb-statefulset}}
spec: {replicas: "3"}`,
			want: `cannot compose MongoDB: cannot read the observed StatefulSet mongodb-3a4f75ae: spec.replicas: must be an integer, not a JSON string`,
		},
		"ObservedNameNoAPIServerStores": {
			reason: "An observed object named longer than the API server allows did not come from it; the message quotes the name cut.",
			input:  input,
			xr:     xr("mongodb-3a4f75ae", "{replicas: 3}"),
			observedYAML: `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ` + strings.Repeat("m", 300) + `, annotations: {crossplane.io/composition-resource-name: mongodb-statefulset}}`,
			want: `observed resource mongodb-statefulset: metadata.name "` + strings.Repeat("m", 256) + `…" is 300 bytes, longer than the API server allows (253); it is not an object the API server returned`,
		},
		"InstanceNameDisagrees": {
			reason:   "A status.instanceName that is not the running instance would re-point every selector: refused.",
			input:    input,
			xr:       with(t, xr("mongodb-3a4f75ae", "{replicas: 3}"), "status: {instanceName: mongodb-0c1d2e3f}"),
			observed: true,
			want:     `cannot name the instance: status.instanceName: "mongodb-0c1d2e3f" is not the instance that runs ("mongodb-3a4f75ae", the app.kubernetes.io/instance label of Secret mongodb-3a4f75ae-credentials); set status.instanceName back to "mongodb-3a4f75ae", or remove it`,
		},
		"InstanceNameInvalid": {
			reason: "A name read from status gets the checks a new one gets: a leading digit cannot name a Service.",
			input:  input,
			xr:     with(t, xr("mongodb-3a4f75ae", "{}"), "status: {instanceName: 1mongodb-3a4f75ae}"),
			want:   `cannot name the instance: status.instanceName: "1mongodb-3a4f75ae" cannot name the instance's Services: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
		},
		"InvalidInputPreset": {
			reason: "A preset whose limit is below its request names the field.",
			input:  "{apiVersion: goldenpath.fn.openportal.dev/v1beta1, kind: Input, goldenPath: MongoDB, presets: {tiny: {requests: {memory: 1Gi}, limits: {memory: 512Mi}}}}",
			xr:     xr("mongodb-3a4f75ae", "{}"),
			want:   `cannot get Function input: presets[tiny].limits[memory]: Invalid value: "512Mi": must not be less than the request 1Gi`,
		},
		"InvalidSpec": {
			reason: "Every problem of the spec is reported at once, each naming its field.",
			input:  input,
			xr:     xr("mongodb-3a4f75ae", `{version: "5.0", storageGB: 0, replicas: 4, size: huge}`),
			want: `cannot compose MongoDB: [spec.version: Unsupported value: "5.0": supported values: "6.0", "7.0", "8.0", ` +
				`spec.storageGB: Invalid value: 0: must be from 1 to 16384, ` +
				`spec.replicas: Invalid value: 4: must be 1 for a standalone server or an odd number up to 7 for a replica set (an even number of members cannot elect a primary after losing half), ` +
				`spec.size: Unsupported value: "huge": supported values: "large", "medium", "small"]`,
		},
		"NotADNSLabel": {
			reason: "An XR name that is a valid object name but cannot name a Service (a leading digit) is refused.",
			input:  input,
			xr:     xr("1orders", "{}"),
			want:   `cannot name the instance: metadata.name: "1orders" cannot name the instance's Services: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
		},
		"NoUID": {
			reason: "A name without a suffix needs the XR's UID to derive one.",
			input:  input,
			xr:     strings.Replace(xr("orders", "{}"), "uid:", "x-uid:", 1),
			want:   `cannot name the instance: metadata.uid: the XR "orders" has no UID to derive its name suffix from (give it a name ending in an 8-hex suffix, or a UID when rendering)`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var observed map[string]*fnv1.Resource
			if tc.observed {
				observed = objects(t, readFile(t, observedExample)...)
			}
			if tc.observedYAML != "" {
				observed = objects(t, tc.observedYAML)
			}
			req := newRequest(t, tc.input, tc.xr, observed, earlier)
			rsp, err := newFunction().RunFunction(context.Background(), req)
			if err != nil {
				t.Fatalf("%s\nRunFunction(...): unexpected error: %v", tc.reason, err)
			}
			msg := tc.want
			if prefix, suffix, ok := strings.Cut(tc.want, " * "); ok && len(rsp.GetResults()) == 1 {
				got := rsp.GetResults()[0].GetMessage()
				if strings.HasPrefix(got, prefix) && strings.HasSuffix(got, suffix) {
					msg = got
				}
			}
			want := &fnv1.RunFunctionResponse{
				Meta:    &fnv1.ResponseMeta{Ttl: durationpb.New(response.DefaultTTL)},
				Desired: req.GetDesired(),
				Results: []*fnv1.Result{{Severity: fnv1.Severity_SEVERITY_FATAL, Message: msg, Target: fnv1.Target_TARGET_COMPOSITE.Enum()}},
			}
			if diff := cmp.Diff(want, rsp, protocmp.Transform()); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// TestContextPassesThrough checks that the pipeline's context (e.g. the environment that
// function-environment-configs put there) reaches later steps unchanged.
func TestContextPassesThrough(t *testing.T) {
	req := newRequest(t, input, xr("mongodb-3a4f75ae", "{}"), nil, nil)
	req.Context = object(t, `{apiextensions.crossplane.io/environment: {storageClass: fast, team: a}}`)
	rsp, err := newFunction().RunFunction(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req.GetContext(), rsp.GetContext(), protocmp.Transform()); diff != "" {
		t.Errorf("context: -want, +got:\n%s", diff)
	}
}

// TestSecrets checks that a password is generated once and then kept.
func TestSecrets(t *testing.T) {
	spec := `{replicas: 3}`
	gone := func(names ...string) map[string]*fnv1.Resource {
		o := objects(t, readFile(t, observedExample)...)
		for _, n := range names {
			delete(o, n)
		}
		return o
	}
	fatal := func(msg string) func(t *testing.T, rsp *fnv1.RunFunctionResponse) {
		return func(t *testing.T, rsp *fnv1.RunFunctionResponse) {
			t.Helper()
			if diff := cmp.Diff([]string{"SEVERITY_FATAL : " + msg}, results(rsp)); diff != "" {
				t.Errorf("results: -want, +got:\n%s", diff)
			}
			if len(rsp.GetDesired().GetResources()) != 0 {
				t.Errorf("desired resources: want none changed, got %d", len(rsp.GetDesired().GetResources()))
			}
		}
	}
	cases := map[string]struct {
		reason   string
		spec     string
		observed map[string]*fnv1.Resource
		cluster  []*fnv1.Resource
		check    func(t *testing.T, rsp *fnv1.RunFunctionResponse)
	}{
		"KeptFromObserved": {
			reason:   "The observed password is kept, and every connection detail uses it.",
			spec:     spec,
			observed: objects(t, readFile(t, observedExample)...),
			check: func(t *testing.T, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				data := secretData(t, rsp, "mongodb-credentials")
				if data["password"] != observedPassword {
					t.Errorf("password: want the observed one, got %q", data["password"])
				}
				wantURI := "mongodb://root:" + observedPassword + "@mongodb-3a4f75ae-0.mongodb-3a4f75ae-headless.team-a.svc:27017," +
					"mongodb-3a4f75ae-1.mongodb-3a4f75ae-headless.team-a.svc:27017,mongodb-3a4f75ae-2.mongodb-3a4f75ae-headless.team-a.svc:27017/?authSource=admin&replicaSet=rs0"
				if data["uri"] != wantURI {
					t.Errorf("uri: -want, +got:\n%s", cmp.Diff(wantURI, data["uri"]))
				}
				if got := secretData(t, rsp, "mongodb-keyfile")["keyfile"]; got != "c2VjcmV0LWtleWZpbGUtb2YtdGhlLW9ic2VydmVkLXJlcGxpY2Etc2V0" {
					t.Errorf("keyfile: want the observed one, got %q", got)
				}
			},
		},
		"GeneratedOnce": {
			reason: "A new instance gets a 32-character alphanumeric password and a keyfile.",
			spec:   spec,
			check: func(t *testing.T, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				pw := secretData(t, rsp, "mongodb-credentials")["password"]
				if len(pw) != 32 || strings.Trim(pw, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
					t.Errorf("password: want 32 alphanumeric characters, got %d: %q", len(pw), pw)
				}
				if kf := secretData(t, rsp, "mongodb-keyfile")["keyfile"]; len(kf) != 1008 {
					t.Errorf("keyfile: want 1008 base64 characters (756 bytes), got %d", len(kf))
				}
			},
		},
		"CredentialsGoneWhileRunning": {
			reason:   "A deleted credentials Secret is not re-created with a password the running database does not know.",
			spec:     spec,
			observed: gone("mongodb-credentials"),
			check:    fatal(`cannot compose MongoDB: cannot compose mongodb-credentials: the Secret mongodb-credentials is gone while StatefulSet mongodb-3a4f75ae still uses its "password"; refusing to generate a new one the running instance does not know: restore the Secret (e.g. from a backup)`),
		},
		"KeyfileGoneWhileReplicaSetRuns": {
			reason:   "A deleted keyfile is not re-created while the members authenticate with it.",
			spec:     spec,
			observed: gone("mongodb-keyfile"),
			check:    fatal(`cannot compose MongoDB: cannot compose mongodb-keyfile: the Secret mongodb-keyfile is gone while StatefulSet mongodb-3a4f75ae still uses its "keyfile"; refusing to generate a new one the running instance does not know: restore the Secret (e.g. from a backup)`),
		},
		"StandaloneBecomesReplicaSet": {
			reason: "A standalone server turned replica set gets its first keyfile, and keeps its password.",
			spec:   spec,
			observed: replaced(t, gone("mongodb-keyfile"), `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongodb-3a4f75ae, annotations: {crossplane.io/composition-resource-name: mongodb-statefulset}}
spec: {replicas: 1, template: {spec: {containers: [{name: mongod, image: "docker.io/library/mongo:7.0"}]}}}
`),
			check: func(t *testing.T, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				if kf := secretData(t, rsp, "mongodb-keyfile")["keyfile"]; len(kf) != 1008 {
					t.Errorf("keyfile: want a new one of 1008 base64 characters, got %d", len(kf))
				}
				if pw := secretData(t, rsp, "mongodb-credentials")["password"]; pw != observedPassword {
					t.Errorf("password: want the observed one, got %q", pw)
				}
			},
		},
		"RecreatedOverVolumes": {
			reason:  "An XR re-created over the volumes of an earlier instance of its name gets no new password its data does not know.",
			spec:    spec,
			cluster: []*fnv1.Resource{{Resource: object(t, `{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data-mongodb-3a4f75ae-0, namespace: team-a}}`)}},
			check: fatal(`cannot compose MongoDB: cannot compose mongodb-credentials: the volume data-mongodb-3a4f75ae-0 of an earlier instance with this name exists, and its data knows a password this function never saw; refusing to generate a new one: ` +
				`restore that instance's Secret mongodb-3a4f75ae-credentials (its "password" with the old value) from a backup, in this namespace, and it is adopted; or delete the volumes if their data should go`),
		},
		"RestoredSecretAdopted": {
			reason: "A Secret restored under the instance's name is adopted with its password, volumes or not.",
			spec:   spec,
			cluster: []*fnv1.Resource{
				{Resource: object(t, `{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data-mongodb-3a4f75ae-0, namespace: team-a}}`)},
				{Resource: object(t, `{apiVersion: v1, kind: Secret, metadata: {name: mongodb-3a4f75ae-credentials, namespace: team-a}, data: {password: `+base64.StdEncoding.EncodeToString([]byte(observedPassword))+`}}`)},
			},
			check: func(t *testing.T, rsp *fnv1.RunFunctionResponse) {
				t.Helper()
				if pw := secretData(t, rsp, "mongodb-credentials")["password"]; pw != observedPassword {
					t.Errorf("password: want the restored one, got %q", pw)
				}
			},
		},
		"ObservedWithoutPassword": {
			reason: "An existing Secret without a password is an error, never a new password the database does not know.",
			spec:   spec,
			observed: objects(t, `
apiVersion: v1
kind: Secret
metadata: {name: mongodb-3a4f75ae-credentials, annotations: {crossplane.io/composition-resource-name: mongodb-credentials}}
data: {username: cm9vdA==}
`),
			check: fatal(`cannot compose MongoDB: cannot compose mongodb-credentials: Secret "mongodb-3a4f75ae-credentials" has no "password"; refusing to generate a new one for an existing instance: restore the key (e.g. from a backup)`),
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(t, input, xr("mongodb-3a4f75ae", tc.spec), tc.observed, nil), tc.cluster...)
			tc.check(t, rsp)
		})
	}
}

// TestNamesAreStable checks that names never change: across calls, once recorded in the XR's
// status, and once composed resources carry them, whatever the naming settings say later.
func TestNamesAreStable(t *testing.T) {
	noReuse := input + "naming: {reuseNameSuffix: false}\n"
	labelled := objects(t, readFile(t, observedExample)...)
	cases := map[string]struct {
		reason   string
		input    string
		xr       string
		observed map[string]*fnv1.Resource
		want     string
	}{
		"ScaffolderSuffix":       {reason: "The scaffolder's suffix is the instance id.", input: input, xr: xr("mongodb-3a4f75ae", "{}"), want: "mongodb-3a4f75ae"},
		"DerivedFromUID":         {reason: "A suffix derived from the UID.", input: input, xr: xr("orders", "{}"), want: "orders-89a01892"},
		"SettingChangedLater":    {reason: "A naming setting changed later does not rename a recorded instance.", input: noReuse, xr: with(t, xr("mongodb-3a4f75ae", "{}"), "status: {instanceName: mongodb-3a4f75ae}"), want: "mongodb-3a4f75ae"},
		"SettingOffForNewOnes":   {reason: "With reuse off, a new instance gets a UID suffix.", input: noReuse, xr: xr("mongodb-3a4f75ae", "{}"), want: "mongodb-3a4f75ae-89a01892"},
		"StatusLostLabelsRemain": {reason: "An XR restored without status keeps the name its resources carry.", input: noReuse, xr: xr("mongodb-3a4f75ae", "{}"), observed: labelled, want: "mongodb-3a4f75ae"},
		"LongName": {
			reason: "A name too long for the pods' labels is cut at a '-' and gets its suffix: a name, not an error.",
			input:  input, xr: xr("customer-analytics-event-store-for-the-recommendation-engine", "{}"),
			want: "customer-analytics-event-store-for-the-89a01892",
		},
		"LongNameWithSuffix": {
			reason: "A scaffolder name too long to keep whole gets a suffix derived from the whole name, stable across re-creation.",
			input:  input, xr: xr("customer-analytics-event-store-for-the-recommendation-3a4f75ae", "{}"),
			want: "customer-analytics-event-store-for-the-af70e448",
		},
		"DottedName": {
			reason: "An object name with dots names its Services with dashes.",
			input:  input, xr: xr("orders.db", "{}"), want: "orders-db-89a01892",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			names := make([]string, 0, 2)
			for range 2 {
				rsp := run(t, newRequest(t, tc.input, tc.xr, tc.observed, nil))
				names = append(names, rsp.GetDesired().GetResources()["mongodb-statefulset"].GetResource().GetFields()["metadata"].GetStructValue().GetFields()["name"].GetStringValue())
			}
			if diff := cmp.Diff([]string{tc.want, tc.want}, names); diff != "" {
				t.Errorf("%s\nStatefulSet name on two calls: -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}

// composedResources are the resources of a MongoDB instance with the given members, all with
// the given readiness, as outcome.Resources lists them.
func composedResources(inst string, replicas int, ready string) map[string]string {
	rs := map[string]string{
		"mongodb-credentials":   "Secret " + inst + "-credentials " + ready,
		"mongodb-headless":      "Service " + inst + "-headless " + ready,
		"mongodb-service":       "Service " + inst + " " + ready,
		"mongodb-statefulset":   "StatefulSet " + inst + " " + ready,
		"mongodb-networkpolicy": "NetworkPolicy " + inst + " " + ready,
	}
	if replicas > 1 {
		rs["mongodb-keyfile"] = "Secret " + inst + "-keyfile " + ready
		rs["mongodb-pdb"] = "PodDisruptionBudget " + inst + " " + ready
		rs[fmt.Sprintf("mongodb-replicaset-%d", replicas)] = fmt.Sprintf("Job %s-rs-init-%d %s", inst, replicas, ready)
	}
	return rs
}

func newFunction() *Function { return &Function{log: logging.NewNopLogger()} }

// newRequest builds a RunFunctionRequest from YAML.
func newRequest(t *testing.T, in, xrYAML string, observed, desired map[string]*fnv1.Resource) *fnv1.RunFunctionRequest {
	t.Helper()
	return &fnv1.RunFunctionRequest{
		Input: object(t, in),
		Observed: &fnv1.State{
			Composite: &fnv1.Resource{Resource: object(t, xrYAML)},
			Resources: observed,
		},
		Desired: &fnv1.State{Resources: desired},
	}
}

func object(t *testing.T, y string) *structpb.Struct {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatalf("cannot convert YAML to JSON: %v\n%s", err, y)
	}
	return resource.MustStructJSON(string(j))
}

// objects keys YAML objects by their crossplane.io/composition-resource-name annotation.
func objects(t *testing.T, docs ...string) map[string]*fnv1.Resource {
	t.Helper()
	out := map[string]*fnv1.Resource{}
	for _, d := range docs {
		s := object(t, d)
		name := s.GetFields()["metadata"].GetStructValue().GetFields()["annotations"].GetStructValue().GetFields()["crossplane.io/composition-resource-name"].GetStringValue()
		out[name] = &fnv1.Resource{Resource: s}
	}
	return out
}

// replaced returns the observed resources with the given ones replaced.
func replaced(t *testing.T, observed map[string]*fnv1.Resource, docs ...string) map[string]*fnv1.Resource {
	t.Helper()
	out := maps.Clone(observed)
	maps.Copy(out, objects(t, docs...))
	return out
}

// with returns the XR YAML with more top-level YAML appended (e.g. a status).
func with(t *testing.T, xrYAML, more string) string {
	t.Helper()
	return xrYAML + more + "\n"
}

func pod(t *testing.T, name, ready, reason string) *fnv1.Resource {
	t.Helper()
	return &fnv1.Resource{Resource: object(t, fmt.Sprintf(`
apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: team-a
  labels: {app.kubernetes.io/name: mongodb, app.kubernetes.io/instance: mongodb-3a4f75ae, app.kubernetes.io/component: database}
status: {phase: Running, conditions: [{type: Ready, status: "%s", reason: "%s"}]}
`, name, ready, reason))}
}

// readFile splits a multi-document YAML file.
func readFile(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []string
	for d := range bytes.SplitSeq(b, []byte("\n---\n")) {
		if strings.TrimSpace(string(d)) != "" {
			docs = append(docs, string(d))
		}
	}
	return docs
}

// outcomeOf reduces a response to what the wanted outcome checks: fields left empty in
// want are not compared.
func outcomeOf(t *testing.T, rsp *fnv1.RunFunctionResponse, want outcome) outcome {
	t.Helper()
	var got outcome
	if want.Resources != nil {
		got.Resources = map[string]string{}
		for name, r := range rsp.GetDesired().GetResources() {
			f := r.GetResource().GetFields()
			got.Resources[name] = fmt.Sprintf("%s %s %s", f["kind"].GetStringValue(),
				f["metadata"].GetStructValue().GetFields()["name"].GetStringValue(), r.GetReady())
		}
	}
	seen := map[string]bool{}
	for _, c := range rsp.GetConditions() {
		if seen[c.GetType()] {
			t.Errorf("condition %s appears more than once: Crossplane would flip it on every call", c.GetType())
		}
		seen[c.GetType()] = true
	}
	if want.Conditions != nil {
		got.Conditions = map[string]string{}
		for _, c := range rsp.GetConditions() {
			got.Conditions[c.GetType()] = fmt.Sprintf("%s %s: %s", c.GetStatus(), c.GetReason(), c.GetMessage())
		}
	}
	if want.Results != nil {
		got.Results = results(rsp)
	}
	if want.TTL != "" {
		got.TTL = rsp.GetMeta().GetTtl().AsDuration().String()
	}
	if want.Status != nil {
		status := rsp.GetDesired().GetComposite().GetResource().GetFields()["status"].GetStructValue().AsMap()
		got.Status = map[string]any{}
		for k := range want.Status {
			got.Status[k] = status[k]
		}
	}
	return got
}

func results(rsp *fnv1.RunFunctionResponse) []string {
	out := make([]string, 0, len(rsp.GetResults()))
	for _, r := range rsp.GetResults() {
		out = append(out, fmt.Sprintf("%s %s: %s", r.GetSeverity(), r.GetReason(), r.GetMessage()))
	}
	slices.Sort(out)
	return out
}

func secretData(t *testing.T, rsp *fnv1.RunFunctionResponse, name string) map[string]string {
	t.Helper()
	r, ok := rsp.GetDesired().GetResources()[name]
	if !ok {
		t.Fatalf("no desired resource %q", name)
	}
	out := map[string]string{}
	for k, v := range r.GetResource().GetFields()["data"].GetStructValue().AsMap() {
		b, err := base64.StdEncoding.DecodeString(v.(string))
		if err != nil {
			t.Fatal(err)
		}
		out[k] = string(b)
	}
	return out
}

// run calls the function as Crossplane does: while it asks for resources it was not given, it
// is called again with those of cluster that match (by kind, namespace, and name or labels).
// The function gets each request as the server decodes it, and the response is returned as
// Crossplane reads it off the wire.
func run(t *testing.T, req *fnv1.RunFunctionRequest, cluster ...*fnv1.Resource) *fnv1.RunFunctionResponse {
	t.Helper()
	var asked *fnv1.Requirements
	for range 6 {
		rsp, err := newFunction().RunFunction(context.Background(), sent(t, req))
		if err != nil {
			t.Fatalf("RunFunction(...): unexpected error: %v", err)
		}
		if slices.ContainsFunc(rsp.GetResults(), func(r *fnv1.Result) bool { return r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL }) ||
			proto.Equal(rsp.GetRequirements(), asked) {
			return goldenpathtest.Received(t, rsp)
		}
		asked = rsp.GetRequirements()
		req = proto.Clone(req).(*fnv1.RunFunctionRequest)
		req.RequiredResources = map[string]*fnv1.Resources{}
		for key, sel := range asked.GetResources() {
			req.RequiredResources[key] = &fnv1.Resources{Items: matching(sel, cluster)}
		}
	}
	t.Fatal("requirements did not stabilize")
	return nil
}

func matching(sel *fnv1.ResourceSelector, cluster []*fnv1.Resource) []*fnv1.Resource {
	var out []*fnv1.Resource
	for _, r := range cluster {
		f := r.GetResource().GetFields()
		meta := f["metadata"].GetStructValue().GetFields()
		if f["kind"].GetStringValue() != sel.GetKind() || f["apiVersion"].GetStringValue() != sel.GetApiVersion() {
			continue
		}
		if ns := meta["namespace"].GetStringValue(); ns != "" && ns != sel.GetNamespace() {
			continue
		}
		if name := sel.GetMatchName(); name != "" && meta["name"].GetStringValue() != name {
			continue
		}
		labels := meta["labels"].GetStructValue().GetFields()
		match := true
		for k, v := range sel.GetMatchLabels().GetLabels() {
			match = match && labels[k].GetStringValue() == v
		}
		if match {
			out = append(out, r)
		}
	}
	return out
}

// TestObservedStateIsUntrusted checks what is composed when people or other controllers
// changed the running StatefulSet: nothing they wrote widens what the function does, and
// what cannot change (volume sizes) is kept as it is.
func TestObservedStateIsUntrusted(t *testing.T) {
	observed := objects(t, readFile(t, observedExample)...)
	sts := func(replicas, image, storage string) string {
		return fmt.Sprintf(`
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongodb-3a4f75ae, generation: 1, labels: {app.kubernetes.io/managed-by: function-golden-path, app.kubernetes.io/instance: mongodb-3a4f75ae}, annotations: {crossplane.io/composition-resource-name: mongodb-statefulset}}
spec:
  %s
  template: {spec: {containers: [{name: mongod, image: %q, args: [--replSet, rs0]}]}}
  volumeClaimTemplates: [{metadata: {name: data}, spec: {resources: {requests: {storage: %s}}}}]
status: {observedGeneration: 1, replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentRevision: r1, updateRevision: r1}
`, replicas, image, storage)
	}
	const pinned = "docker.io/library/mongo:7.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	type want struct {
		Replicas     float64
		MinAvailable float64
		Image        string
		Storage      string
		Refused      string
	}
	cases := map[string]struct {
		reason string
		spec   string
		sts    string
		want   want
	}{
		"ScaledByHandToMillions": {
			reason: "kubectl scale --replicas=2147483647 neither takes the process down nor composes more members: the spec's 3 roll out again.",
			spec:   `{replicas: 3}`, sts: sts("replicas: 2147483647", "docker.io/library/mongo:7.0", "10Gi"),
			want: want{Replicas: 3, MinAvailable: 2, Image: "docker.io/library/mongo:7.0", Storage: "10Gi", Refused: "Accepted"},
		},
		"ScaledByHandToZero": {
			reason: "A replica set scaled to 0 by hand still runs --replSet: asking for standalone is refused, its 3 members are kept.",
			spec:   `{replicas: 1}`, sts: sts("replicas: 0", "docker.io/library/mongo:7.0", "10Gi"),
			want: want{Replicas: 3, MinAvailable: 2, Image: "docker.io/library/mongo:7.0", Storage: "10Gi", Refused: "TopologyChangeRefused"},
		},
		"PinnedByDigest": {
			reason: "An image pinned by digest is kept as it runs; a downgrade from its release is refused.",
			spec:   `{replicas: 3, version: "6.0"}`, sts: sts("replicas: 3", pinned, "10Gi"),
			want: want{Replicas: 3, MinAvailable: 2, Image: pinned, Storage: "10Gi", Refused: "DowngradeRefused"},
		},
		"PatchTag": {
			reason: "mongo:8.0.4 runs 8.0: going to 7.0 is a downgrade, refused.",
			spec:   `{replicas: 3, version: "7.0"}`, sts: sts("replicas: 3", "docker.io/library/mongo:8.0.4", "10Gi"),
			want: want{Replicas: 3, MinAvailable: 2, Image: "docker.io/library/mongo:8.0", Storage: "10Gi", Refused: "DowngradeRefused"},
		},
		"DecimalStorage": {
			reason: "A volume template of 10G is kept as 10G (immutable), not rewritten as 9Gi.",
			spec:   `{replicas: 3, storageGB: 10}`, sts: sts("replicas: 3", "docker.io/library/mongo:7.0", "10G"),
			want: want{Replicas: 3, MinAvailable: 2, Image: "docker.io/library/mongo:7.0", Storage: "10G", Refused: "StorageResizeUnsupported"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			rsp := run(t, newRequest(t, input, xr("mongodb-3a4f75ae", tc.spec), replaced(t, observed, tc.sts), nil))
			d := rsp.GetDesired().GetResources()
			s := d["mongodb-statefulset"].GetResource().AsMap()
			spec, _ := s["spec"].(map[string]any)
			tmpl := spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
			claim := spec["volumeClaimTemplates"].([]any)[0].(map[string]any)["spec"].(map[string]any)["resources"].(map[string]any)["requests"].(map[string]any)
			got := want{
				Replicas:     spec["replicas"].(float64),
				MinAvailable: d["mongodb-pdb"].GetResource().AsMap()["spec"].(map[string]any)["minAvailable"].(float64),
				Image:        tmpl["image"].(string),
				Storage:      claim["storage"].(string),
			}
			for _, c := range rsp.GetConditions() {
				if c.GetType() == "SpecAccepted" {
					got.Refused = c.GetReason()
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nRunFunction(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
