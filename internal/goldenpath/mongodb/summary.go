package mongodb

import (
	"fmt"
	"slices"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

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
		reqs[requiredCredentials] = goldenpath.ByName(ns, "v1", "Secret", n.Credentials)
		reqs[requiredVolumes] = goldenpath.ByName(ns, "v1", "PersistentVolumeClaim", dataVolume+"-"+n.Pod(0))
	}
	if _, ok := r.Observed[KeyfileName]; !ok {
		if replicas, ok := goldenpath.Integer(r.XR.Resource.Object, "spec", "replicas"); ok && replicas > 1 {
			reqs[requiredKeyfile] = goldenpath.ByName(ns, "v1", "Secret", n.Keyfile)
		}
	}
	if sts, ok := r.Observed[StatefulSetName]; ok && !stateful.Settled(sts.Resource) {
		b := build{Request: r, names: n}
		reqs[requiredPods] = goldenpath.PodsOf(ns, b.labels())
	}
	return reqs
}

// Summarize says how the database is doing, naming what it waits for.
func (Blueprint) Summarize(r goldenpath.Request, c *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	s, unready, failed := stateful.Failure(ConditionDatabaseReady, rs)
	if failed {
		return s
	}
	if len(unready) == 0 {
		s.State, s.Reason = goldenpath.Ready, ReasonAvailable
		s.Message = fmt.Sprintf("%s ready at %s", c.Description, endpoint(r))
		return s
	}

	sts := stateful.Find(rs, StatefulSetName)
	job := slices.IndexFunc(unready, stateful.IsJob)
	switch {
	case sts == nil || sts.Observed == nil:
		s.Reason = ReasonCreating
		s.Message = "creating " + stateful.List(unready)
	case sts.State != goldenpath.Ready:
		s.Reason = ReasonWaitingForMembers
		s.Message = membersMessage(r, sts)
	case job >= 0:
		s.Reason = ReasonFormingReplicaSet
		s.Message = fmt.Sprintf("every member is up; forming the replica set %s (Job %s: %s)", replicaSetName, unready[job].Resource.Object.GetName(), unready[job].Message)
	default:
		s.Reason = ReasonWaiting
		s.Message = "waiting for " + stateful.List(unready)
	}
	return s
}

// membersMessage is e.g. "2/3 replicas ready; waiting for mongodb-3a4f75ae-2 (ContainersNotReady)".
func membersMessage(r goldenpath.Request, sts *goldenpath.Readiness) string {
	pods, fetched := r.Required[requiredPods]
	return stateful.MembersMessage(sts, pods, fetched)
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
