package goldenpath

import (
	"regexp"
	"strings"
)

// Backstage's rules for entity names, namespaces and kinds.
var (
	entityNameRule      = regexp.MustCompile(`^[a-zA-Z0-9]+([-_.][a-zA-Z0-9]+)*$`)
	entityNamespaceRule = regexp.MustCompile(`^[a-z0-9]+(-+[a-z0-9]+)*$`)
	entityKindRule      = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*$`)
)

// maxEntityPart bounds each part of an entity reference, as Backstage does.
const maxEntityPart = 63

// EntityRef is a Backstage entity reference, [kind:][namespace/]name.
type EntityRef struct {
	Kind, Namespace, Name string
}

// ValidEntityName tells whether s is a name Backstage accepts for an entity.
func ValidEntityName(s string) bool { return len(s) <= maxEntityPart && entityNameRule.MatchString(s) }

// ParseEntityRef reads s as [kind:][namespace/]name; an absent kind or namespace is the one
// given. ok is false unless each part present is one Backstage accepts.
func ParseEntityRef(s, kind, namespace string) (EntityRef, bool) {
	ref := EntityRef{Kind: kind, Namespace: namespace, Name: s}
	if k, rest, ok := strings.Cut(ref.Name, ":"); ok {
		if len(k) > maxEntityPart || !entityKindRule.MatchString(k) {
			return ref, false
		}
		ref.Kind, ref.Name = k, rest
	}
	if ns, name, ok := strings.Cut(ref.Name, "/"); ok {
		if len(ns) > maxEntityPart || !entityNamespaceRule.MatchString(ns) {
			return ref, false
		}
		ref.Namespace, ref.Name = ns, name
	}
	return ref, ValidEntityName(ref.Name)
}
