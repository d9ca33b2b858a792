#!/bin/bash
# hostile-garbage: binary junk with NUL bytes and an endless line without CRLF (at the greeting, and
# after login): a clean error within bounded memory; no junk reaches the terminal.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
maxrss_kb() { # runs skua like skua_run and prints its peak RSS in kB
	"$PYTHON3" - "$SKUA" -F "$CONFIG" "$@" <<'PY'
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}
for variant in greeting after-greeting; do
	hostile_start garbage --variant "$variant"
	hostile_config "$CONFIG" none
	skua_run folders
	clean_error || fail "garbage ($variant): no clean error (exit $RC)"
	assert_contains "$ERR" "protocol error" "garbage ($variant) is a protocol error"
	printf '%s' "$OUT$ERR" >"$T/garbage.out"
	no_terminal_controls "$T/garbage.out"
	rss=$(maxrss_kb folders) || fail "garbage ($variant): skua did not finish"
	[ "$rss" -lt 262144 ] || fail "garbage ($variant): skua used ${rss} kB on an endless line"
	assert_eq 2 "$(hostile_accepted)" "garbage ($variant): both runs reached the server"
	kill "$HOSTILE_PID"
done
hostile_check
echo "PASS: $TEST_NAME"
