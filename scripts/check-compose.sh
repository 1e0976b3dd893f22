#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine: `docker compose config`
# (Compose v2) or `docker-compose config` (Debian's 1.29, installed with apt-get
# when neither is available). Dummy secrets are used; nothing is started.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
file=docker-compose.yml

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

compose=()
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  echo "installing docker-compose with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! as_root apt-get install -y docker-compose >/dev/null; then
    as_root apt-get update >/dev/null
    as_root apt-get install -y docker-compose >/dev/null
  fi
  compose=(docker-compose)
fi

# Dummy values, only so the required-variable checks (${VAR:?...}) pass.
export SERVICE_API_KEYS=sk_check_dummy
export REVIEWER_JWT_SECRET=check-dummy-reviewer-secret
export DOCUMENT_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
export TOKEN_SECRET=check-dummy-token-secret-of-32-bytes
export PSEUDONYM_SECRET=check-dummy-pseudonym-secret-32-bytes
export AUDIT_SECRET=check-dummy-audit-secret-of-32-characters

"${compose[@]}" -f "$file" config -q

# And the secrets really are required: without them the file must not validate.
for name in SERVICE_API_KEYS REVIEWER_JWT_SECRET DOCUMENT_KEY TOKEN_SECRET PSEUDONYM_SECRET AUDIT_SECRET; do
  if out=$(env -u "$name" "${compose[@]}" -f "$file" config -q 2>&1); then
    echo "$file: validates without $name, which must be required" >&2
    exit 1
  fi
  if ! grep -q "$name" <<<"$out"; then
    echo "$file: without $name it fails, but not with the expected message:" >&2
    echo "$out" >&2
    exit 1
  fi
done

echo "$file: valid"
