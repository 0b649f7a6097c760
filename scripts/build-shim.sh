#!/usr/bin/env bash
# Builds the per-container monitor (src/runtime/shim/stratus-shim.c) into dist/runtime-shim/stratus-shim.
# The runtime also builds it on first use when it is missing or older than its source.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p dist/runtime-shim
cc -O2 -Wall -Wextra -o dist/runtime-shim/stratus-shim.tmp src/runtime/shim/stratus-shim.c
mv dist/runtime-shim/stratus-shim.tmp dist/runtime-shim/stratus-shim
