#!/usr/bin/env bash
# The nightly credit recomputation on PostgreSQL over N scored entities (docs/benchmarks.md, "Nightly recomputation on PostgreSQL").
# usage: benchmarks/credit-nightly.sh [ENTITIES]   (default 1000000; 5000000 for the provincial target)
# Starts a throw-away PostgreSQL (as the integration tests do), makes N directory and score rows in SQL, then times
# CreditNightlyJob.RunAsync: keyset batches of 50 000 from credit_scores, the kernel, changed classes written back.
set -euo pipefail
cd "$(dirname "$0")/.."
export SUPERVISION_CREDIT_LOAD="${1:-1000000}"
dotnet test tests/Supervision.IntegrationTests -c Release -p:LoadTests=true \
  --filter "FullyQualifiedName~CreditNightlyLoad" --logger "console;verbosity=detailed" 2>&1 \
  | grep -E "setup:|nightly:|Passed|Failed|Skipped|Error" || true
