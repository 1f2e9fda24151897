# Sourced by .ci/run: a real PostgreSQL server on 127.0.0.1 for the tests that run Dagster
# on PostgreSQL storage (tests/integration/test_service.py). Installs Debian's
# postgresql if it is missing, starts its cluster, creates a role that may create the
# tests' databases, and exports BOLIGSOCIAL_TEST_PG_URL.
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql (apt-get) for the service test"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
PG_VERSION=$(ls /usr/lib/postgresql | sort -V | tail -1)
pg_lsclusters -h | awk '{print $1, $2}' | grep -q "^$PG_VERSION main$" || $SUDO pg_createcluster "$PG_VERSION" main >/dev/null
pg_lsclusters -h | grep "^$PG_VERSION *main" | grep -q online || $SUDO pg_ctlcluster "$PG_VERSION" main start
for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 && break; sleep 0.5; done
pg_isready -h 127.0.0.1
as_postgres psql -q -tAc "select 1 from pg_roles where rolname = 'boligsocial_ci'" | grep -q 1 \
  || as_postgres psql -q -c "create role boligsocial_ci login password 'boligsocial_ci' createdb"
export BOLIGSOCIAL_TEST_PG_URL="postgresql://boligsocial_ci:boligsocial_ci@127.0.0.1:5432/postgres"
echo "PostgreSQL $PG_VERSION on 127.0.0.1:5432 for the tests (BOLIGSOCIAL_TEST_PG_URL)"
