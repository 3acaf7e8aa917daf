package servers

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/crossplane/function-sdk-go/resource"
	"github.com/crossplane/function-sdk-go/resource/composite"

	"github.com/open-service-portal/function-golden-path/input/v1beta1"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/goldenpathtest"
	"github.com/open-service-portal/function-golden-path/internal/goldenpath/postgresql"
	"github.com/open-service-portal/function-golden-path/internal/registry"
)

const pgBin = "/usr/lib/postgresql/15/bin"

// pgXR is a PostgreSQL 15 primary with a standby, as a team would ask for it.
const pgXR = `
apiVersion: database.platform.io/v1alpha1
kind: PostgreSQL
metadata: {name: postgresql-5c1e9b27, namespace: team-a, uid: 0a1b2c3d}
spec:
  version: "15"
  replicas: 2
  database: orders
  owner: orders
  parameters: {max_connections: "150", statement_timeout: 30s, work_mem: 8MB, max_wal_size: 2GB}
`

// TestPostgreSQL starts Debian's PostgreSQL 15 with what the function composes for version
// "15" (postgresql.conf, pg_hba.conf and the scripts of the ConfigMap, the passwords of the
// Secrets) as a primary and a standby on loopback, and checks that the server runs that
// configuration, lets in the generated superuser and application credentials over TCP only
// with their passwords, that the application owns its database, that the setup runs again
// without changing anything, that the standby streams, and that no server starts on another
// major's data directory.
//
// What differs from a pod, and only that: the ConfigMap's files are in a temporary directory
// rather than /etc/postgresql (the path is substituted in them); the image's entrypoint
// (docker-entrypoint.sh), which runs initdb with POSTGRES_PASSWORD and then initdb.sh under a
// temporary server, is replaced by initdb --pwfile run here, a shim that execs the server, and
// initdb.sh run against the started primary through its socket (PGHOST/PGPORT); the servers
// listen on 127.0.0.1 on free ports with their own socket directory (-c options after the
// composed start.sh's, which pass them on); the standby's primary is 127.0.0.1:<port>, not
// the headless Service's name (PRIMARY_HOST/PRIMARY_PORT, as the init container's env).
func TestPostgreSQL(t *testing.T) {
	server(t, filepath.Join(pgBin, "postgres"))
	config, secrets := composePostgreSQL(t)
	pg := newPGEnv(t, config)
	su, app, repl := secrets["postgresql-superuser"], secrets["postgresql-app"], secrets["postgresql-replication"]

	// The primary: initdb as the entrypoint runs it, then the composed start.sh.
	primary := pg.dir("primary/data")
	pwfile := filepath.Join(pg.base, "pwfile")
	pg.write(pwfile, su["password"]+"\n")
	pg.run(t, nil, filepath.Join(pgBin, "initdb"), "--username=postgres", "--pwfile="+pwfile, "-D", filepath.Join(primary, "pgdata"))
	primaryPort := pg.start(t, "primary", primary)
	// initdb.sh, as the entrypoint sources it after initdb.
	pg.run(t, pg.setupEnv(app, repl, "PGHOST="+pg.sock, "PGPORT="+primaryPort), "sh", pg.config(postgresql.KeyInitdb))

	superuser := func(port, sql string) (string, error) {
		return pg.psql(port, su["username"], su["password"], su["dbname"], sql)
	}
	t.Run("ServerRunsTheComposedConfiguration", func(t *testing.T) {
		for param, want := range map[string]string{"max_connections": "150", "statement_timeout": "30s", "work_mem": "8MB", "max_wal_size": "2GB", "max_slot_wal_keep_size": "2560MB", "password_encryption": "scram-sha-256", "wal_level": "replica", "hba_file": pg.config(postgresql.KeyHBAConf)} {
			if got, err := superuser(primaryPort, "SHOW "+param); err != nil || got != want {
				t.Errorf("SHOW %s: want %q, got %q (%v)", param, want, got, err)
			}
		}
	})
	t.Run("GeneratedCredentialsLetIn", func(t *testing.T) {
		if got, err := superuser(primaryPort, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"); err != nil || got != "t" {
			t.Errorf("superuser %s: want a superuser session, got %q (%v)", su["username"], got, err)
		}
		if got, err := pg.psql(primaryPort, app["username"], app["password"], app["dbname"], "SELECT current_user || '@' || current_database()"); err != nil || got != "orders@orders" {
			t.Errorf("app user: want orders@orders, got %q (%v)", got, err)
		}
		if _, err := pg.psql(primaryPort, app["username"], "not-the-password", app["dbname"], "SELECT 1"); err == nil || !strings.Contains(err.Error(), "password authentication failed") {
			t.Errorf("a wrong password: want password authentication failed, got %v", err)
		}
		if got, err := superuser(primaryPort, "SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'orders'"); err != nil || got != "t" {
			t.Errorf("the app password is stored as a SCRAM verifier: got %q (%v)", got, err)
		}
	})
	t.Run("AppUserOwnsItsDatabase", func(t *testing.T) {
		if got, err := superuser(primaryPort, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'orders'"); err != nil || got != "orders" {
			t.Errorf("owner of orders: want orders, got %q (%v)", got, err)
		}
		if _, err := pg.psql(primaryPort, app["username"], app["password"], app["dbname"], "CREATE TABLE items (id int PRIMARY KEY, name text)"); err != nil {
			t.Errorf("the owner creates a table in its database: %v", err)
		}
		if got, err := superuser(primaryPort, "SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = 'orders'"); err != nil || got != "f" {
			t.Errorf("the app role has no privileges beyond its database: got %q (%v)", got, err)
		}
	})

	// The setup Job's script, with the member count: twice, as a Job retried or the next
	// member count's Job runs it.
	jobEnv := pg.setupEnv(app, repl, "PGHOST=127.0.0.1", "PGPORT="+primaryPort, "PGUSER="+su["username"], "PGPASSWORD="+su["password"], "PGDATABASE=postgres", "MEMBERS=2")
	state := "SELECT string_agg(rolname || ':' || rolcanlogin || rolreplication, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('orders', 'replicator')" +
		" UNION ALL SELECT string_agg(datname || ':' || pg_get_userbyid(datdba), ',' ORDER BY datname) FROM pg_database WHERE datname = 'orders'" +
		" UNION ALL SELECT string_agg(slot_name, ',' ORDER BY slot_name) FROM pg_replication_slots"
	t.Run("SetupIsIdempotent", func(t *testing.T) {
		pg.run(t, jobEnv, "sh", pg.config(postgresql.KeySetupJob))
		first, err := superuser(primaryPort, state)
		if err != nil {
			t.Fatal(err)
		}
		pg.run(t, jobEnv, "sh", pg.config(postgresql.KeySetupJob))
		again, err := superuser(primaryPort, state)
		if err != nil {
			t.Fatal(err)
		}
		want := "orders:truefalse,replicator:truetrue\norders:orders\nstandby_1"
		if first != want || again != want {
			t.Errorf("roles, database and slots after the setup ran once and twice: want\n%s\ngot\n%s\nand\n%s", want, first, again)
		}
		if got, err := pg.psql(primaryPort, app["username"], app["password"], app["dbname"], "SELECT count(*) FROM items"); err != nil || got != "0" {
			t.Errorf("the app's table survives the setup: got %q (%v)", got, err)
		}
	})

	// The standby: the composed init container's script on an empty volume, then start.sh.
	standby := pg.dir("standby/data")
	pg.run(t, []string{"HOSTNAME=postgresql-5c1e9b27-1", "PGDATA=" + filepath.Join(standby, "pgdata"), "PRIMARY_HOST=127.0.0.1", "PRIMARY_PORT=" + primaryPort, "PGPASSWORD=" + repl["password"], "PG_MAJOR=15"},
		"sh", pg.config(postgresql.KeyStandbyInit))
	standbyPort := pg.start(t, "standby", standby)
	t.Run("StandbyStreams", func(t *testing.T) {
		if got, err := superuser(standbyPort, "SELECT pg_is_in_recovery()"); err != nil || got != "t" {
			t.Errorf("standby in recovery: got %q (%v)", got, err)
		}
		waitFor(t, "the primary to stream to the standby on slot standby_1", func() error {
			got, err := superuser(primaryPort, "SELECT s.state || ',' || r.slot_name || ',' || r.active FROM pg_stat_replication s JOIN pg_replication_slots r ON r.active_pid = s.pid")
			if err == nil && got != "streaming,standby_1,true" {
				err = fmt.Errorf("pg_stat_replication and its slot: %q", got)
			}
			return err
		})
		if _, err := pg.psql(primaryPort, app["username"], app["password"], app["dbname"], "INSERT INTO items VALUES (1, 'written on the primary')"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the row to reach the standby", func() error {
			got, err := pg.psql(standbyPort, app["username"], app["password"], app["dbname"], "SELECT name FROM items WHERE id = 1")
			if err == nil && got != "written on the primary" {
				err = fmt.Errorf("got %q", got)
			}
			return err
		})
		if _, err := pg.psql(standbyPort, app["username"], app["password"], app["dbname"], "INSERT INTO items VALUES (2, 'x')"); err == nil || !strings.Contains(err.Error(), "read-only transaction") {
			t.Errorf("a write on the standby: want read-only transaction, got %v", err)
		}
		// The init container on a standby that has its data does nothing.
		pg.run(t, []string{"HOSTNAME=postgresql-5c1e9b27-1", "PGDATA=" + filepath.Join(standby, "pgdata"), "PRIMARY_HOST=127.0.0.1", "PRIMARY_PORT=1", "PG_MAJOR=15"},
			"sh", pg.config(postgresql.KeyStandbyInit))
	})
	t.Run("NoServerStartsOnAnotherMajorsData", func(t *testing.T) {
		old := pg.dir("old/data")
		pg.run(t, nil, "mkdir", filepath.Join(old, "pgdata"))
		pg.write(filepath.Join(old, "pgdata", "PG_VERSION"), "14\n")
		for _, script := range []string{postgresql.KeyStart, postgresql.KeyStandbyInit} {
			out, err := pg.command([]string{"PGDATA=" + filepath.Join(old, "pgdata"), "PG_MAJOR=15", "HOSTNAME=postgresql-5c1e9b27-2"}, "sh", pg.config(script)).CombinedOutput()
			if err == nil || !strings.Contains(string(out), "belongs to PostgreSQL 14 and this is PostgreSQL 15") {
				t.Errorf("%s on a PostgreSQL 14 data directory: want a failure naming both majors, got %v:\n%s", script, err, out)
			}
		}
	})
}

