package valkey

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Keys of the ConfigMap.
const (
	// KeyValkeyConf is the server's configuration. The start script adds what depends on the
	// pod or on the Secret: the password (requirepass, masterauth), the address it announces
	// and, on a replica, replicaof.
	KeyValkeyConf = "valkey.conf"
	// KeySentinelConf is the Sentinel's own configuration, for a primary with replicas.
	KeySentinelConf = "sentinel.conf"
	// KeySentinelPrimaryConf are the Sentinel's directives for the primary it monitors. The
	// start script writes them after sentinel.conf and the sentinel monitor line (which needs
	// resolve-hostnames before it, and which they need before them), then the password and
	// the address it announces.
	KeySentinelPrimaryConf = "sentinel-primary.conf"
)

// Where the configuration is mounted, and where the start scripts write the one that runs.
const (
	configDir   = "/etc/valkey"
	runDir      = "/run/valkey"
	dataDir     = "/data"
	configMount = "config"
	runMount    = "run"
)

// maxmemoryPercent of the memory limit is left to data: the rest is for Valkey's own buffers
// (clients, replication backlog) and for the copy-on-write pages of the fork that writes a
// snapshot or rewrites the append-only file.
const maxmemoryPercent = 75

// Sentinel's failover timings: a primary silent for 5 s is down; a failover gives up after
// 60 s and may be tried again after twice that.
const (
	downAfterMilliseconds = 5000
	failoverTimeout       = 60000
)

func configMap(b build) (runtime.Object, error) {
	return &corev1.ConfigMap{ObjectMeta: b.meta(b.names.Config, "config"), Data: b.configData()}, nil
}

// configData are the configuration files, by name.
func (b build) configData() map[string]string {
	data := map[string]string{KeyValkeyConf: b.valkeyConf()}
	if b.Replicated() {
		data[KeySentinelConf] = b.sentinelConf()
		data[KeySentinelPrimaryConf] = b.sentinelPrimaryConf()
	}
	return data
}

// valkeyConf is the server's configuration: every directive is one Redis 7.0 knows too, so
// that test/servers runs it as composed.
func (b build) valkeyConf() string {
	lines := make([]string, 0, 16)
	lines = append(lines,
		"# Composed by function-golden-path; the start script adds requirepass, masterauth, the announced address and replicaof.",
		"bind * -::*",
		"port "+strconv.Itoa(port),
		"dir "+dataDir,
		"protected-mode yes",
		"tcp-keepalive 60",
		"maxmemory "+strconv.FormatInt(b.maxmemory(), 10),
		"maxmemory-policy "+b.MaxmemoryPolicy,
	)
	lines = append(lines, persistenceDirectives(b.Persistence)...)
	lines = append(lines,
		// Replicas sync from a stream, not a file on the primary's disk.
		"repl-diskless-sync yes",
		"replica-read-only yes",
	)
	return strings.Join(lines, "\n") + "\n"
}

// persistenceDirectives say how the data survives a restart. A Valkey with persistence None
// keeps its volume, so that persistence can be turned on later without a new StatefulSet.
func persistenceDirectives(mode string) []string {
	switch mode {
	case PersistenceAOF:
		return []string{"appendonly yes", "appendfsync everysec", `save ""`}
	case PersistenceRDB:
		return []string{"appendonly no", "save 3600 1 300 100 60 10000"}
	default:
		return []string{"appendonly no", `save ""`}
	}
}

// sentinelConf is the Sentinel's own configuration.
func (b build) sentinelConf() string {
	lines := []string{
		"# Composed by function-golden-path; the start script adds sentinel monitor, then sentinel-primary.conf, the password and the announced address.",
		"port " + strconv.Itoa(sentinelPort),
		"dir " + runDir,
		// Members are known by their stable DNS names, never by pod IPs that change.
		"sentinel resolve-hostnames yes",
		"sentinel announce-hostnames yes",
	}
	return strings.Join(lines, "\n") + "\n"
}

// sentinelPrimaryConf are the Sentinel's directives for the primary it monitors, named
// masterName.
func (b build) sentinelPrimaryConf() string {
	lines := []string{
		fmt.Sprintf("sentinel down-after-milliseconds %s %d", masterName, downAfterMilliseconds),
		fmt.Sprintf("sentinel failover-timeout %s %d", masterName, failoverTimeout),
		fmt.Sprintf("sentinel parallel-syncs %s 1", masterName),
	}
	return strings.Join(lines, "\n") + "\n"
}

// quorum is how many Sentinels must agree that the primary is down: a majority.
func (b build) quorum() int32 { return b.Replicas/2 + 1 }

// maxmemory is maxmemoryPercent of the preset's memory limit (or request), in bytes.
func (b build) maxmemory() int64 {
	mem, ok := b.Preset.Memory()
	if !ok {
		mem = engine.MinMemory
	}
	return mem.Value() * maxmemoryPercent / 100
}

// configChecksum changes with the ConfigMap's content: on the pod template, it rolls the
// members when their configuration changes (Valkey reads it at start only).
func (b build) configChecksum() string { return stateful.ConfigHash(b.configData()) }
