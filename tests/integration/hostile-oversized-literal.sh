#!/bin/bash
# hostile-oversized-literal: a FETCH response announcing a literal of 2^40 bytes is a protocol error
# (a named limit), reported at once: no crash, no attempt to allocate or read it all.
. "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
harness_init
hostile_start oversized-literal
hostile_config "$CONFIG" none
SKUA_TIMEOUT=25
start=$SECONDS
skua_fails "protocol error" list INBOX
skua_fails "protocol error" show INBOX 205
[ $((SECONDS - start)) -lt 25 ] || fail "skua waited for the literal instead of rejecting it"
hostile_check
echo "PASS: $TEST_NAME"
