package servers

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-service-portal/function-golden-path/internal/goldenpath/valkey"
)

// member is one pod of a Valkey with replicas, on a plain host: its own loopback address
// (127.0.0.1, .2, .3), so that every member serves the ports the pods serve, and its own
// directories for what the pod mounts.
type member struct {
	ip                string
	config, run, data string
	server, sentinel  *exec.Cmd
}

// TestValkeyStartScripts runs the start scripts of the StatefulSet the function composes for
// example/valkey/xr.yaml, as the pods run them (sh -c), on Redis 7.0: three members find their
// primary (the first, on the set's first start), their Sentinels monitor it, the Sentinels
// elect a new primary when it fails, and the old primary, restarted, follows the new one.
//
// What differs from a pod, and only that: each member's address is a loopback address instead
// of a DNS name (MEMBERS, ME); /etc/valkey, /run/valkey and /data are directories of the test
// (in the scripts, and in the dir lines of valkey.conf and sentinel.conf: plainHost);
// valkey.conf binds the member's address and sentinel.conf gets a bind line too (in a pod
// each has its own network); valkey-server and valkey-cli are Redis's redis-server and
// redis-cli.
func TestValkeyStartScripts(t *testing.T) {
	redisServer := server(t, "redis-server")
	redisCLI := server(t, "redis-cli")
	for _, p := range []string{"127.0.0.1:6379", "127.0.0.2:6379", "127.0.0.3:6379", "127.0.0.1:26379"} {
		if answers(t, p) == nil {
			t.Skipf("%s is in use: the start scripts serve the pods' fixed ports", p)
		}
	}
	c := compose(t, "valkey/xr.yaml")
	password := c.value(t, valkey.CredentialsName, valkey.KeyPassword)
	scripts := startScripts(t, c)

	bin := t.TempDir()
	for name, target := range map[string]string{"valkey-server": redisServer, "valkey-cli": redisCLI} {
		if err := os.Symlink(target, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	members := make([]*member, 3)
	ips := make([]string, len(members))
	for i := range members {
		root := t.TempDir()
		members[i] = &member{ip: fmt.Sprintf("127.0.0.%d", i+1), config: filepath.Join(root, "etc"), run: filepath.Join(root, "run"), data: filepath.Join(root, "data")}
		ips[i] = members[i].ip
		m := members[i]
		for _, d := range []string{m.config, m.run, m.data} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		files := map[string]string{
			valkey.KeyValkeyConf:          plainHost(c.value(t, valkey.ConfigName, valkey.KeyValkeyConf), m.data, 6379),
			valkey.KeySentinelConf:        plainHost(c.value(t, valkey.ConfigName, valkey.KeySentinelConf), m.run, 26379) + "bind " + m.ip + "\n",
			valkey.KeySentinelPrimaryConf: c.value(t, valkey.ConfigName, valkey.KeySentinelPrimaryConf),
		}
		files[valkey.KeyValkeyConf] = strings.Replace(files[valkey.KeyValkeyConf], "bind 127.0.0.1", "bind "+m.ip, 1)
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(m.config, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	env := func(m *member) []string {
		return []string{"PATH=" + bin + ":/usr/bin:/bin", "REDISCLI_AUTH=" + password, "MEMBERS=" + strings.Join(ips, " "), "ME=" + m.ip, "QUORUM=2"}
	}
	run := func(m *member, container string) *exec.Cmd {
		s := strings.NewReplacer("/etc/valkey", m.config, "/run/valkey", m.run).Replace(scripts[container])
		cmd := exec.CommandContext(t.Context(), "sh", "-c", s)
		cmd.Env = env(m)
		log, err := os.Create(filepath.Join(m.run, container+".log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			if t.Failed() {
				b, _ := os.ReadFile(log.Name())
				t.Logf("%s %s:\n%s", m.ip, container, b)
			}
		})
		return cmd
	}
	start := func(m *member) {
		m.server, m.sentinel = run(m, "valkey"), run(m, "sentinel")
	}
	for _, m := range members {
		start(m)
	}

	cli := func(m *member, port int) *resp { return authedAt(t, m.ip, port, password) }
	waitFor(t, "members 1 and 2 to replicate member 0", func() error {
		for _, m := range members[1:] {
			if info := cli(m, 6379).str(t, "INFO", "replication"); !strings.Contains(info, "master_host:127.0.0.1\r\n") || !strings.Contains(info, "master_link_status:up") {
				return fmt.Errorf("%s INFO replication:\n%s", m.ip, info)
			}
		}
		return nil
	})
	if got := cli(members[0], 6379).str(t, "SET", "before-failover", "kept"); got != "OK" {
		t.Fatalf("SET on the primary: %q", got)
	}
	waitFor(t, "every Sentinel to monitor member 0 with 2 replicas and 2 other Sentinels", func() error {
		for _, m := range members {
			info := pairs(cli(m, 26379).list(t, "SENTINEL", "master", "primary"))
			if info["ip"] != "127.0.0.1" || info["num-slaves"] != "2" || info["num-other-sentinels"] != "2" || info["quorum"] != "2" {
				return fmt.Errorf("%s SENTINEL master primary: %v", m.ip, info)
			}
		}
		return nil
	})

	// The primary's pod dies: its server and its Sentinel.
	for _, p := range []*exec.Cmd{members[0].server, members[0].sentinel} {
		_ = p.Process.Kill()
		_ = p.Wait()
	}
	var elected string
	waitFor30 := func(what string, check func() error) {
		t.Helper()
		deadline := time.Now().Add(45 * time.Second)
		for err := check(); err != nil; err = check() {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor30("the Sentinels to elect member 1 or 2", func() error {
		addr := cli(members[1], 26379).list(t, "SENTINEL", "get-master-addr-by-name", "primary")
		if len(addr) != 2 || !slices.Contains(ips[1:], addr[0]) {
			return fmt.Errorf("SENTINEL get-master-addr-by-name primary: %v", addr)
		}
		elected = addr[0]
		return nil
	})
	i := slices.Index(ips, elected)
	if got := cli(members[i], 6379).str(t, "GET", "before-failover"); got != "kept" {
		t.Errorf("GET on the new primary: %q, want the key written before the failover", got)
	}

	// The pod comes back: its start scripts ask the Sentinels, and it follows the new primary.
	start(members[0])
	waitFor30("member 0 to follow "+elected, func() error {
		info := cli(members[0], 6379).str(t, "INFO", "replication")
		if !strings.Contains(info, "role:slave") || !strings.Contains(info, "master_host:"+elected+"\r\n") || !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("INFO replication:\n%s", info)
		}
		return nil
	})
	if got := cli(members[0], 26379).list(t, "SENTINEL", "get-master-addr-by-name", "primary"); len(got) != 2 || got[0] != elected {
		t.Errorf("member 0's Sentinel monitors %v, want %s", got, elected)
	}
}

// startScripts are the containers' start scripts (sh -c) of the composed StatefulSet.
func startScripts(t *testing.T, c composed) map[string]string {
	t.Helper()
	spec, _ := c[valkey.StatefulSetName]["spec"].(map[string]any)
	tmpl, _ := spec["template"].(map[string]any)
	pod, _ := tmpl["spec"].(map[string]any)
	containers, _ := pod["containers"].([]any)
	out := map[string]string{}
	for _, x := range containers {
		ct, _ := x.(map[string]any)
		cmd, _ := ct["command"].([]any)
		if len(cmd) != 3 || cmd[0] != "sh" || cmd[1] != "-c" {
			t.Fatalf("container %v: command %v, want sh -c SCRIPT", ct["name"], cmd)
		}
		name, _ := ct["name"].(string)
		out[name], _ = cmd[2].(string)
	}
	if out["valkey"] == "" || out["sentinel"] == "" {
		t.Fatalf("want the valkey and sentinel containers' scripts, got %v", out)
	}
	return out
}
