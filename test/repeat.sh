#!/usr/bin/env bash
# make test-repeat N=5 [REF=main]: `make test` N times, each in a fresh clone of REF (default:
# this checkout's HEAD, committed work only) under a temporary directory, one after another.
# Dependencies are installed in each clone as the Makefile does (npm ci, from npm's cache).
# Prints each run's result and time, every failing test by name, and a summary; exits 1 if any
# run failed. Logs stay in the printed directory.
set -uo pipefail
n=${1:-5}
src=$(git rev-parse --show-toplevel)
ref=${2:-$(git -C "$src" rev-parse HEAD)}
commit=$(git -C "$src" rev-parse "$ref") || { echo "test-repeat: no such ref $ref" >&2; exit 2; }
base=$(mktemp -d "${TMPDIR:-/tmp}/mesos-ts-repeat-XXXXXX")
echo "test-repeat: make test $n times on $(git -C "$src" log -1 --format='%h %s' "$commit" | cut -c1-80); logs in $base"
failed=0
times=()
for i in $(seq 1 "$n"); do
  dir="$base/run$i"
  git clone --quiet --no-checkout "$src" "$dir" && git -C "$dir" checkout --quiet --detach "$commit" || { echo "run $i: clone failed" >&2; exit 2; }
  start=$(date +%s)
  (cd "$dir" && make test) > "$base/run$i.log" 2>&1
  status=$?
  secs=$(( $(date +%s) - start ))
  times+=("$secs")
  if [ "$status" -eq 0 ]; then
    echo "run $i: green in ${secs}s ($(grep -E '^Tests:' "$base/run$i.log" | tr -s ' ' | paste -sd ';' -))"
  else
    failed=$((failed + 1))
    echo "run $i: FAILED in ${secs}s (log: $base/run$i.log)"
    grep -E '^(FAIL) ' "$base/run$i.log" | sed 's/^/  /' | sort -u
    grep -E '^  ● ' "$base/run$i.log" | grep -v '● Console' | sed 's/^  ● /    ✕ /' | sort -u
    grep -E '^make: \*\*\*' "$base/run$i.log" | sed 's/^/  /'
  fi
  rm -rf "$dir" # the clone; its log stays
done
echo "test-repeat: $((n - failed)) of $n green; seconds per run: ${times[*]}"
[ "$failed" -eq 0 ]
