#!/bin/sh
# Creates (or upgrades) Temporal's two databases on PostgreSQL with temporal-sql-tool, from the schema files the
# official admin-tools image ships. Idempotent: `create` fails harmlessly on an existing database and
# `update-schema` applies only the versions not applied yet, so it also upgrades the schema after a server upgrade.
set -eu
tool() { temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"; }
schema=/etc/temporal/schema/postgresql/v12
until nc -z "$POSTGRES_SEEDS" "${DB_PORT:-5432}"; do echo 'waiting for PostgreSQL'; sleep 1; done
for db in temporal temporal_visibility; do
  tool --db "$db" create || true
done
tool --db temporal setup-schema -v 0.0 || true
tool --db temporal update-schema -d "$schema/temporal/versioned"
tool --db temporal_visibility setup-schema -v 0.0 || true
tool --db temporal_visibility update-schema -d "$schema/visibility/versioned"
echo 'Temporal schema is current'