// composePostgreSQL runs the golden path's Compose for pgXR, as the function does once
// Crossplane has answered that no Secret or volume of the instance exists, and returns the
// ConfigMap's data and each Secret's, by pipeline name.
func composePostgreSQL(t *testing.T) (map[string]string, map[string]map[string]string) {
	t.Helper()
	xr := composite.New()
	if err := yaml.Unmarshal([]byte(pgXR), &xr.Object); err != nil {
		t.Fatal(err)
	}
	in := &v1beta1.Input{GoldenPath: postgresql.Name}
	in.Default()
	r := goldenpath.Request{
		XR:       &resource.Composite{Resource: xr},
		Instance: goldenpath.Instance{Name: "postgresql-5c1e9b27", ID: "5c1e9b27"},
		Input:    in,
		Required: map[string][]resource.Required{},
	}
	// The registry registers the kinds golden paths compose, as the function's does.
	bp := registry.All[postgresql.Name].Blueprint
	for key := range bp.Requirements(r) {
		r.Required[key] = nil // Asked for, and none exists.
	}
	c, err := bp.Compose(r)
	if err != nil {
		t.Fatalf("Compose: %v", err)
	}
	config := map[string]string{}
	secrets := map[string]map[string]string{}
	for _, res := range c.Resources {
		u := goldenpathtest.Composed(t, res.Object)
		switch u.GetKind() {
		case "ConfigMap":
			data, _ := u.Object["data"].(map[string]any)
			for k, v := range data {
				config[k], _ = v.(string)
			}
		case "Secret":
			data, _ := u.Object["data"].(map[string]any)
			s := map[string]string{}
			for k, v := range data {
				enc, _ := v.(string)
				dec, err := base64.StdEncoding.DecodeString(enc)
				if err != nil {
					t.Fatal(err)
				}
				s[k] = string(dec)
			}
			secrets[string(res.Name)] = s
		}
	}
	if len(config) == 0 || len(secrets) != 3 {
		t.Fatalf("want a ConfigMap and 3 Secrets, got %d config keys and %d Secrets", len(config), len(secrets))
	}
	return config, secrets
}

