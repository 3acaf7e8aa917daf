package valkey

import (
	"fmt"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/valkey/v1alpha1"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// ConditionCacheReady is the XR condition that says how the cache as a whole is doing.
const ConditionCacheReady = "CacheReady"

// Reasons of the CacheReady condition.
const (
	ReasonAvailable         = "Available"
	ReasonCreating          = "Creating"
	ReasonWaitingForMembers = "WaitingForMembers"
	ReasonWaiting           = "WaitingForResources"
	ReasonFailed            = "Failed"
)

// Keys under which the function asks Crossplane for resources it does not compose.
const (
	// requiredPods are the members' pods, to name the members that are not ready and the
	// releases they run during a rollout.
	requiredPods = "valkey-pods"
	// requiredCredentials is a Secret of the instance's name that exists without being
	// composed (restored from a backup, or left by an earlier XR).
	requiredCredentials = "valkey-credentials-existing" //nolint:gosec // A requirement key, not a credential.
	// requiredVolumes is the first member's volume, which outlives its XR.
	requiredVolumes = "valkey-volumes"
)

// Requirements asks for what the function cannot tell from the composed resources: while the
// credentials are not composed, whether a Secret or volumes of the instance exist already;
// while the members are not all ready and up to date, their pods. A settled instance asks for
// nothing, so Crossplane calls the function once per reconcile.
func (Blueprint) Requirements(r goldenpath.Request) map[string]*fnv1.ResourceSelector {
	n := namesFor(r.Instance)
	ns := r.XR.Resource.GetNamespace()
	reqs := map[string]*fnv1.ResourceSelector{}
	if _, ok := r.Observed[CredentialsName]; !ok {
		reqs[requiredCredentials] = goldenpath.ByName(ns, "v1", "Secret", n.Credentials)
		reqs[requiredVolumes] = goldenpath.ByName(ns, "v1", "PersistentVolumeClaim", dataVolume+"-"+n.Pod(0))
	}
	if sts, ok := r.Observed[StatefulSetName]; ok && !stateful.Settled(sts.Resource) {
		b := build{Request: r, names: n}
		reqs[requiredPods] = goldenpath.PodsOf(ns, b.labels(componentCache))
	}
	return reqs
}

// Summarize says how the cache is doing, naming the member or resource it waits for.
func (Blueprint) Summarize(r goldenpath.Request, c *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	s, unready, failed := stateful.Failure(ConditionCacheReady, rs)
	if failed {
		return s
	}
	sts := stateful.Find(rs, StatefulSetName)
	switch {
	case len(unready) == 0:
		s.State, s.Reason = goldenpath.Ready, ReasonAvailable
		s.Message = fmt.Sprintf("%s ready at %s", c.Description, endpoint(r))
	case sts == nil || sts.Observed == nil:
		s.Reason = ReasonCreating
		s.Message = "creating " + stateful.List(unready)
	case sts.State != goldenpath.Ready:
		pods, fetched := r.Required[requiredPods]
		s.Reason = ReasonWaitingForMembers
		s.Message = stateful.MembersMessage(sts, pods, fetched)
	default:
		s.Reason = ReasonWaiting
		s.Message = "waiting for " + stateful.List(unready)
	}
	return s
}

// statusOf are the Valkey fields of the XR's status; the core writes the shared ones.
func statusOf(b build) v1alpha1.Status {
	st := v1alpha1.Status{Endpoint: endpoint(b.Request), ConnectionSecret: b.names.Credentials, Version: b.Version, Persistence: b.Persistence}
	if b.Replicated() {
		st.SentinelEndpoint = fmt.Sprintf("%s:%d", b.sentinelHost(), sentinelPort)
		st.MasterName = masterName
	}
	return st
}

// endpoint is host:port of the client Service.
func endpoint(r goldenpath.Request) string {
	return fmt.Sprintf("%s:%d", host(r), port)
}

// links of the Backstage entity: the documentation, whatever the release (the entity's
// annotations are copied once).
func links() []v1beta1.Link {
	return []v1beta1.Link{{URL: "https://valkey.io/docs/", Title: "Valkey documentation", Icon: "docs", Type: "documentation"}}
}
