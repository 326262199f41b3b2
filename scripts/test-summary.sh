#!/usr/bin/env bash
# Sums the counters of every .trx file under $1 and prints the plain line CI reads: "N passed, N failed, N skipped".
# A run that produced no result file is a failure, not "0 passed".
# Failed tests are listed again just above that line, with their message, the top of their stack and the tail of
# their output: CI keeps only the end of a run's output, and a failure nobody can read cannot be fixed.
set -euo pipefail
dir=${1:-artifacts/test-results}
shopt -s nullglob globstar
files=("$dir"/**/*.trx)
if [ ${#files[@]} -eq 0 ]; then
  echo "no test results found under $dir"
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# Prints each failed or aborted test of one .trx file: name, message (30 lines), stack (10), output tail (40).
print_failures() {
  awk '
    function unescape(s) {
      gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s)
      gsub(/&#xD;/, "", s); gsub(/&#xA;/, "", s); gsub(/&amp;/, "\\&", s); return s
    }
    function flush_section(   i, from) {
      if (section == "") return
      from = 1
      print "  " (section == "StdOut" ? "output" : section == "StackTrace" ? "stack" : "message") ":"
      if (section == "StdOut" && count > 40) { from = count - 39; print "    ... (" from - 1 " earlier output lines)" }
      for (i = from; i <= count; i++) {
        if (section == "Message" && i > 30) { print "    ..."; break }
        if (section == "StackTrace" && i > 10) { print "    ..."; break }
        print "    " unescape(lines[i])
      }
      section = ""; count = 0
    }
    /<UnitTestResult / {
      failed = ($0 ~ /outcome="(Failed|Timeout|Aborted|Error)"/)
      if (failed) {
        name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name)
        outcome = $0; sub(/.*outcome="/, "", outcome); sub(/".*/, "", outcome)
        print ""; print "=== " toupper(outcome) ": " unescape(name)
      }
    }
    /<RunInfo .*outcome="Error"/ { runerror = 1 }
    runerror && /<Text>/ { print ""; print "=== TEST HOST ERROR" }
    (failed || runerror) {
      line = $0
      if (section == "" && match(line, /<(Message|StackTrace|StdOut|Text)>/)) {
        section = substr(line, RSTART + 1, RLENGTH - 2)
        if (section == "Text") section = "Message"
        line = substr(line, RSTART + RLENGTH); count = 0
      }
      if (section != "") {
        if (match(line, /<\/(Message|StackTrace|StdOut|Text)>/)) {
          if (RSTART > 1) lines[++count] = substr(line, 1, RSTART - 1)
          flush_section()
        } else {
          lines[++count] = line
        }
      }
    }
    /<\/UnitTestResult>/ { failed = 0 }
    /<\/RunInfo>/ { runerror = 0 }
  ' "$1"
}

passed=0 failed=0 skipped=0
summaries=()
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  p=$(get passed); fl=$(get failed); ne=$(get notExecuted); to=$(get timeout); ab=$(get aborted)
  passed=$((passed + ${p:-0})); failed=$((failed + ${fl:-0} + ${to:-0} + ${ab:-0})); skipped=$((skipped + ${ne:-0}))
  print_failures "$f"
  summaries+=("$(printf '%-60s passed %s, failed %s, skipped %s' "$(basename "$f")" "${p:-0}" "$((${fl:-0} + ${to:-0} + ${ab:-0}))" "${ne:-0}")")
done
echo
printf '%s\n' "${summaries[@]}"
echo "$passed passed, $failed failed, $skipped skipped"
