#!/bin/bash
# A database and a login role per service, each database closed to every other role.
#
# The official postgres image runs this once, on an empty data directory (from
# /docker-entrypoint-initdb.d/, as the postgres user, against its temporary server); the
# deployment checks run it against a throw-away server with PGHOST/PGPORT/PGPASSWORD set.
# Each service's password is read from ${STOREFRONT_SECRETS_DIR:-/run/secrets}/<name>-db-password
# (the compose secrets the postgres container mounts), the file the service itself reads.
#
# STOREFRONT_DATABASES names the services (default: all three, compose's one server); each
# Kubernetes <slice>-db StatefulSet sets just its own (deploy/k8s/base/ has this script's
# copy, written by `cargo xtask render-deploy`). The role is never the superuser: that
# stays POSTGRES_USER, whose password the services never get.
set -euo pipefail

secrets=${STOREFRONT_SECRETS_DIR:-/run/secrets}
# Split on whitespace, without glob expansion.
read -r -a databases <<<"${STOREFRONT_DATABASES:-catalog cart account}"

for name in "${databases[@]}"; do
    if [ "$name" = "$POSTGRES_USER" ]; then
        echo "postgres-init: $name is the superuser (POSTGRES_USER): a service gets a role of its own" >&2
        exit 1
    fi
    file="$secrets/$name-db-password"
    password=$(<"$file")
    # Trailing whitespace (the newline) is not part of it: the servers trim it too.
    password=${password%"${password##*[![:space:]]}"}
    if [ -z "$password" ]; then
        echo "postgres-init: $file is empty" >&2
        exit 1
    fi
    # The password reaches psql as an environment variable and SQL as a psql variable
    # (:'password', quoted by psql), never as shell-built SQL text nor in argv. Safe to
    # run again: an existing role gets the file's password, an existing database is kept.
    STOREFRONT_DB_PASSWORD=$password psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --quiet \
        --username "$POSTGRES_USER" --dbname postgres --set name="$name" <<'SQL'
\getenv password STOREFRONT_DB_PASSWORD
SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') AS role_exists,
       NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') AS database_missing
\gset
\if :role_exists
ALTER ROLE :"name" WITH LOGIN PASSWORD :'password';
\else
CREATE ROLE :"name" WITH LOGIN PASSWORD :'password';
\endif
\if :database_missing
CREATE DATABASE :"name" OWNER :"name";
\endif
-- PUBLIC may connect to any database by default: then every service could open every
-- other's. Only the owner (and the superuser) may now.
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
-- Creating objects in the public schema needs no REVOKE: since PostgreSQL 15 only the
-- database owner (this service's role) may.
SQL
    echo "postgres-init: database $name, owned by role $name"
done

# Nor may a service open the maintenance databases: only the superuser needs them.
psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --quiet \
    --username "$POSTGRES_USER" --dbname postgres <<'SQL'
REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC;
SQL
