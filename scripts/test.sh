#!/usr/bin/env bash
# Runs every test: unit tests (fast, pure logic) then end-to-end tests (real servers, runc, registry, kubectl).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ ${#files[@]} -eq 0 ]; then echo "no tests found" >&2; exit 1; fi
exec node --test --test-reporter=spec --test-concurrency="${STRATUS_TEST_CONCURRENCY:-2}" "${files[@]}"
