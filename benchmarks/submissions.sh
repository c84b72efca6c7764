#!/usr/bin/env bash
# Result submissions through the HTTP API on PostgreSQL at 50 concurrent clients (docs/benchmarks.md, "Result submissions").
# Usage: benchmarks/submissions.sh [inspections]   (default 20000; needs the PostgreSQL server binaries, as the tests do)
set -euo pipefail
cd "$(dirname "$0")/.."
export SUPERVISION_SUBMIT_BENCH="${1:-20000}"
# Durable commits (fsync and synchronous_commit on, as in production): an answer means the result is on disk.
export SUPERVISION_PG_DURABLE="${SUPERVISION_PG_DURABLE:-1}"
dotnet build tests/Supervision.IntegrationTests -c Release -p:LoadTests=true -v q -nologo
dotnet test tests/Supervision.IntegrationTests -c Release --no-build \
  --filter "FullyQualifiedName~Benchmark_result_submissions_at_50_concurrent_clients" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "prepared|submissions:|Passed|Failed" 
