#!/usr/bin/env bash
# Installs (from Debian's packages) and starts a local PostgreSQL for PostgresSinkTest, with the
# test's default login: postgres / postgres on 127.0.0.1:5432. Idempotent; needs root.
#   bash connect/start-postgres.sh
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
# "already running" is fine; pg_isready below is what counts
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
echo "PostgreSQL $version ready at 127.0.0.1:5432 (user postgres, password postgres)"
