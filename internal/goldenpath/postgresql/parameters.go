package postgresql

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
)

// paramSharedBuffers is sized by the golden path unless a team sets it.
const paramSharedBuffers = "shared_buffers"

// identifier is a SQL name that needs no quoting.
var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// A kind of postgresql.conf value, and how it is checked.
type kind int

const (
	kindInteger kind = iota
	kindReal
	kindMemory   // with a unit: kB, MB, GB or TB
	kindDuration // milliseconds, or with a unit: ms, s, min, h or d
	kindBool
	kindEnum
)

// parameter is one setting a team may change, and its bounds: integers as they are, memory
// in kB, durations in ms, reals as they are.
type parameter struct {
	kind     kind
	min, max float64
	values   []string
}

// parameters a team may set in spec.parameters. The rest of postgresql.conf is the golden
// path's: what replication, authentication and the container need.
//
//nolint:gochecknoglobals // A table of data, read only.
var parameters = map[string]parameter{
	"max_connections":                     {kind: kindInteger, min: 10, max: 10000},
	paramSharedBuffers:                    {kind: kindMemory, min: 128, max: 1 << 30},
	"work_mem":                            {kind: kindMemory, min: 64, max: 1 << 30},
	"maintenance_work_mem":                {kind: kindMemory, min: 1024, max: 1 << 30},
	"effective_cache_size":                {kind: kindMemory, min: 8, max: 1 << 34},
	"max_wal_size":                        {kind: kindMemory, min: 2048, max: 1 << 34},
	"min_wal_size":                        {kind: kindMemory, min: 2048, max: 1 << 34},
	"statement_timeout":                   {kind: kindDuration, min: 0, max: 1<<31 - 1},
	"lock_timeout":                        {kind: kindDuration, min: 0, max: 1<<31 - 1},
	"idle_in_transaction_session_timeout": {kind: kindDuration, min: 0, max: 1<<31 - 1},
	"log_min_duration_statement":          {kind: kindDuration, min: -1, max: 1<<31 - 1},
	"log_statement":                       {kind: kindEnum, values: []string{"none", "ddl", "mod", "all"}},
	"log_connections":                     {kind: kindBool},
	"log_disconnections":                  {kind: kindBool},
	"random_page_cost":                    {kind: kindReal, min: 0, max: 1000},
	"effective_io_concurrency":            {kind: kindInteger, min: 0, max: 1000},
	"max_parallel_workers_per_gather":     {kind: kindInteger, min: 0, max: 1024},
	"default_statistics_target":           {kind: kindInteger, min: 1, max: 10000},
}

var (
	integerValue  = regexp.MustCompile(`^-?[0-9]{1,10}$`)
	realValue     = regexp.MustCompile(`^[0-9]{1,6}(\.[0-9]{1,6})?$`)
	memoryValue   = regexp.MustCompile(`^([0-9]{1,12})(kB|MB|GB|TB)$`)
	durationValue = regexp.MustCompile(`^(-1|[0-9]{1,12})(ms|s|min|h|d)?$`)
)

//nolint:gochecknoglobals // Unit tables, read only.
var (
	memoryUnits   = map[string]float64{"kB": 1, "MB": 1 << 10, "GB": 1 << 20, "TB": 1 << 30}
	durationUnits = map[string]float64{"": 1, "ms": 1, "s": 1000, "min": 60000, "h": 3600000, "d": 86400000}
)

// validateParameters checks each of spec.parameters against the allow-list, and what they
// must leave of the preset's memory.
func validateParameters(path *field.Path, ps map[string]string, preset v1beta1.Preset) field.ErrorList {
	var errs field.ErrorList
	for _, name := range slices.Sorted(maps.Keys(ps)) {
		p, ok := parameters[name]
		if !ok {
			errs = append(errs, field.NotSupported(path.Key(name), name, slices.Sorted(maps.Keys(parameters))))
			continue
		}
		if msg := p.check(ps[name]); msg != "" {
			errs = append(errs, field.Invalid(path.Key(name), ps[name], msg))
		}
	}
	if v, ok := ps[paramSharedBuffers]; ok && len(errs) == 0 {
		kb, _ := parameters[paramSharedBuffers].value(v)
		if mem, ok := preset.Memory(); ok && kb*1024 >= float64(mem.Value())*3/4 {
			errs = append(errs, field.Invalid(path.Key(paramSharedBuffers), v, fmt.Sprintf("must leave a quarter of the preset's memory (%s) to connections and the kernel; a quarter of it is usual", mem.String())))
		}
	}
	return errs
}

// check says what is wrong with a value, or "".
func (p parameter) check(v string) string {
	switch p.kind {
	case kindBool:
		if v != "on" && v != "off" {
			return "must be on or off"
		}
		return ""
	case kindEnum:
		if !slices.Contains(p.values, v) {
			return fmt.Sprintf("must be one of %v", p.values)
		}
		return ""
	case kindInteger, kindReal, kindMemory, kindDuration:
	}
	n, ok := p.value(v)
	if !ok {
		return p.format()
	}
	if n < p.min || n > p.max {
		return fmt.Sprintf("%s, from %s to %s", p.format(), p.bound(p.min), p.bound(p.max))
	}
	return ""
}

// value is a value in the parameter's base unit, and whether it can be read.
func (p parameter) value(v string) (float64, bool) {
	switch p.kind {
	case kindInteger:
		if !integerValue.MatchString(v) {
			return 0, false
		}
		n, err := strconv.ParseInt(v, 10, 64)
		return float64(n), err == nil
	case kindReal:
		if !realValue.MatchString(v) {
			return 0, false
		}
		n, err := strconv.ParseFloat(v, 64)
		return n, err == nil
	case kindMemory:
		m := memoryValue.FindStringSubmatch(v)
		if m == nil {
			return 0, false
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		return float64(n) * memoryUnits[m[2]], err == nil
	case kindDuration:
		m := durationValue.FindStringSubmatch(v)
		if m == nil || (m[1] == "-1" && m[2] != "") {
			return 0, false
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		return float64(n) * durationUnits[m[2]], err == nil
	case kindBool, kindEnum:
	}
	return 0, false
}

func (p parameter) format() string {
	switch p.kind {
	case kindMemory:
		return "must be a size with its unit (kB, MB, GB or TB), e.g. 64MB"
	case kindDuration:
		return "must be a duration in milliseconds, or with its unit (ms, s, min, h or d), e.g. 30s"
	case kindReal:
		return "must be a number, e.g. 1.1"
	case kindInteger, kindBool, kindEnum:
	}
	return "must be an integer"
}

func (p parameter) bound(n float64) string {
	switch p.kind {
	case kindMemory:
		return strconv.FormatFloat(n, 'f', -1, 64) + "kB"
	case kindDuration:
		return strconv.FormatFloat(n, 'f', -1, 64) + "ms"
	case kindInteger, kindReal, kindBool, kindEnum:
	}
	return strconv.FormatFloat(n, 'f', -1, 64)
}
