#!/usr/bin/env bash
# The whole draw through the HTTP API on PostgreSQL over a synthetic population (docs/benchmarks.md, "Draw through the API").
# usage: benchmarks/draw-api.sh [ENTITIES] [COUNTS]   (default 1000000; 5000000 for the provincial target)
#   COUNTS e.g. "A=5000,B=15000,C=15000,D=15000" (k = 50 000); without it the default ratios A 1% B 2% C 10% D 30%
# Starts a throw-away PostgreSQL (as the integration tests do), generates and imports the entities, then times
# create → publish → freeze → the witnessed seed ceremony → entity draw from an HTTP client, and verifies the downloaded packs.
set -euo pipefail
cd "$(dirname "$0")/.."
export SUPERVISION_DRAW_LOAD="${1:-1000000}"
export SUPERVISION_DRAW_LOAD_COUNTS="${2:-}"
dotnet test tests/Supervision.IntegrationTests -c Release -p:LoadTests=true \
  --filter "FullyQualifiedName~DrawLoad" --logger "console;verbosity=detailed" 2>&1 \
  | grep -E "phases|setup:|population|freeze|whole draw|downloads:|Passed|Failed|Skipped|Error" || true
