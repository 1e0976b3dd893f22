#!/bin/bash
# Entry point of the MongoDB replica set members: writes the members' shared key
# (MONGO_REPLICA_SET_KEY, from .env) to a file only mongod can read, as --keyFile requires,
# then hands over to the image's own entry point (which drops to the mongodb user).
set -euo pipefail

: "${MONGO_REPLICA_SET_KEY:?MONGO_REPLICA_SET_KEY is not set}"
install -d -o mongodb -g mongodb -m 0700 /run/mongodb
( umask 077 && printf '%s' "$MONGO_REPLICA_SET_KEY" > /run/mongodb/keyfile )
chown mongodb:mongodb /run/mongodb/keyfile
chmod 0400 /run/mongodb/keyfile
unset MONGO_REPLICA_SET_KEY

exec docker-entrypoint.sh "$@"
