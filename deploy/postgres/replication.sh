#!/bin/bash
# The primary accepts streaming replication from the compose network (profile "scale"'s
# db-replica); runs once, when the data folder is first created.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
