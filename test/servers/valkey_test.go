package servers

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/valkey"
)

// notInRedis70 are directives of the valkey.conf the function composes that Redis 7.0
// (Debian's, which these tests run) does not know, with why they are there; they are left out
// of the test's configuration, and only of it. None today: every directive the function
// composes is one Redis 7.0 knows too. A Valkey-only directive (e.g. availability-zone of
// Valkey 8.0) composed later must be listed here, or the server refuses to start and the
// test fails.
//
//nolint:gochecknoglobals // A named list, read only.
var notInRedis70 = map[string]string{}

// plainHost rewrites what must differ between a pod and a plain host, and nothing else:
// the data directory (the pod's volume is /data; here a temporary directory), the port (a
// free one, so that tests run side by side) and bind (the pod listens on every interface;
// here on loopback only).
func plainHost(conf, dir string, port int) string {
	var out []string
	for line := range strings.SplitSeq(strings.TrimSpace(conf), "\n") {
		key, _, _ := strings.Cut(line, " ")
		switch _, valkeyOnly := notInRedis70[key]; {
		case valkeyOnly:
			continue
		case key == "dir":
			line = "dir " + dir
		case key == "port":
			line = "port " + strconv.Itoa(port)
		case key == "bind":
			line = "bind 127.0.0.1"
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}

// directives are the key and value of each directive of a configuration, as CONFIG GET
// answers them (quotes removed).
func directives(conf string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(conf, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, " ")
		out[key] = strings.Trim(value, `"`)
	}
	return out
}

// startServer writes a configuration into dir and starts redis-server (or, with sentinel,
// redis-sentinel) with it, stopped at the end of the test.
func startServer(t *testing.T, bin, dir, conf string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "server.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), bin, path)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("%s log:\n%s", bin, b)
		}
	})
}

// authed connects to a server on loopback and authenticates with the password, once the
// server answers.
func authed(t *testing.T, port int, password string) *resp {
	t.Helper()
	return authedAt(t, "127.0.0.1", port, password)
}

// authedAt is authed on another loopback address.
func authedAt(t *testing.T, ip string, port int, password string) *resp {
	t.Helper()
	addr := net.JoinHostPort(ip, strconv.Itoa(port))
	waitFor(t, "a server on "+addr, func() error { return answers(t, addr) })
	c := dialAt(t, ip, port)
	if got := c.str(t, "AUTH", password); got != "OK" {
		t.Fatalf("AUTH: %q", got)
	}
	return c
}

// serverConf is the valkey.conf the function composes, on a plain host, with what the start
// script adds (the password; on a replica, the address it announces and its primary).
func serverConf(conf, dir string, port int, password string, primary int) string {
	out := plainHost(conf, dir, port) + fmt.Sprintf("requirepass %s\nmasterauth %s\n", password, password)
	if primary != 0 {
		out += fmt.Sprintf("replica-announce-ip 127.0.0.1\nreplicaof 127.0.0.1 %d\n", primary)
	}
	return out
}

// checkConfig checks that every directive of the composed configuration is in force, as
// CONFIG GET reports it: maxmemory, maxmemory-policy, appendonly, save and the rest.
func checkConfig(t *testing.T, c *resp, conf string, port int) {
	t.Helper()
	for key, want := range directives(plainHost(conf, "", port)) {
		if key == "dir" {
			continue // the temporary directory
		}
		got := c.list(t, "CONFIG", "GET", key)
		if len(got) != 2 || got[1] != want {
			t.Errorf("CONFIG GET %s: want %q (as composed), got %q", key, want, got)
		}
	}
}