// pgEnv is a directory the servers' user owns, with the ConfigMap's files in config/.
type pgEnv struct {
	base, sock string
	cred       *syscall.Credential
	uid, gid   int
}

func newPGEnv(t *testing.T, config map[string]string) *pgEnv {
	t.Helper()
	base := t.TempDir()
	// The servers' user must reach it: t.TempDir's parent is the test's own, 0700.
	if err := os.Chmod(filepath.Dir(base), 0o755); err != nil {
		t.Fatal(err)
	}
	pg := &pgEnv{base: base, uid: os.Getuid(), gid: os.Getgid()}
	if os.Getuid() == 0 {
		// PostgreSQL refuses to run as root: the servers and scripts run as Debian's postgres user.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root and there is no postgres user to run the server as: %v", err)
		}
		pg.uid, _ = strconv.Atoi(u.Uid)
		pg.gid, _ = strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(pg.uid), Gid: uint32(pg.gid)}
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	pg.chown(t, base)
	pg.sock = pg.dir("sock")
	pg.dir("config")
	for k, v := range config {
		// Substituted: the ConfigMap's mount path.
		pg.write(pg.config(k), strings.ReplaceAll(v, "/etc/postgresql/", pg.config("")+"/"))
	}
	// Substituted: the image's entrypoint, once initdb has run, execs the server.
	shim := pg.dir("bin")
	pg.write(filepath.Join(shim, "docker-entrypoint.sh"), "#!/bin/sh\nexec \"$@\"\n")
	if err := os.Chmod(filepath.Join(shim, "docker-entrypoint.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	return pg
}

func (pg *pgEnv) config(key string) string { return filepath.Join(pg.base, "config", key) }

func (pg *pgEnv) chown(t *testing.T, path string) {
	t.Helper()
	if err := os.Chown(path, pg.uid, pg.gid); err != nil {
		t.Fatal(err)
	}
}

// dir makes a directory under base that the servers' user owns, 0700 as PostgreSQL wants.
func (pg *pgEnv) dir(rel string) string {
	p := filepath.Join(pg.base, rel)
	if err := os.MkdirAll(p, 0o700); err != nil {
		panic(err)
	}
	for d := p; d != pg.base; d = filepath.Dir(d) {
		_ = os.Chown(d, pg.uid, pg.gid)
	}
	return p
}

func (pg *pgEnv) write(path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		panic(err)
	}
	_ = os.Chown(path, pg.uid, pg.gid)
}

