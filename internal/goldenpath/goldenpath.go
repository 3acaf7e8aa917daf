// Package goldenpath defines what a golden path is: a blueprint that composes the resources
// behind one kind of XR. The function's core (naming, Backstage metadata, readiness, status)
// works on what a blueprint returns and knows nothing of any particular golden path.
package goldenpath

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composed"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// ErrRequirementsPending is returned by a blueprint that cannot compose before Crossplane
// has fetched the required resources it asked for. Crossplane calls the function again with
// them in the same reconcile, so nothing is composed from a guess.
var ErrRequirementsPending = errors.New("waiting for Crossplane to fetch required resources")

// A Blueprint composes the resources of one golden path.
type Blueprint interface {
	// Compose validates the XR spec and returns the desired resources. Problems with the
	// spec are returned as a field.ErrorList aggregate, each naming its field.
	Compose(r Request) (*Composition, error)

	// Requirements are the extra resources the blueprint wants to see on the next call,
	// e.g. the pods of a workload, to say which one is not ready.
	Requirements(r Request) map[string]*fnv1.ResourceSelector

	// Summarize says, from the readiness of each composed resource, how the instance as a
	// whole is doing, for the golden path's own status condition.
	Summarize(r Request, c *Composition, rs []Readiness) Summary
}

// Request is what a blueprint composes from.
type Request struct {
	// XR is the observed composite resource.
	XR *resource.Composite

	// Instance names everything this blueprint composes.
	Instance Instance

	// Observed composed resources, by pipeline name.
	Observed map[resource.Name]resource.ObservedComposed

	// Required resources Crossplane fetched for the blueprint's Requirements, by key.
	Required map[string][]resource.Required

	// Input carries the platform team's defaults. Defaulted and validated.
	Input *v1beta1.Input
}

// Instance identifies one instance of a golden path.
type Instance struct {
	// Name that every composed resource's name starts with, e.g. mongodb-3a4f75ae.
	Name string

	// ID is the 8-hex suffix of Name, e.g. 3a4f75ae.
	ID string
}

// Composition is what a blueprint composes.
type Composition struct {
	// Resources in a stable order. Pipeline names are the resources' identity: Crossplane
	// deletes an observed resource whose pipeline name is no longer desired.
	Resources []Resource

	// Version is the application version, for the app.kubernetes.io/version label.
	Version string

	// Description of the instance for humans as it is now, e.g. "MongoDB 7.0 replica set of
	// 3 members", for its condition.
	Description string

	// About is the instance for its Backstage entity: text that does not change with the spec,
	// since the ingestor copies it once.
	About string

	// Owner and System are the golden path's own defaults for the Backstage entity (e.g. a
	// tenant namespace's team), before the Input's and the XR's namespace; the XR's own
	// annotations win over them.
	Owner, System string

	// Links of the golden path for the Backstage entity (e.g. documentation), which do not
	// change with the spec either.
	Links []v1beta1.Link

	// Status holds the golden path's own XR status fields (e.g. endpoint, connectionSecret):
	// a struct whose JSON is merged into the XR's status.
	Status any

	// Refused are requested changes the blueprint did not roll out, because they would
	// break or lose data. The resources keep what they have.
	Refused []Refusal
}

// Resource is one desired composed resource.
type Resource struct {
	// Name in the pipeline. Short and meaningful: Crossplane's Ready condition lists the
	// pipeline names of unready resources.
	Name resource.Name

	// Object is the desired state, with kind, name and the blueprint's own labels. It stays
	// the blueprint's Go object until the response is written (Encode).
	Object Object

	// Workload is the resource the Backstage ingestor turns into the instance's catalog
	// component. One per composition.
	Workload bool

	// Catalog is false for resources the ingestor would pick up but that are not worth an
	// entity of their own, such as a one-off Job.
	Catalog bool
}

// Refusal is a requested change that is not rolled out.
type Refusal struct {
	// Field of the XR, e.g. spec.storageGB.
	Field *field.Path
	// Reason in CamelCase, e.g. StorageShrinkRefused.
	Reason string
	// Message for humans: what was asked, what is kept and what to do.
	Message string
}

// Refuse is a Refusal of the field at path, its message what format says of args. A text
// among args, from the cluster or the spec, is cut at MaxMessage.
func Refuse(path *field.Path, reason, format string, args ...any) Refusal {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = Cut(s)
		}
	}
	return Refusal{Field: path, Reason: reason, Message: path.String() + ": " + fmt.Sprintf(format, args...)}
}

// State of a composed resource, or of an instance as a whole.
type State int

const (
	// Waiting for something that may come by itself (a pod starting, a rollout).
	Waiting State = iota
	// Ready to serve.
	Ready
	// Failed means it cannot become ready without someone acting (e.g. a failed Job).
	Failed
)

// Readiness of one composed resource.
type Readiness struct {
	Resource Resource
	// Observed is nil while the resource does not exist yet.
	Observed *composed.Unstructured
	State    State
	Message  string
}

// Summary of an instance's readiness, for the golden path's status condition.
type Summary struct {
	// Condition type, e.g. DatabaseReady.
	Condition string
	State     State
	// Reason in CamelCase, e.g. Available or WaitingForReplicas.
	Reason  string
	Message string
}
