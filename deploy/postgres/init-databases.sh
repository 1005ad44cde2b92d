#!/bin/sh
# PostgreSQL entrypoint init script: one database and one role per service, each role owning
# only its own database (services never read each other's tables). Passwords come from the
# environment: COHORT_DB_PASSWORD_<SERVICE>.
set -eu
for service in enrolment certification notification reporting; do
  upper=$(echo "$service" | tr '[:lower:]' '[:upper:]')
  password=$(printenv "COHORT_DB_PASSWORD_${upper}")
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
       -v role="cohort_${service}" -v password="$password" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"role" OWNER :"role";
REVOKE ALL ON DATABASE :"role" FROM PUBLIC;
SQL
done