// command runs a program as the servers' user, with PostgreSQL 15's programs and the
// entrypoint's shim first on the PATH.
func (pg *pgEnv) command(env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...) //nolint:noctx // Servers outlive a test's context; cleanups stop them.
	cmd.Dir = pg.base
	cmd.Env = append([]string{"PATH=" + pgBin + ":" + filepath.Join(pg.base, "bin") + ":/usr/bin:/bin", "HOME=" + pg.base, "LC_ALL=C.UTF-8"}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred, Setpgid: true}
	return cmd
}

func (pg *pgEnv) run(t *testing.T, env []string, name string, args ...string) {
	t.Helper()
	if out, err := pg.command(env, name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// setupEnv is what the StatefulSet's and the Job's containers get from the Secrets for setup.sql.
func (pg *pgEnv) setupEnv(app, repl map[string]string, more ...string) []string {
	return append([]string{"APP_USER=" + app["username"], "APP_PASSWORD=" + app["password"], "APP_DB=" + app["dbname"], "REPLICATION_PASSWORD=" + repl["password"]}, more...)
}

// start runs the composed start.sh on a data volume and waits until the server accepts
// connections; it stops the server (fast shutdown) when the test ends.
func (pg *pgEnv) start(t *testing.T, name, volume string) string {
	t.Helper()
	port := strconv.Itoa(freePort(t))
	logFile, err := os.Create(filepath.Join(pg.base, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := pg.command([]string{"PGDATA=" + filepath.Join(volume, "pgdata"), "PG_MAJOR=15"}, "sh", pg.config(postgresql.KeyStart),
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+port, "-c", "unix_socket_directories="+pg.sock)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-done:
			if err != nil {
				t.Logf("the %s exited: %v", name, err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
		_ = logFile.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := pg.command(nil, "pg_isready", "-q", "-h", "127.0.0.1", "-p", port).Run(); err == nil {
			return port
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the %s exited: %v\n%s", name, err, log)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("the %s did not accept connections in 60s:\n%s", name, log)
		}
	}
}

// psql runs one statement over TCP with password authentication and returns its output.
func (pg *pgEnv) psql(port, username, password, db, sql string) (string, error) {
	cmd := pg.command([]string{"PGPASSWORD=" + password, "PGCONNECT_TIMEOUT=5"}, "psql", "-h", "127.0.0.1", "-p", port, "-U", username, "-d", db,
		"-X", "-w", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("psql as %s: %w: %s", username, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}
