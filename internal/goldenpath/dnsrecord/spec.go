package dnsrecord

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/utils/ptr"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/dnsrecord/v1alpha1"
)

// Record types.
const (
	typeA     = "A"
	typeAAAA  = "AAAA"
	typeCNAME = "CNAME"
	typeTXT   = "TXT"
)

// Bounds of a record, as the XRD declares them.
const (
	maxValues   = 16
	maxTXT      = 255
	minTTL      = 60
	maxTTL      = 86400
	maxNameSize = 253
)

// label is one label of a record's name. Underscores are allowed (_acme-challenge, _dmarc):
// TXT records need them, and DNS itself allows them where host names do not.
var label = regexp.MustCompile(`^[a-z0-9_]([-a-z0-9_]{0,61}[a-z0-9_])?$`)

// record is a validated, defaulted record.
type record struct {
	Type   string
	Name   string
	Values []string
	TTL    int64
}

// String is the record for humans, e.g. "A record app.example.com (TTL 300s): 192.0.2.10".
func (r record) String() string {
	return fmt.Sprintf("%s record %s (TTL %ds): %s", r.Type, r.Name, r.TTL, strings.Join(r.Values, ", "))
}

// resolve defaults and validates a record, returning every problem with its field.
func resolve(s v1alpha1.Spec, in *v1beta1.Input) (record, field.ErrorList) {
	spec := field.NewPath("spec")
	r := record{
		Type:   s.Type,
		Name:   strings.TrimSuffix(strings.ToLower(s.Name), "."),
		Values: s.Values,
		TTL:    ptr.Deref(s.TTL, v1alpha1.DefaultTTL),
	}
	var errs field.ErrorList
	errs = append(errs, validName(spec.Child("name"), r.Name, in.DNS.Zones)...)
	if r.TTL < minTTL || r.TTL > maxTTL {
		errs = append(errs, field.Invalid(spec.Child("ttl"), r.TTL, fmt.Sprintf("must be from %d to %d seconds", minTTL, maxTTL)))
	}
	values := spec.Child("values")
	switch {
	case len(r.Values) == 0:
		errs = append(errs, field.Required(values, "a record needs at least one value"))
	case len(r.Values) > maxValues:
		errs = append(errs, field.TooMany(values, len(r.Values), maxValues))
	case r.Type == typeCNAME && len(r.Values) != 1:
		errs = append(errs, field.Invalid(values, len(r.Values), "a CNAME record has exactly one value"))
	}
	check, ok := valueChecks[r.Type]
	if !ok {
		return r, append(errs, field.NotSupported(spec.Child("type"), r.Type, []string{typeA, typeAAAA, typeCNAME, typeTXT}))
	}
	for i, v := range r.Values[:min(len(r.Values), maxValues)] {
		if slices.Contains(r.Values[:i], v) {
			errs = append(errs, field.Duplicate(values.Index(i), v))
		}
		if msg := check(v); msg != "" {
			errs = append(errs, field.Invalid(values.Index(i), v, msg))
		}
	}
	return r, errs
}

// valueChecks say what is wrong with a value of each record type, or "".
//
//nolint:gochecknoglobals // A table of rules, read only.
var valueChecks = map[string]func(v string) string{
	typeA: func(v string) string {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return "an A record's value must be an IPv4 address such as 192.0.2.10"
		}
		return ""
	},
	typeAAAA: func(v string) string {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
			return "an AAAA record's value must be an IPv6 address such as 2001:db8::10"
		}
		return ""
	},
	typeCNAME: func(v string) string {
		if msgs := validation.IsDNS1123Subdomain(strings.TrimSuffix(v, ".")); len(msgs) > 0 {
			return "a CNAME record's value must be a host name: " + strings.Join(msgs, "; ")
		}
		return ""
	},
	typeTXT: func(v string) string {
		if len(v) > maxTXT {
			return fmt.Sprintf("a TXT string holds at most %d characters", maxTXT)
		}
		for _, c := range v {
			if c < ' ' || c > '~' {
				return "a TXT value must be printable ASCII"
			}
		}
		return ""
	},
}

// validName checks a record's name: a DNS name, optionally a wildcard, within the platform's
// zones when it has any.
func validName(path *field.Path, name string, zones []string) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(path, "the record's fully qualified name, e.g. app.example.com")}
	}
	if len(name) > maxNameSize {
		return field.ErrorList{field.TooLong(path, name, maxNameSize)}
	}
	for i, l := range strings.Split(strings.TrimPrefix(name, "*."), ".") {
		if !label.MatchString(l) {
			return field.ErrorList{field.Invalid(path, name, fmt.Sprintf("label %d (%q) must be 1 to 63 lowercase letters, digits, '-' or '_', starting and ending with a letter or digit", i+1, l))}
		}
	}
	if len(zones) == 0 || slices.ContainsFunc(zones, func(z string) bool { return name == z || strings.HasSuffix(name, "."+z) }) {
		return nil
	}
	return field.ErrorList{field.Invalid(path, name, "must be within one of the platform's DNS zones: "+strings.Join(zones, ", "))}
}
