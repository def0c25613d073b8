#!/bin/sh
# `npm test`: the type check and jest, side by side. The type check (tsc, one core, about 40 CPU-seconds) used to
# run first while the second core idled; now jest's two workers and tsc share both cores from the start. Fails if
# either fails; tsc's output is printed after jest's. Arguments go to jest (`npm test -- <paths or options>`).
set -u
out=$(mktemp "${TMPDIR:-/tmp}/spotcheck-typecheck.XXXXXX")
npx tsc --noEmit -p tsconfig.json >"$out" 2>&1 &
tsc_pid=$!
npx jest "$@"
jest_status=$?
wait "$tsc_pid"
tsc_status=$?
if [ "$tsc_status" -ne 0 ]; then
  cat "$out"
  echo "类型检查失败（npm run typecheck），见上方 tsc 的输出" >&2
fi
rm -f "$out"
[ "$tsc_status" -eq 0 ] || exit 1
exit "$jest_status"
