package stateful

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Upgrade says which release changes an engine's data files survive.
type Upgrade int

const (
	// UpgradeOneRelease allows an upgrade to the next release only, never a downgrade
	// (MongoDB).
	UpgradeOneRelease Upgrade = iota
	// UpgradeNever allows no release change of a running instance: its data files need a
	// migration (PostgreSQL's pg_upgrade, or a dump and restore).
	UpgradeNever
	// UpgradeForward allows an upgrade to any newer release, never a downgrade: newer
	// releases read every older release's data files (Valkey's RDB and AOF).
	UpgradeForward
)

// An Engine is what differs between stateful data services.
type Engine struct {
	// Name for humans, e.g. MongoDB.
	Name string
	// Image is the image's short name, e.g. mongo, for messages.
	Image string
	// Container is the name of the main container, whose image tells the release.
	Container string
	// DataVolume is the name of the StatefulSet's volume claim template of the data.
	DataVolume string

	// Releases are the supported releases, oldest first, as image tags name them: "7.0"
	// matches mongo:7.0, mongo:7.0.12 and mongo:7.0.12-jammy.
	Releases []string
	// Upgrade says which release changes are allowed.
	Upgrade Upgrade
	// Migration says how to move the data files to another release, for the message that
	// refuses a release change the engine does not allow in place; empty says nothing more.
	Migration string

	// Cluster is what the members form, e.g. "replica set"; Single what one member is, e.g.
	// "standalone server".
	Cluster, Single string
	// Clustered tells from a pod template whether it runs members of a cluster rather than a
	// single server (MongoDB: --replSet). The topology is read from what runs, never from a
	// replica count someone can scale by hand.
	Clustered func(spec *corev1.PodSpec) bool
	// ValidMembers tells whether n members can form a cluster.
	ValidMembers func(n int32) bool
	// Quorum is true when the members elect a primary by majority: a scale-down must keep a
	// majority of the configured members.
	Quorum bool
	// MembersJob is the pipeline-name prefix of the Job that configures the cluster for its
	// member count (the count follows the prefix), empty when no Job does.
	MembersJob string
	// TemplateMembers, when no Job configures the cluster, reads the member count the
	// function composed into a pod template (e.g. the list of members the start scripts get),
	// which a StatefulSet scaled by hand does not change; 0 when it cannot be read. Nil when
	// the template does not tell.
	TemplateMembers func(spec *corev1.PodSpec) int32

	// MinMemory is the least memory the engine runs in.
	MinMemory resource.Quantity
}

// ReleaseOf is the supported release an image runs, or "" when none can be read from it:
// mongo:7.0, mongo:8.0.4 and mongo:7.0@sha256:… name one; mongo@sha256:… and mongo:latest do
// not.
func (e Engine) ReleaseOf(image string) string {
	ref, _, _ := strings.Cut(image, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ""
	}
	tag := ref[i+1:]
	for _, r := range e.Releases {
		if tag == r || strings.HasPrefix(tag, r+".") || strings.HasPrefix(tag, r+"-") {
			return r
		}
	}
	return ""
}

// ReleaseIndex is the position of a release in Releases, -1 when it is not supported.
func (e Engine) ReleaseIndex(release string) int { return slices.Index(e.Releases, release) }

// MainContainer is the engine's main container in a pod spec, nil when there is none.
func (e Engine) MainContainer(spec *corev1.PodSpec) *corev1.Container {
	for i := range spec.Containers {
		if spec.Containers[i].Name == e.Container {
			return &spec.Containers[i]
		}
	}
	return nil
}
