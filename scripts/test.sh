#!/usr/bin/env bash
# Runs every test: unit tests (fast, pure logic) and end-to-end tests (real servers, runc, registry, kubectl).
# Prints node's spec report, then one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no tests found (run npm run setup first)" >&2; exit 1; fi
tap=$(mktemp)
node --test --test-concurrency="${STRATUS_TEST_CONCURRENCY:-2}" \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  "$@" "${files[@]}"
status=$?
passed=$(grep -E '^# pass [0-9]+' "$tap" | tail -1 | awk '{print $3}')
failed=$(grep -E '^# fail [0-9]+' "$tap" | tail -1 | awk '{print $3}')
skipped=$(grep -E '^# skipped [0-9]+' "$tap" | tail -1 | awk '{print $3}')
rm -f "$tap"
echo
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
exit $status
