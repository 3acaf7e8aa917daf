package postgresql

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/open-service-portal/function-golden-path/internal/stateful"
)

// Where the configuration is mounted, and the data directory: a directory below the volume's
// root, which may hold lost+found.
const (
	configDir  = "/etc/postgresql"
	initdbDir  = "/docker-entrypoint-initdb.d"
	dataMount  = "/var/lib/postgresql/data"
	dataDir    = dataMount + "/pgdata"
	socketDir  = "/var/run/postgresql"
	configFile = configDir + "/" + KeyPostgresqlConf
)

// Keys of the ConfigMap: the configuration, and the scripts the members, their init container
// and the setup Job run.
const (
	KeyPostgresqlConf = "postgresql.conf"
	KeyHBAConf        = "pg_hba.conf"
	KeySetupSQL       = "setup.sql"
	KeyInitdb         = "initdb.sh"
	KeyGuard          = "guard.sh"
	KeyStart          = "start.sh"
	KeyStandbyInit    = "standby-init.sh"
	KeySetupJob       = "setup.sh"
)

// hbaConf lets in passwords only (SCRAM), over TCP from anywhere the NetworkPolicy lets in;
// the server's own user on the local socket authenticates as itself (the image's entrypoint
// and init scripts). Replication connections are the replication role's only.
//
//nolint:dupword // Columns: "all all" is every database and every user.
const hbaConf = `# Composed by function-golden-path.
# TYPE  DATABASE     USER        ADDRESS     METHOD
local   all          postgres                peer
local   all          all                     scram-sha-256
host    all          all         0.0.0.0/0   scram-sha-256
host    all          all         ::/0        scram-sha-256
host    replication  replicator  0.0.0.0/0   scram-sha-256
host    replication  replicator  ::/0        scram-sha-256
`

// setupSQL creates, or brings to what the Secrets say, the application's role and database,
// the replication role and the standbys' replication slots. Every statement is idempotent: it
// runs at the first start (initdb.sh) and again from the setup Job whenever the member count
// changes. Values come from the environment through psql's backquotes, never from the command
// line, and reach SQL quoted by format(%I, %L).
const setupSQL = `\set ON_ERROR_STOP on
\set app_user ` + "`printf '%s' \"$APP_USER\"`" + `
\set app_password ` + "`printf '%s' \"$APP_PASSWORD\"`" + `
\set app_db ` + "`printf '%s' \"$APP_DB\"`" + `
\set replication_password ` + "`printf '%s' \"$REPLICATION_PASSWORD\"`" + `
\set members ` + "`printf '%s' \"${MEMBERS:-0}\"`" + `

SELECT format('CREATE ROLE %I LOGIN', :'app_user')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER PASSWORD %L', :'app_user', :'app_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_user')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'app_db', :'app_user') \gexec

SELECT 'CREATE ROLE replicator WITH REPLICATION LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') \gexec
SELECT format('ALTER ROLE replicator WITH REPLICATION LOGIN PASSWORD %L', :'replication_password') \gexec

-- A slot per standby keeps the WAL it has not received yet (bounded by
-- max_slot_wal_keep_size); the slots of standbys scaled away are dropped.
SELECT pg_create_physical_replication_slot(s.name, true)
  FROM (SELECT 'standby_' || i AS name FROM generate_series(1, :'members'::int - 1) AS i) AS s
 WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = s.name);
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
 WHERE :'members'::int > 0 AND NOT active AND slot_name ~ '^standby_[0-9]+$'
   AND substring(slot_name FROM 9)::int >= :'members'::int;
`

// initdbScript runs setup.sql at the first start, on the primary, while the image's
// entrypoint runs its temporary server on the local socket.
const initdbScript = `# Sourced by the image's entrypoint after initdb, on the primary only.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username postgres --dbname postgres -f ` + configDir + "/" + KeySetupSQL + `
`

// guardScript refuses to start a server on a data directory of another major version: the
// data files would not open, and nothing must try.
//
//nolint:dupword // Shell: nested if … fi.
const guardScript = `# Sourced: fails when $PGDATA holds the data of another PostgreSQL major than $PG_MAJOR.
if [ -s "$PGDATA/PG_VERSION" ]; then
  have=$(cat "$PGDATA/PG_VERSION")
  if [ "$have" != "$PG_MAJOR" ]; then
    echo "FATAL: the data directory $PGDATA belongs to PostgreSQL $have and this is PostgreSQL $PG_MAJOR, which cannot open it." >&2
    echo "Set spec.version back to \"$have\", or upgrade the data with pg_upgrade or a dump and restore (see the README's PostgreSQL section)." >&2
    exit 1
  fi
fi
`