// TestValkeyStandalone runs the valkey.conf the function composes for
// example/valkey/xr-standalone.yaml (RDB, allkeys-lru, medium) on Redis 7.0: it starts, asks
// for the generated password, and runs with the composed memory limit, policy and snapshots.
func TestValkeyStandalone(t *testing.T) {
	bin := server(t, "redis-server")
	c := compose(t, "valkey/xr-standalone.yaml")
	conf := c.value(t, valkey.ConfigName, valkey.KeyValkeyConf)
	password := c.value(t, valkey.CredentialsName, valkey.KeyPassword)
	if _, ok := c[valkey.SentinelServiceName]; ok {
		t.Fatal("a standalone server composes no Sentinel Service")
	}
	for _, want := range []string{"maxmemory 3221225472", "maxmemory-policy allkeys-lru", "appendonly no", "save 3600 1 300 100 60 10000"} {
		if !slices.Contains(strings.Split(conf, "\n"), want) {
			t.Errorf("valkey.conf: want %q (75%% of the medium preset's 4 GiB, RDB), in:\n%s", want, conf)
		}
	}

	port := freePort(t)
	startServer(t, bin, filepath.Join(t.TempDir(), "standalone"), serverConf(conf, t.TempDir(), port, password, 0))
	authed(t, port, password) // waits for the server

	anon := dial(t, port)
	if _, err := anon.do("PING"); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Errorf("PING without AUTH: want NOAUTH, got %v", err)
	}
	if _, err := anon.do("AUTH", "not-the-password"); err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
		t.Errorf("AUTH with a wrong password: want WRONGPASS, got %v", err)
	}
	if got := anon.str(t, "AUTH", password); got != "OK" {
		t.Errorf("AUTH with the generated password: %q", got)
	}
	if got := anon.str(t, "PING"); got != "PONG" {
		t.Errorf("PING: %q", got)
	}
	checkConfig(t, anon, conf, port)
}

// TestValkeyReplicated runs what the function composes for example/valkey/xr.yaml (AOF, a
// primary with replicas and Sentinel) on Redis 7.0 and its Sentinel: a primary, a replica
// that follows it as the start script makes it, and a Sentinel with the composed
// sentinel.conf and sentinel-primary.conf monitoring the primary.
func TestValkeyReplicated(t *testing.T) {
	bin := server(t, "redis-server")
	sentinelBin := server(t, "redis-sentinel")
	c := compose(t, "valkey/xr.yaml")
	conf := c.value(t, valkey.ConfigName, valkey.KeyValkeyConf)
	password := c.value(t, valkey.CredentialsName, valkey.KeyPassword)
	if got := c.value(t, valkey.CredentialsName, valkey.KeyMasterName); got == "" {
		t.Fatal("no masterName in the credentials")
	}
	masterName := c.value(t, valkey.CredentialsName, valkey.KeyMasterName)

	primaryPort, replicaPort, sentinelPort := freePort(t), freePort(t), freePort(t)
	startServer(t, bin, filepath.Join(t.TempDir(), "primary"), serverConf(conf, t.TempDir(), primaryPort, password, 0))
	startServer(t, bin, filepath.Join(t.TempDir(), "replica"), serverConf(conf, t.TempDir(), replicaPort, password, primaryPort))
	primary, replica := authed(t, primaryPort, password), authed(t, replicaPort, password)
	checkConfig(t, primary, conf, primaryPort)
	if got := primary.list(t, "CONFIG", "GET", "appendonly"); got[1] != "yes" {
		t.Errorf("appendonly: want yes (AOF), got %v", got)
	}

	t.Run("ReplicaFollowsThePrimary", func(t *testing.T) {
		waitFor(t, "the replica's link to the primary", func() error {
			info := replica.str(t, "INFO", "replication")
			if !strings.Contains(info, "master_link_status:up") {
				return fmt.Errorf("INFO replication:\n%s", info)
			}
			return nil
		})
		if got := primary.str(t, "SET", "golden-path", "replicated"); got != "OK" {
			t.Fatalf("SET on the primary: %q", got)
		}
		waitFor(t, "the key on the replica", func() error {
			if got := replica.str(t, "GET", "golden-path"); got != "replicated" {
				return fmt.Errorf("GET on the replica: %q", got)
			}
			return nil
		})
		if _, err := replica.do("SET", "x", "y"); err == nil || !strings.HasPrefix(err.Error(), "READONLY") {
			t.Errorf("SET on the replica: want READONLY (replica-read-only yes), got %v", err)
		}
	})

	t.Run("SentinelSeesThePrimary", func(t *testing.T) {
		// What the start script writes: sentinel.conf, the monitor line (quorum 1 here: one
		// Sentinel; the pods' is a majority of the members), sentinel-primary.conf, the
		// password and the address it announces.
		sc := plainHost(c.value(t, valkey.ConfigName, valkey.KeySentinelConf), t.TempDir(), sentinelPort) +
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d 1\n", masterName, primaryPort) +
			c.value(t, valkey.ConfigName, valkey.KeySentinelPrimaryConf) +
			fmt.Sprintf("sentinel auth-pass %s %s\nrequirepass %s\nsentinel sentinel-pass %s\nsentinel announce-ip 127.0.0.1\n", masterName, password, password, password)
		startServer(t, sentinelBin, filepath.Join(t.TempDir(), "sentinel"), sc)
		s := authed(t, sentinelPort, password)
		if got := s.list(t, "SENTINEL", "get-master-addr-by-name", masterName); !slices.Equal(got, []string{"127.0.0.1", strconv.Itoa(primaryPort)}) {
			t.Errorf("SENTINEL get-master-addr-by-name %s: want the primary, got %v", masterName, got)
		}
		waitFor(t, "Sentinel to find the replica", func() error {
			m := pairs(s.list(t, "SENTINEL", "master", masterName))
			if m["flags"] != "master" || m["num-slaves"] != "1" {
				return fmt.Errorf("SENTINEL master %s: flags %q, num-slaves %q", masterName, m["flags"], m["num-slaves"])
			}
			for key, want := range map[string]string{"down-after-milliseconds": "5000", "failover-timeout": "60000", "parallel-syncs": "1", "quorum": "1"} {
				if m[key] != want {
					t.Errorf("SENTINEL master %s: %s %q, want %q (sentinel-primary.conf)", masterName, key, m[key], want)
				}
			}
			return nil
		})
	})
}

