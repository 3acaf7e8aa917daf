package stateful

import (
	"fmt"
	"strings"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
)

// Settled tells whether every member of a StatefulSet is ready and runs its current template.
func Settled(sts *composed.Unstructured) bool {
	integer := func(fields ...string) int64 { v, _ := goldenpath.Integer(sts.Object, fields...); return v } //nolint:nlreturn // A one-line accessor.
	current := goldenpath.String(sts.Object, "status", "currentRevision")
	update := goldenpath.String(sts.Object, "status", "updateRevision")
	replicas := integer("spec", "replicas")
	return integer("status", "observedGeneration") >= integer("metadata", "generation") && current == update &&
		integer("status", "readyReplicas") == replicas && integer("status", "updatedReplicas") == replicas
}

// Failure is the summary of an instance one of whose resources failed (the first), and
// whether one did; the other resources that are not ready are returned either way.
func Failure(condition string, rs []goldenpath.Readiness) (goldenpath.Summary, []goldenpath.Readiness, bool) {
	var unready []goldenpath.Readiness
	for _, rd := range rs {
		if rd.State == goldenpath.Failed {
			s := goldenpath.Summary{Condition: condition, State: goldenpath.Failed, Reason: goldenpath.ReasonFailed}
			s.Message = fmt.Sprintf("%s failed: %s", goldenpath.Describe(rd.Resource), rd.Message)
			if IsJob(rd) {
				// A Job does not run again by itself; Crossplane re-creates a deleted one.
				s.Message += "; see its pods' logs, then delete the Job to run it again"
			}
			return s, nil, true
		}
		if rd.State != goldenpath.Ready {
			unready = append(unready, rd)
		}
	}
	return goldenpath.Summary{Condition: condition}, unready, false
}

// IsJob tells whether a composed resource is a Job.
func IsJob(rd goldenpath.Readiness) bool {
	_, ok := rd.Resource.Object.(*batchv1.Job)
	return ok
}

// Find is the readiness of the resource of a pipeline name, nil when it is not composed.
func Find(rs []goldenpath.Readiness, name resource.Name) *goldenpath.Readiness {
	for i := range rs {
		if rs[i].Resource.Name == name {
			return &rs[i]
		}
	}
	return nil
}

// List names resources for a message: "Secret a, Service b".
func List(rs []goldenpath.Readiness) string {
	ns := make([]string, len(rs))
	for i, r := range rs {
		ns[i] = goldenpath.Describe(r.Resource)
	}
	return strings.Join(ns, ", ")
}