// startScript starts the server through the image's entrypoint, which initialises an empty
// data directory of the primary first.
const startScript = `#!/bin/sh
set -eu
. ` + configDir + "/" + KeyGuard + `
exec docker-entrypoint.sh postgres -c config_file=` + configFile + ` "$@"
`

// standbyInitScript makes a standby (every ordinal but 0) with an empty data directory a copy
// of the primary, with pg_basebackup, and its replication slot. The copy is made next to the
// data directory and moved into place when complete, so that a half copy never starts.
const standbyInitScript = `#!/bin/sh
set -eu
ordinal=${HOSTNAME##*-}
if [ "$ordinal" = 0 ]; then
  exit 0 # The primary: the entrypoint initialises its data directory.
fi
. ` + configDir + "/" + KeyGuard + `
if [ -s "$PGDATA/PG_VERSION" ]; then
  exit 0 # Initialised already: the standby resumes streaming.
fi
slot="standby_${ordinal}"
partial="$PGDATA.partial"
until
  rm -rf "$partial"
  pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U replicator --no-password -D "$partial" -X stream -R -C -S "$slot" --checkpoint=fast ||
    pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U replicator --no-password -D "$partial" -X stream -R -S "$slot" --checkpoint=fast
do
  echo "waiting for the primary $PRIMARY_HOST:$PRIMARY_PORT to take a base backup" >&2
  sleep 5
done
rmdir "$PGDATA" 2>/dev/null || true
mv "$partial" "$PGDATA"
echo "standby $ordinal initialised from $PRIMARY_HOST with slot $slot"
`

// setupJobScript waits for the primary and runs setup.sql on it.
const setupJobScript = `#!/bin/sh
set -eu
until pg_isready -q; do
  echo "waiting for the primary $PGHOST:$PGPORT" >&2
  sleep 5
done
psql -v ON_ERROR_STOP=1 --no-psqlrc -f ` + configDir + "/" + KeySetupSQL + `
echo "roles, database $APP_DB and slots for $MEMBERS members set up"
`

// config is the ConfigMap's data.
func (b build) config() map[string]string {
	return map[string]string{
		KeyPostgresqlConf: b.postgresqlConf(),
		KeyHBAConf:        hbaConf,
		KeySetupSQL:       setupSQL,
		KeyInitdb:         initdbScript,
		KeyGuard:          guardScript,
		KeyStart:          startScript,
		KeyStandbyInit:    standbyInitScript,
		KeySetupJob:       setupJobScript,
	}
}

// postgresqlConf is the server's configuration: what replication, authentication and the
// container need, sized to the preset and the volume, then the team's spec.parameters (the
// last value of a setting in the file is the one in force).
func (b build) postgresqlConf() string {
	var s strings.Builder
	fmt.Fprintf(&s, "# Composed by function-golden-path for %s; spec.parameters are at the end.\n", b.names.Instance)
	settings := [][2]string{
		{"listen_addresses", "'*'"},
		{"port", strconv.Itoa(port)},
		{"hba_file", "'" + configDir + "/" + KeyHBAConf + "'"},
		{"password_encryption", "'scram-sha-256'"},
		{"wal_level", "'replica'"},
		{"max_wal_senders", "10"},
		{"max_replication_slots", "10"},
		{"hot_standby", "on"},
		// A standby gone for good must not fill the primary's volume with WAL for it.
		{"max_slot_wal_keep_size", fmt.Sprintf("'%dMB'", b.StorageGB*1024/4)},
		// WAL between checkpoints: PostgreSQL's 1GB default, less on a small volume.
		{"max_wal_size", fmt.Sprintf("'%dMB'", min(1024, b.StorageGB*1024/4))},
		{paramSharedBuffers, fmt.Sprintf("'%dMB'", b.sharedBuffersMB())},
		{"log_destination", "'stderr'"},
	}
	for _, kv := range settings {
		fmt.Fprintf(&s, "%s = %s\n", kv[0], kv[1])
	}
	for _, name := range slices.Sorted(maps.Keys(b.Parameters)) {
		// Checked against the allow-list: no quote or newline can be in a value.
		fmt.Fprintf(&s, "%s = '%s'\n", name, b.Parameters[name])
	}
	return s.String()
}

// sharedBuffersMB is a quarter of the preset's memory, PostgreSQL's own advice.
func (b build) sharedBuffersMB() int64 {
	const mib = 1 << 20
	if mem, ok := b.Preset.Memory(); ok {
		return max(mem.Value()/mib/4, 32)
	}
	return 128
}

// configMap holds the configuration and the scripts.
func configMap(b build) (runtime.Object, error) {
	return &corev1.ConfigMap{
		ObjectMeta: b.meta(b.names.Config, "config"),
		Data:       b.config(),
	}, nil
}

// configHash changes when the configuration does, so that a change rolls the members.
func (b build) configHash() string { return stateful.ConfigHash(b.config()) }
