package main

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// TestKstatus checks readiness of observed objects as they arrive from Crossplane, in protobuf
// Structs, whose numbers are all float64.
func TestKstatus(t *testing.T) {
	type want struct {
		State   goldenpath.State
		Message string
	}
	cases := map[string]struct {
		reason string
		obj    string
		want   want
	}{
		"StatefulSetReady": {
			reason: "All replicas ready and updated at the current generation.",
			obj: `{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db, generation: 2},
				spec: {replicas: 3}, status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: a, updateRevision: a}}`,
			want: want{State: goldenpath.Ready, Message: "ready"},
		},
		"StatefulSetOldGeneration": {
			reason: "A spec change the controller has not seen yet is not ready.",
			obj: `{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db, generation: 3},
				spec: {replicas: 3}, status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: a, updateRevision: a}}`,
			want: want{Message: "StatefulSet generation is 3, but latest observed generation is 2"},
		},
		"StatefulSetRollingOut": {
			reason: "A rollout in progress is not ready.",
			obj: `{apiVersion: apps/v1, kind: StatefulSet, metadata: {name: db, generation: 2},
				spec: {replicas: 3}, status: {observedGeneration: 2, replicas: 3, readyReplicas: 3, currentReplicas: 2, updatedReplicas: 1, currentRevision: a, updateRevision: b}}`,
			want: want{Message: "current: 2/3"},
		},
		"JobComplete": {
			reason: "A complete Job is ready.",
			obj:    `{apiVersion: batch/v1, kind: Job, metadata: {name: j, generation: 1}, spec: {}, status: {succeeded: 1, conditions: [{type: Complete, status: "True"}]}}`,
			want:   want{State: goldenpath.Ready, Message: "ready"},
		},
		"JobRunning": {
			reason: "A Job that has started but not completed is not ready: kstatus alone says Current.",
			obj:    `{apiVersion: batch/v1, kind: Job, metadata: {name: j, generation: 1}, spec: {}, status: {active: 1, startTime: "2026-11-24T06:00:00Z"}}`,
			want:   want{Message: "Job in progress. success:0, active: 1, failed: 0"},
		},
		"JobFailed": {
			reason: "A failed Job has failed: it will not become ready by waiting.",
			obj:    `{apiVersion: batch/v1, kind: Job, metadata: {name: j, generation: 1}, spec: {}, status: {failed: 7, conditions: [{type: Failed, status: "True", message: "BackoffLimitExceeded"}]}}`,
			want:   want{State: goldenpath.Failed, Message: "Job Failed. failed: 7/1"},
		},
		"IngressWithoutAddress": {
			reason: "An Ingress serves once its controller gave it an address; kstatus alone says Current.",
			obj:    `{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: web}, spec: {}, status: {loadBalancer: {}}}`,
			want:   want{Message: "waiting for the ingress controller to give it an address"},
		},
		"IngressWithAddress": {
			reason: "An Ingress with an address is ready.",
			obj:    `{apiVersion: networking.k8s.io/v1, kind: Ingress, metadata: {name: web}, spec: {}, status: {loadBalancer: {ingress: [{hostname: lb.example.com}]}}}`,
			want:   want{State: goldenpath.Ready, Message: "ready"},
		},
		"HTTPRouteNoStatus": {
			reason: "A route no Gateway has spoken of is not ready.",
			obj:    `{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: web, generation: 1}, spec: {parentRefs: [{name: gw}]}}`,
			want:   want{Message: "waiting for its Gateway to accept it"},
		},
		"HTTPRouteNotAccepted": {
			reason: "A route its Gateway refused says why.",
			obj: `{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: web, generation: 1}, spec: {parentRefs: [{name: gw}]},
				status: {parents: [{parentRef: {name: gw}, conditions: [{type: Accepted, status: "False", reason: NotAllowedByListeners, message: "no listener allows this namespace"}]}]}}`,
			want: want{Message: "Gateway gw: Accepted is False: NotAllowedByListeners: no listener allows this namespace"},
		},
		"HTTPRouteUnresolved": {
			reason: "A route accepted with a backend that does not resolve is not ready.",
			obj: `{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: web, generation: 1}, spec: {parentRefs: [{name: gw}]},
				status: {parents: [{parentRef: {name: gw}, conditions: [{type: Accepted, status: "True"}]}]}}`,
			want: want{Message: "waiting for Gateway gw to set ResolvedRefs"},
		},
		"HTTPRouteAccepted": {
			reason: "A route accepted by every parent with its references resolved is ready.",
			obj: `{apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute, metadata: {name: web, generation: 1}, spec: {parentRefs: [{name: gw}]},
				status: {parents: [{parentRef: {name: gw}, conditions: [{type: Accepted, status: "True"}, {type: ResolvedRefs, status: "True"}]}]}}`,
			want: want{State: goldenpath.Ready, Message: "ready"},
		},
		"DNSEndpointNotApplied": {
			reason: "A DNSEndpoint external-dns has not applied is not ready; kstatus alone says Current without a status.",
			obj:    `{apiVersion: externaldns.k8s.io/v1alpha1, kind: DNSEndpoint, metadata: {name: r, generation: 2}, spec: {}}`,
			want:   want{Message: "waiting for external-dns to apply generation 2"},
		},
		"DNSEndpointApplied": {
			reason: "A DNSEndpoint external-dns applied at its generation is ready.",
			obj:    `{apiVersion: externaldns.k8s.io/v1alpha1, kind: DNSEndpoint, metadata: {name: r, generation: 2}, spec: {}, status: {observedGeneration: 2}}`,
			want:   want{State: goldenpath.Ready, Message: "ready"},
		},
		"DeploymentStuck": {
			reason: "A rollout past its progress deadline has failed: it will not finish by waiting.",
			obj: `{apiVersion: apps/v1, kind: Deployment, metadata: {name: web, generation: 2}, spec: {replicas: 2},
				status: {observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 2, availableReplicas: 2,
				conditions: [{type: Progressing, status: "False", reason: ProgressDeadlineExceeded, message: "ReplicaSet web-7d9 has timed out progressing."}]}}`,
			want: want{State: goldenpath.Failed, Message: "Progress deadline exceeded"},
		},
		"CNPGClusterHealthy": {
			reason: "A CloudNativePG Cluster whose Ready condition is True is ready.",
			obj:    `{apiVersion: postgresql.cnpg.io/v1, kind: Cluster, metadata: {name: c, generation: 1}, spec: {instances: 3}, status: {phase: Cluster in healthy state, conditions: [{type: Ready, status: "True"}]}}`,
			want:   want{State: goldenpath.Ready, Message: "ready"},
		},
		"CNPGClusterHealthyPhaseOnly": {
			reason: "An operator that reports the healthy phase without the Ready condition (older releases) is believed.",
			obj:    `{apiVersion: postgresql.cnpg.io/v1, kind: Cluster, metadata: {name: c, generation: 1}, spec: {instances: 3}, status: {phase: Cluster in healthy state}}`,
			want:   want{State: goldenpath.Ready, Message: "ready"},
		},
		"CNPGClusterCreating": {
			reason: "A Cluster the operator is still creating waits, saying the operator's phase and reason; kstatus alone says Current.",
			obj:    `{apiVersion: postgresql.cnpg.io/v1, kind: Cluster, metadata: {name: c, generation: 1}, spec: {instances: 3}, status: {phase: Setting up primary, phaseReason: Creating primary instance c-1, conditions: [{type: Ready, status: "False"}]}}`,
			want:   want{Message: "Setting up primary: Creating primary instance c-1"},
		},
		"CNPGClusterNoOperator": {
			reason: "A Cluster no operator reports on is not ready.",
			obj:    `{apiVersion: postgresql.cnpg.io/v1, kind: Cluster, metadata: {name: c, generation: 1}, spec: {instances: 1}}`,
			want:   want{Message: "the CloudNativePG operator has not reported on it yet"},
		},
		"SecretExists": {
			reason: "A Secret is ready once it exists.",
			obj:    `{apiVersion: v1, kind: Secret, metadata: {name: s}}`,
			want:   want{State: goldenpath.Ready, Message: "ready"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			obj := map[string]any{}
			if err := yaml.Unmarshal([]byte(tc.obj), &obj); err != nil {
				t.Fatal(err)
			}
			s, err := structpb.NewStruct(obj) // As Crossplane sends it.
			if err != nil {
				t.Fatal(err)
			}
			var got want
			got.State, got.Message = kstatus(goldenpath.Content(s))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nkstatus(...): -want, +got:\n%s", tc.reason, diff)
			}
		})
	}
}
