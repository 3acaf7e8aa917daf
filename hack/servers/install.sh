#!/usr/bin/env bash
# Installs, from Debian's packages, the servers the data services' real-server tests start as
# plain processes on loopback (test/servers): PostgreSQL 15 and Redis 7 with Sentinel (Valkey
# forked Redis 7.2; its protocol and configuration are Redis 7's). Idempotent; needs root.
set -euo pipefail

want=()
ls /usr/lib/postgresql/15/bin/postgres >/dev/null 2>&1 || want+=(postgresql-15)
command -v redis-server >/dev/null || want+=(redis-server)
command -v redis-sentinel >/dev/null || want+=(redis-sentinel)
[ ${#want[@]} -eq 0 ] && exit 0

export DEBIAN_FRONTEND=noninteractive
# The packages' own services are not wanted: the tests start the servers themselves.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}"
