#!/usr/bin/env bash
# The public search on PostgreSQL at 50 concurrent anonymous clients over loopback (docs/benchmarks.md, "Public search").
# Usage: benchmarks/public-search.sh [published results] [seconds per query kind]   (default 1000000 and 20; needs the
# PostgreSQL server binaries, as the tests do). Seeds the read model by SQL, then searches by credit code and by part of a name.
set -euo pipefail
cd "$(dirname "$0")/.."
export SUPERVISION_SEARCH_BENCH="${1:-1000000}"
export SUPERVISION_SEARCH_BENCH_SECONDS="${2:-20}"
dotnet build tests/Supervision.IntegrationTests -c Release -p:LoadTests=true -v q -nologo
timeout 1500 dotnet test tests/Supervision.IntegrationTests -c Release --no-build \
  --filter "FullyQualifiedName~Benchmark_public_search_at_50_concurrent_clients" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "prepared|search by|Passed|Failed"
