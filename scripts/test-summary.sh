#!/usr/bin/env bash
# Sums the counters of every .trx file under $1 and prints the plain line CI reads: "N passed, N failed, N skipped".
# A run that produced no result file is a failure, not "0 passed".
set -euo pipefail
dir=${1:-artifacts/test-results}
shopt -s nullglob globstar
files=("$dir"/**/*.trx)
if [ ${#files[@]} -eq 0 ]; then
  echo "no test results found under $dir"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
passed=0 failed=0 skipped=0
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  p=$(get passed); fl=$(get failed); ne=$(get notExecuted); to=$(get timeout); ab=$(get aborted)
  passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0} + ${to:-0} + ${ab:-0})); skipped=$((skipped + ${ne:-0}))
  printf '%-60s passed %s, failed %s, skipped %s\n' "$(basename "$f")" "${p:-0}" "$((${fl:-0} + ${to:-0} + ${ab:-0}))" "${ne:-0}"
done
echo "$passed passed, $failed failed, $skipped skipped"
