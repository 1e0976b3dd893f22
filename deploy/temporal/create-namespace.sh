#!/bin/sh
# One-shot job (temporalio/admin-tools): waits until the Temporal server serves, then creates
# the application's namespace if it does not exist yet. Idempotent.
set -eu

namespace="${TEMPORAL_NAMESPACE:-default}"
address="${TEMPORAL_ADDRESS:?}"

tries=0
until temporal operator cluster health --address "$address" 2>/dev/null | grep -q SERVING; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "Temporal at $address is not serving after 2 minutes" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
else
  temporal operator namespace create --namespace "$namespace" --retention "${TEMPORAL_NAMESPACE_RETENTION:-7d}" --address "$address"
  echo "namespace $namespace created"
fi
