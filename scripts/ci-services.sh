#!/usr/bin/env bash
# Starts the servers the tests use, on loopback only, when they are not running yet:
#   PostgreSQL 15 (Debian's cluster 15/main) with a login role m4/m4 that may create databases;
#   Redis on 127.0.0.1:6379 without persistence.
# Tests create their own databases / key prefixes and drop them afterwards.
set -euo pipefail
if ! pg_lsclusters -h 2>/dev/null | grep -q '^15 *main'; then
  pg_createcluster 15 main >/dev/null
fi
if ! pg_lsclusters -h | grep -q '^15 *main .* online'; then
  pg_ctlcluster 15 main start -o "-c listen_addresses=127.0.0.1"
fi
for _ in $(seq 1 50); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -c \
  "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'm4') THEN CREATE ROLE m4 LOGIN CREATEDB PASSWORD 'm4'; END IF; END \$\$;"
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
echo "services: PostgreSQL on 127.0.0.1:5432 (role m4), Redis on 127.0.0.1:6379"
