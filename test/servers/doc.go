// Package servers starts the real servers of the data service golden paths (PostgreSQL, and
// Redis 7 for Valkey) as plain processes on loopback, with the configuration, scripts and
// credentials the function composes, and checks that they run as the golden path says.
// Installed from Debian's packages by hack/servers/install.sh; a test skips when a server is
// missing, unless GOLDEN_PATH_REQUIRE_SERVERS=1 (CI) makes that a failure.
package servers
