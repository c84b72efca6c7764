#!/usr/bin/env bash
# The public search on PostgreSQL at 50 concurrent anonymous clients over loopback (docs/benchmarks.md, "Public search").
# Usage: benchmarks/public-search.sh [published results] [seconds per query kind]   (default 1000000 and 20; needs the
# PostgreSQL server binaries, as the tests do, and wrk). Seeds the read model by SQL, then searches by credit code and by part of
# a name: over HTTP with wrk, then through the store alone; then streams the largest bulk file twice, sampling the API's memory.
set -euo pipefail
cd "$(dirname "$0")/.."
# The 50 clients are wrk (benchmarks/wrk/*.lua): a load generator in C takes little of the two cores being measured.
command -v wrk >/dev/null || { echo "public-search.sh needs wrk on the PATH (Debian: apt-get install -y wrk)" >&2; exit 1; }
export SUPERVISION_SEARCH_BENCH="${1:-1000000}"
export SUPERVISION_SEARCH_BENCH_SECONDS="${2:-20}"
dotnet build tests/Supervision.IntegrationTests -c Release -p:LoadTests=true -v q -nologo
timeout 1500 dotnet test tests/Supervision.IntegrationTests -c Release --no-build \
  --filter "FullyQualifiedName~Benchmark_public_search_at_50_concurrent_clients" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "prepared|search by|bulk download|Passed|Failed"
