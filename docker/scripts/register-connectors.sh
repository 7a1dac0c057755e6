#!/bin/sh
# Creates or updates every connector in /connectors (one JSON config per file, named after the
# file) on the Connect worker (run by the connect-init service, in the curlimages/curl image).
# PUT /connectors/NAME/config is idempotent: running this again applies edited configs.
set -eu

connect="${CONNECT_URL:-http://connect:8083}"
plugins=$(mktemp)

tries=0
until curl -fsS "$connect/connector-plugins" > "$plugins" 2> /dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "error: the Connect worker at $connect did not answer in 5 minutes" >&2
    exit 1
  fi
  sleep 5
done

failed=0
for file in /connectors/*.json; do
  name=$(basename "$file" .json)
  class=$(sed -n 's/.*"connector.class" *: *"\([^"]*\)".*/\1/p' "$file")
  if ! grep -q "\"$class\"" "$plugins"; then
    echo "error: $name needs $class, which is not installed on the worker (see docker/README.md)" >&2
    failed=1
    continue
  fi
  if curl -fsS -X PUT -H "Content-Type: application/json" --data @"$file" \
      "$connect/connectors/$name/config" > /dev/null; then
    echo "connector $name is configured"
  else
    echo "error: the worker refused the config of $name" >&2
    failed=1
  fi
done
exit "$failed"
