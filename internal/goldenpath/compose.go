package goldenpath

import (
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/crossplane/function-sdk-go/errors"
	"github.com/crossplane/function-sdk-go/resource"
)

// A Component is one resource of a golden path, built from B, what the golden path builds
// from. A golden path is a table of components.
type Component[B any] struct {
	// Name in the pipeline; it must never change.
	Name resource.Name
	// When tells whether the component exists; nil always.
	When func(b B) bool
	// Build the desired object, holding only what the golden path sets.
	Build func(b B) (runtime.Object, error)
	// Workload is the resource the Backstage ingestor turns into the instance's entity.
	Workload bool
	// Hidden keeps the resource out of the Backstage catalog (e.g. a one-off Job).
	Hidden bool
}

// Compose builds the components that exist, in the table's order.
func Compose[B any](b B, components []Component[B]) ([]Resource, error) {
	out := make([]Resource, 0, len(components))
	for _, c := range components {
		if c.When != nil && !c.When(b) {
			continue
		}
		o, err := c.Build(b)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot compose %s", c.Name)
		}
		obj, err := typed(o)
		if err != nil {
			return nil, errors.Wrapf(err, "cannot compose %s", c.Name)
		}
		out = append(out, Resource{Name: c.Name, Object: obj, Workload: c.Workload, Catalog: !c.Hidden})
	}
	return out, nil
}
