package postgresql

import (
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/postgresql/v1alpha1"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// ConditionDatabaseReady is the XR condition that says how the database as a whole is doing.
const ConditionDatabaseReady = "DatabaseReady"

// Reasons of the DatabaseReady condition.
const (
	ReasonAvailable         = "Available"
	ReasonCreating          = "Creating"
	ReasonWaitingForMembers = "WaitingForMembers"
	ReasonSettingUp         = "SettingUp"
	ReasonWaiting           = "WaitingForResources"
	ReasonFailed            = "Failed"
)

// Keys under which the function asks Crossplane for resources it does not compose.
const (
	// requiredPods are the members' pods, to name the members that are not ready.
	requiredPods = "postgresql-pods"
	// Secrets of the instance's names that exist without being composed (restored from a
	// backup, or left by an earlier XR).
	requiredSuperuser   = "postgresql-superuser-existing"
	requiredApp         = "postgresql-app-existing"
	requiredReplication = "postgresql-replication-existing"
	// requiredVolumes is the primary's volume, which outlives its XR.
	requiredVolumes = "postgresql-volumes"
)

//nolint:gochecknoglobals // A constant path.
var specPath = field.NewPath("spec")

// Requirements asks for what the function cannot tell from the composed resources: while a
// Secret is not composed, whether it or the primary's volume exists already; while the
// members are not all ready and up to date, their pods. A settled instance asks for nothing.
func (Blueprint) Requirements(r goldenpath.Request) map[string]*fnv1.ResourceSelector {
	n := namesFor(r.Instance)
	ns := r.XR.Resource.GetNamespace()
	reqs := map[string]*fnv1.ResourceSelector{}
	if cloudNativePG(r.Input) {
		return reqs // The operator generates and keeps the Secrets.
	}
	missing := false
	for _, s := range []struct {
		name        resource.Name
		key, object string
	}{
		{SuperuserName, requiredSuperuser, n.Superuser},
		{AppName, requiredApp, n.App},
		{ReplicationName, requiredReplication, n.Replication},
	} {
		if _, ok := r.Observed[s.name]; !ok {
			reqs[s.key] = goldenpath.ByName(ns, "v1", "Secret", s.object)
			missing = true
		}
	}
	if missing {
		reqs[requiredVolumes] = goldenpath.ByName(ns, "v1", "PersistentVolumeClaim", dataVolume+"-"+n.Pod(0))
	}
	if sts, ok := r.Observed[StatefulSetName]; ok && !stateful.Settled(sts.Resource) {
		reqs[requiredPods] = goldenpath.PodsOf(ns, goldenpath.ComponentLabels(App, r.Instance, componentDatabase))
	}
	return reqs
}

func cloudNativePG(in *v1beta1.Input) bool {
	return in.PostgreSQL.Implementation == v1beta1.PostgreSQLCloudNativePG
}

// Summarize says how the database is doing, naming the primary or standby it waits for.
func (Blueprint) Summarize(r goldenpath.Request, c *goldenpath.Composition, rs []goldenpath.Readiness) goldenpath.Summary {
	s, unready, failed := stateful.Failure(ConditionDatabaseReady, rs)
	if failed {
		return s
	}
	if len(unready) == 0 {
		s.State, s.Reason = goldenpath.Ready, ReasonAvailable
		s.Message = fmt.Sprintf("%s ready at %s", c.Description, endpoint(r, cloudNativePG(r.Input)))
		return s
	}

	workload := stateful.Find(rs, StatefulSetName)
	if cloudNativePG(r.Input) {
		workload = stateful.Find(rs, ClusterName)
	}
	job := slices.IndexFunc(unready, stateful.IsJob)
	switch {
	case workload == nil || workload.Observed == nil:
		s.Reason = ReasonCreating
		s.Message = "creating " + stateful.List(unready)
	case workload.State != goldenpath.Ready && cloudNativePG(r.Input):
		s.Reason = ReasonWaitingForMembers
		s.Message = fmt.Sprintf("waiting for the CloudNativePG Cluster %s: %s", workload.Observed.GetName(), workload.Message)
	case workload.State != goldenpath.Ready:
		s.Reason = ReasonWaitingForMembers
		pods, fetched := r.Required[requiredPods]
		s.Message = stateful.MembersMessageWithRoles(workload, pods, fetched, role)
	case job >= 0:
		s.Reason = ReasonSettingUp
		s.Message = fmt.Sprintf("every member is up; setting up the roles, database and replication slots (Job %s: %s)", unready[job].Resource.Object.GetName(), unready[job].Message)
	default:
		s.Reason = ReasonWaiting
		s.Message = "waiting for " + stateful.List(unready)
	}
	return s
}

// role of the member with an ordinal.
func role(ordinal int64) string {
	if ordinal == 0 {
		return "primary"
	}
	return "standby"
}

// statusOf are the PostgreSQL fields of the XR's status; the core writes the shared ones.
func statusOf(r goldenpath.Request, p params, secret, read string) v1alpha1.Status {
	st := v1alpha1.Status{Endpoint: endpoint(r, cloudNativePG(r.Input)), ConnectionSecret: secret, Version: p.Version}
	if p.Replicas > 1 {
		st.ReadEndpoint = fmt.Sprintf("%s.%s.svc:%d", read, r.XR.Resource.GetNamespace(), port)
	}
	return st
}

// endpoint is host:port of the read-write Service.
func endpoint(r goldenpath.Request, cnpg bool) string {
	if cnpg {
		return fmt.Sprintf("%s-rw.%s.svc:%d", r.Instance.Name, r.XR.Resource.GetNamespace(), port)
	}
	return fmt.Sprintf("%s:%d", host(r), port)
}

// links of the Backstage entity: the manual, whatever the version (the entity's annotations
// are copied once).
func links() []v1beta1.Link {
	return []v1beta1.Link{{URL: "https://www.postgresql.org/docs/current/", Title: "PostgreSQL manual", Icon: "docs", Type: "documentation"}}
}
