package mongodb

import (
	"fmt"
	"slices"
	"strings"

	batchv1 "k8s.io/api/batch/v1"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/mongodb/v1alpha1"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// ConditionDatabaseReady is the XR condition that says how the database as a whole is doing.
const ConditionDatabaseReady = "DatabaseReady"

// Reasons of the DatabaseReady condition.
const (
	ReasonAvailable         = "Available"
	ReasonCreating          = "Creating"
	ReasonWaitingForMembers = "WaitingForMembers"
	ReasonFormingReplicaSet = "FormingReplicaSet"
	ReasonWaiting           = "WaitingForResources"
	ReasonFailed            = "Failed"
)

// Keys under which the function asks Crossplane for resources it does not compose.
const (
	// requiredPods are the members' pods, to name the members that are not ready and the
	// releases they run during a rollout.
	requiredPods = "mongodb-pods"
	// requiredCredentials and requiredKeyfile are Secrets of the instance's names that exist
	// without being composed (restored from a backup, or left by an earlier XR).
	requiredCredentials = "mongodb-credentials-existing" //nolint:gosec // A requirement key, not a credential.
	requiredKeyfile     = "mongodb-keyfile-existing"
	// requiredVolumes is the first member's volume, which outlives its XR.
	requiredVolumes = "mongodb-volumes"
)

// Requirements asks for what the function cannot tell from the composed resources: while the
// credentials are not composed, whether Secrets or volumes of the instance exist already; while
// the members are not all ready and up to date, their pods. A settled instance asks for nothing,
// so Crossplane calls the function once per reconcile.
func (Blueprint) Requirements(r goldenpath.Request) map[string]*fnv1.ResourceSelector {
	n := namesFor(r.Instance)
	ns := r.XR.Resource.GetNamespace()
	reqs := map[string]*fnv1.ResourceSelector{}
	if _, ok := r.Observed[CredentialsName]; !ok {
		reqs[requiredCredentials] = stateful.ByName(ns, "v1", "Secret", n.Credentials)
		reqs[requiredVolumes] = stateful.ByName(ns, "v1", "PersistentVolumeClaim", dataVolume+"-"+n.Pod(0))
	}
	if _, ok := r.Observed[KeyfileName]; !ok {
		if replicas, err := r.XR.Resource.GetInteger("spec.replicas"); err == nil && replicas > 1 {
			reqs[requiredKeyfile] = stateful.ByName(ns, "v1", "Secret", n.Keyfile)
		}
	}
	if sts, ok := r.Observed[StatefulSetName]; ok && !stateful.Settled(sts.Resource) {
		b := build{Request: r, names: n}
		reqs[requiredPods] = stateful.PodsOf(ns, b.labels(componentDatabase))
	}
	return reqs
}

// Summarize says how the database is doing, naming what it waits for.
func (Blueprint) Summarize(r goldenpath.Request, c *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	s := goldenpath.Summary{Condition: ConditionDatabaseReady}
	var unready []goldenpath.Readiness
	for _, rd := range rs {
		if rd.State == goldenpath.Failed {
			s.State, s.Reason = goldenpath.Failed, ReasonFailed
			s.Message = fmt.Sprintf("%s %s failed: %s", rd.Resource.Object.GetKind(), rd.Resource.Object.GetName(), rd.Message)
			if isJob(rd) {
				// A Job does not run again by itself; Crossplane re-creates a deleted one.
				s.Message += "; see its pods' logs, then delete the Job to run it again"
			}
			return s
		}
		if rd.State != goldenpath.Ready {
			unready = append(unready, rd)
		}
	}
	if len(unready) == 0 {
		s.State, s.Reason = goldenpath.Ready, ReasonAvailable
		s.Message = fmt.Sprintf("%s ready at %s", c.Description, endpoint(r))
		return s
	}

	sts := find(rs, StatefulSetName)
	job := slices.IndexFunc(unready, isJob)
	switch {
	case sts == nil || sts.Observed == nil:
		s.Reason = ReasonCreating
		s.Message = "creating " + list(unready)
	case sts.State != goldenpath.Ready:
		s.Reason = ReasonWaitingForMembers
		s.Message = membersMessage(r, sts)
	case job >= 0:
		s.Reason = ReasonFormingReplicaSet
		s.Message = fmt.Sprintf("every member is up; forming the replica set %s (Job %s: %s)", replicaSetName, unready[job].Resource.Object.GetName(), unready[job].Message)
	default:
		s.Reason = ReasonWaiting
		s.Message = "waiting for " + list(unready)
	}
	return s
}

// membersMessage is e.g. "2/3 replicas ready; waiting for mongodb-3a4f75ae-2 (ContainersNotReady)".
func membersMessage(r goldenpath.Request, sts *goldenpath.Readiness) string {
	pods, fetched := r.Required[requiredPods]
	return stateful.MembersMessage(sts, pods, fetched)
}

// isJob tells whether a composed resource is a Job.
func isJob(rd goldenpath.Readiness) bool {
	return rd.Resource.Object.GroupVersionKind().GroupKind() == batchv1.SchemeGroupVersion.WithKind("Job").GroupKind()
}

func find(rs []goldenpath.Readiness, name resource.Name) *goldenpath.Readiness {
	for i := range rs {
		if rs[i].Resource.Name == name {
			return &rs[i]
		}
	}
	return nil
}

func list(rs []goldenpath.Readiness) string {
	ns := make([]string, len(rs))
	for i, r := range rs {
		ns[i] = fmt.Sprintf("%s %s", r.Resource.Object.GetKind(), r.Resource.Object.GetName())
	}
	return strings.Join(ns, ", ")
}

// statusOf are the MongoDB fields of the XR's status; the core writes the shared ones.
func statusOf(b build) v1alpha1.Status {
	return v1alpha1.Status{Endpoint: endpoint(b.Request), ConnectionSecret: b.names.Credentials, Version: b.Version, ReplicaSet: b.replicaSetName()}
}

// endpoint is host:port of the client Service.
func endpoint(r goldenpath.Request) string {
	return fmt.Sprintf("%s:%d", host(r), port)
}

// links of the Backstage entity: the manual, whatever the release (the entity's annotations
// are copied once).
func links() []v1beta1.Link {
	return []v1beta1.Link{{URL: "https://www.mongodb.com/docs/manual/", Title: "MongoDB manual", Icon: "docs", Type: "documentation"}}
}
