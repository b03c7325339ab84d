#!/usr/bin/env bash
# run-tests.sh LABEL FILE...: run every test_* function of the given files,
# each in its own bash with a private temp dir and state root and a time
# limit, then print "LABEL: N passed, N failed, N skipped".
set -o pipefail
label=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/../lib.sh
base=${TMPBASE:-/tmp}
pass=0 failed=0 skipped=0
failures=()
for file in "$@"; do
  for fn in $(bash -c 'source "$1"; declare -F' _ "$file" | awk '{print $3}' | grep '^test_'); do
    [ -n "${ONLY:-}" ] && ! [[ $fn =~ $ONLY ]] && continue
    T=$(mktemp -d "$base/t.XXXXXX")
    chmod 755 "$T"
    start=$(date +%s.%N)
    # output to a file, not a pipe: a container a failed test left behind
    # holds the test's stdout and would keep a pipe open until it is deleted
    T=$T STATE=$T/state timeout -k 5 120 bash -c 'source "$1"; source "$2"; cd "$T" && "$3"' _ "$lib" "$file" "$fn" >"$T.out" 2>&1
    rc=$?
    out=$(cat "$T.out")
    rm -f "$T.out"
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    # whatever a failed test left running goes away with its state root
    if [ -d "$T/state" ]; then
      for id in $("$URUN" --root "$T/state" list -q 2>/dev/null); do "$URUN" --root "$T/state" delete -f "$id" >/dev/null 2>&1; done
    fi
    rm -rf "$T" 2>/dev/null
    name="$(basename "$file" .sh)/$fn"
    if [ $rc -eq 0 ]; then
      pass=$((pass + 1))
      echo "ok    $name (${secs}s)"
    elif [ $rc -eq 77 ]; then
      skipped=$((skipped + 1))
      echo "skip  $name: $(printf '%s\n' "$out" | grep -m1 '^SKIP:' | sed 's/^SKIP: //')"
    else
      failed=$((failed + 1))
      failures+=("$name")
      echo "FAIL  $name (exit $rc, ${secs}s)"
      printf '%s\n' "$out" | tail -n 15 | sed 's/^/      | /'
    fi
  done
done
echo "$label: $pass passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
