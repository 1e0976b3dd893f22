#!/usr/bin/env bash
# Validates docker-compose.yml without a Docker engine, with `docker compose config`
# (Compose v2) or `docker-compose config` (Debian's 1.29, installed with apt-get when neither
# is there), against .env.example:
#   - the file validates with .env.example's values (its empty secrets filled with dummies);
#   - every ${VARIABLE} the file uses is listed in .env.example;
#   - every value .env.example leaves empty (a secret the operator must make) is required by
#     the file (${VARIABLE:?...}), except the optional ones listed below;
#   - every required variable really is required: left empty, the file does not validate,
#     and the message names it.
# Nothing is started. The caller's environment is not used (a real secret there cannot
# make the check pass).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
file=docker-compose.yml
example=.env.example

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

# Names in .env.example, and those whose value is left empty (secrets the operator fills in).
listed=$(sed -n 's/^\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$example" | sort -u)
empty=$(sed -n 's/^\([A-Z][A-Z0-9_]*\)=$/\1/p' "$example")
# shellcheck disable=SC2016 # the patterns match a literal ${
used=$(grep -o '\${[A-Z][A-Z0-9_]*' "$file" | cut -c3- | sort -u)
# shellcheck disable=SC2016
required=$(grep -o '\${[A-Z][A-Z0-9_]*:?' "$file" | cut -c3- | sed 's/:?$//' | sort -u)

missing=$(comm -23 <(echo "$used") <(echo "$listed"))
if [ -n "$missing" ]; then
  echo "$file uses variables that $example does not list:" >&2
  while IFS= read -r name; do echo "  $name" >&2; done <<<"$missing"
  exit 1
fi

# Empty in .env.example but optional: the app runs without them.
optional="REVIEWER_JWKS_URL REVIEWER_JWT_ISSUER REVIEWER_JWT_AUDIENCE PREVIOUS_DOCUMENT_KEYS WEBHOOK_URL WEBHOOK_SECRET SMTP_URL"
unrequired=$(comm -23 <(tr ' ' '\n' <<<"$empty" | sort -u) <(tr ' ' '\n' <<<"$required $optional" | sort -u))
if [ -n "$unrequired" ]; then
  echo "$example leaves these empty, but $file does not require them (\${NAME:?...}):" >&2
  while IFS= read -r name; do echo "  $name" >&2; done <<<"$unrequired"
  exit 1
fi

# A clean environment: .env.example's values, plus dummies for the empty ones.
dummies=()
for name in $empty; do dummies+=("$name=check-dummy-$name"); done
run_config() {
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$@" "${compose[@]}" --env-file "$example" -f "$file" config -q
}

run_config "${dummies[@]}"

for name in $required; do
  others=()
  for pair in "${dummies[@]}"; do [ "${pair%%=*}" = "$name" ] || others+=("$pair"); done
  if out=$(run_config "${others[@]}" "$name=" 2>&1); then
    echo "$file validates with $name empty, but it is required" >&2
    exit 1
  fi
  if ! grep -q "$name" <<<"$out"; then
    echo "$file: with $name empty it fails, but not naming $name:" >&2
    echo "$out" >&2
    exit 1
  fi
done

echo "$file: valid ($(wc -w <<<"$required") required variables, $(wc -w <<<"$used") in all, listed in $example)"