// pairs reads a flat list of keys and values.
func pairs(l []string) map[string]string {
	out := map[string]string{}
	for i := 0; i+1 < len(l); i += 2 {
		out[l[i]] = l[i+1]
	}
	return out
}

// TestValkeyPersistenceSwitch shows why the function refuses to switch persistence between
// RDB and AOF on an instance that holds data: a restart with the other configuration, as a
// rollout of the changed ConfigMap would do, loses the data. From RDB to AOF, the server
// starts from an empty append-only file and ignores the snapshot; from AOF to RDB, it loads a
// snapshot AOF never wrote. (Redis 7.0 here; Valkey forked it and starts the same way.)
func TestValkeyPersistenceSwitch(t *testing.T) {
	bin := server(t, "redis-server")
	rdb := compose(t, "valkey/xr-standalone.yaml")
	aof := compose(t, "valkey/xr.yaml")
	confOf := func(c composed) string { return c.value(t, valkey.ConfigName, valkey.KeyValkeyConf) }
	for name, tc := range map[string]struct {
		from, to composed
		kept     bool
	}{
		// The control: the same persistence keeps the data across the restart.
		"RDBToRDB": {from: rdb, to: rdb, kept: true},
		"AOFToAOF": {from: aof, to: aof, kept: true},
		"RDBToAOF": {from: rdb, to: aof},
		"AOFToRDB": {from: aof, to: rdb},
	} {
		t.Run(name, func(t *testing.T) {
			password := tc.from.value(t, valkey.CredentialsName, valkey.KeyPassword)
			data := t.TempDir()
			port := freePort(t)
			startServer(t, bin, filepath.Join(t.TempDir(), "before"), serverConf(confOf(tc.from), data, port, password, 0))
			c := authed(t, port, password)
			if got := c.str(t, "SET", "kept", "yes"); got != "OK" {
				t.Fatalf("SET: %q", got)
			}
			// SHUTDOWN as SIGTERM does: a snapshot when save points are configured, the
			// append-only file flushed when it is on.
			if _, err := c.do("SHUTDOWN"); err == nil {
				t.Fatal("SHUTDOWN answered: the server did not stop")
			}
			// Wait for the first server to be gone, so that the port is the second's.
			waitFor(t, "the first server to stop", func() error {
				if answers(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))) == nil {
					return fmt.Errorf("port %d still answers", port)
				}
				return nil
			})
			startServer(t, bin, filepath.Join(t.TempDir(), "after"), serverConf(confOf(tc.to), data, port, password, 0))
			got := authed(t, port, password).str(t, "GET", "kept")
			switch {
			case tc.kept && got != "yes":
				t.Errorf("GET after a restart with the same persistence: got %q, want yes", got)
			case !tc.kept && got != "":
				t.Errorf("GET after a restart with the other persistence: got %q; the data survived, so the function's PersistenceChangeRefused may be relaxed", got)
			}
		})
	}
}
