package valkey

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/crossplane/function-sdk-go/errors"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// annotationPersistence on the StatefulSet's pod template records the persistence its
// members run with, so that a change is checked against what runs rather than against a
// ConfigMap that may already say something else.
const annotationPersistence = "cache.platform.io/persistence"

// Reasons of refused persistence changes, in the XR's SpecAccepted condition.
const (
	ReasonPersistenceOffRefused    = "PersistenceOffRefused"
	ReasonPersistenceChangeRefused = "PersistenceChangeRefused"
)

var fieldPersistence = field.NewPath("spec", "persistence") //nolint:gochecknoglobals // A constant path.

// settlePersistence keeps the persistence of an instance that holds data. Turning it off
// would lose the data at the next restart. Switching between RDB and AOF by a restart loses
// data too: started with appendonly yes and no append-only file yet, Valkey starts empty and
// ignores the snapshot; started with appendonly no, it loads the last snapshot only. Turning
// persistence on (from None) is safe. What runs is read from the StatefulSet's pod template,
// which anyone may have edited: a value that cannot be read is an error, since no persistence
// is safe to compose over data of unknown kind.
func settlePersistence(p *params, rn *stateful.Running) (*goldenpath.Refusal, error) {
	if rn == nil {
		return nil, nil //nolint:nilnil // Nothing runs: any persistence is fine.
	}
	running := rn.StatefulSet.Spec.Template.GetAnnotations()[annotationPersistence]
	if !slices.Contains(persistenceModes, running) {
		return nil, errors.Errorf("%s: cannot tell which persistence the StatefulSet %s runs with: its pod template's annotation %s is %q, not one of %v; set it back to what its members run (the appendonly and save lines of the ConfigMap's valkey.conf)",
			fieldPersistence, rn.StatefulSet.GetName(), annotationPersistence, goldenpath.Cut(running), persistenceModes)
	}
	asked := p.Persistence
	if asked == running || running == PersistenceNone {
		return nil, nil //nolint:nilnil // Unchanged, or turned on: nothing is lost.
	}
	p.Persistence = running
	if asked == PersistenceNone {
		return &goldenpath.Refusal{Field: fieldPersistence, Reason: ReasonPersistenceOffRefused, Message: fieldPersistence.String() +
			": cannot turn persistence off: the members hold data (" + running + ") that the next restart would lose; it keeps " + running +
			". To run a cache without persistence, create a new instance with persistence None"}, nil
	}
	return &goldenpath.Refusal{Field: fieldPersistence, Reason: ReasonPersistenceChangeRefused, Message: fieldPersistence.String() +
		": cannot change persistence from " + running + " to " + asked + " by a restart: " + switchLoss(running) +
		"; it keeps " + running + ". Create a new instance with " + asked + " and move the data to it"}, nil
}

// switchLoss says what a restart with the other persistence would lose.
func switchLoss(running string) string {
	if running == PersistenceRDB {
		return "Valkey started with appendonly yes and no append-only file yet starts empty and ignores the snapshot"
	}
	return "Valkey started with appendonly no loads the last snapshot only, and AOF composes none"
}
