# shellcheck shell=bash
# tests/harness/lib.sh: helpers for skua's integration tests. Source it from a bash script:
#
#   . "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/harness/lib.sh"
#   harness_init                  # throwaway $T with HOME/XDG_* inside it, cleanup on EXIT
#   harness_start                 # Dovecot seeded with the demo mail; sources its env (see dovecot.sh)
#   harness_config "$T/config"    # accounts: plain, starttls, imaps, tunnel (the first, plain, is default)
#   skua_ok list INBOX -n 5       # runs $SKUA -F $CONFIG ...; fails the test unless it succeeds
#   assert_eq "$(line 1 "$OUT")" "..."
#   skua_fails "no such folder" list Nope
#
# After each skua_run/skua_ok/skua_fails: $OUT (stdout), $ERR (stderr), $RC (exit status).
# Environment: SKUA (the binary), SKUA_SRCDIR, PYTHON3 (from make check). HARNESS_KEEP=1 keeps $T.
# Every missing dependency is a failure (exit 1) naming the Debian package, never a skip.

set -u

HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SKUA_SRCDIR=${SKUA_SRCDIR:-$(cd "$HARNESS_DIR/../.." && pwd)}
PYTHON3=${PYTHON3:-python3}
HOSTILE=$SKUA_SRCDIR/tests/hostile/hostile-imap.py
SKUA_TIMEOUT=${SKUA_TIMEOUT:-60}
TEST_NAME=$(basename "$0" .sh)
_harness_cleanups=()
_harness_argv=("$@")

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	if [ -n "${OUT+x}" ] && [ -n "${_harness_last:-}" ]; then
		echo "  last command: $_harness_last (exit $RC)" >&2
		echo "  stdout (first 20 lines):" >&2
		printf '%s\n' "$OUT" | head -n 20 | sed 's/^/    | /' >&2
		echo "  stderr:" >&2
		printf '%s\n' "$ERR" | head -n 20 | sed 's/^/    | /' >&2
	fi
	exit 1
}

note() { echo "# $TEST_NAME: $*" >&2; }

require_cmd() { # require_cmd CMD DEBIAN-PACKAGE
	command -v "$1" >/dev/null 2>&1 || fail "$1 not found (install the Debian package $2)"
}

on_exit() { _harness_cleanups+=("$*"); }

# The EXIT trap: the test's background jobs are killed, the on_exit commands run (last first), then every
# process the test started and that is still there (tunnels, gates, Dovecot, tmux servers, skua: reaper.py
# finds them however they detached) gets a few seconds to go; one that stays is named, killed and fails
# the test. Then $T goes. It runs on every exit, a failure midway included.
_harness_cleanup() {
	local rc=$? i pids
	trap '' INT TERM HUP
	pids=$(jobs -p)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null
		# shellcheck disable=SC2086
		wait $pids 2>/dev/null
	fi
	for ((i = ${#_harness_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_harness_cleanups[i]}" >/dev/null 2>&1 || true
	done
	if ! "$PYTHON3" "$HARNESS_DIR/reaper.py" sweep "$TEST_NAME" "${SKUA_HARNESS_REAPER:-$$}" $$; then
		echo "FAIL: $TEST_NAME: it left processes behind (see above)" >&2
		[ "$rc" -ne 0 ] || rc=1
	fi
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ "${HARNESS_KEEP:-0}" = 1 ]; then
			echo "# $TEST_NAME: kept $T" >&2
		else
			rm -rf "$T"
		fi
	fi
	exit $rc
}

# harness_init: a fresh $T; HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_DATA_HOME, XDG_STATE_HOME inside it;
# CONFIG=$T/config; TZ=UTC, LC_ALL=C.UTF-8. Registers cleanup on EXIT. The first call runs the test script
# again under tests/harness/reaper.py (see there), which sees every process the test starts.
harness_init() {
	require_cmd "$PYTHON3" python3
	if [ "${SKUA_HARNESS_REAPER:-}" != "$PPID" ] && [ -f "$0" ]; then
		exec "$PYTHON3" "$HARNESS_DIR/reaper.py" run "$TEST_NAME" "$BASH" "$0" "${_harness_argv[@]}"
	fi
	[ "${SKUA_HARNESS_REAPER:-}" = "$PPID" ] || unset SKUA_HARNESS_REAPER
	[ -n "${SKUA:-}" ] || SKUA=$(cd "$SKUA_SRCDIR" && pwd)/skua
	T=$(mktemp -d "${TMPDIR:-/tmp}/skua-$TEST_NAME.XXXXXX") || fail "mktemp failed"
	trap _harness_cleanup EXIT
	trap 'exit 130' INT TERM HUP
	export HOME=$T/home XDG_CONFIG_HOME=$T/home/.config XDG_CACHE_HOME=$T/home/.cache \
		XDG_DATA_HOME=$T/home/.local/share XDG_STATE_HOME=$T/home/.local/state
	mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME"
	export TZ=UTC LC_ALL=C.UTF-8 LANG=C.UTF-8
	unset LANGUAGE
	export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
	CONFIG=$T/config
}

# harness_start [gen-mail.py args...]: start Dovecot under $T/dovecot seeded with gen-mail.py (default
# --demo, i.e. generated mail plus tests/corpus/maildir). Sources its env into the shell (IMAP_PORT, ...).
harness_start() {
	[ -n "${T:-}" ] || harness_init
	local root=$T/dovecot
	mkdir -p "$root/mail"
	if [ $# -eq 0 ]; then set -- --demo; fi
	"$PYTHON3" "$HARNESS_DIR/gen-mail.py" "$root/mail/Maildir" "$@" 2>"$T/gen-mail.log" ||
		{ cat "$T/gen-mail.log" >&2; fail "gen-mail.py failed"; }
	on_exit "'$HARNESS_DIR/dovecot.sh' stop '$root'"
	"$HARNESS_DIR/dovecot.sh" start "$root" >"$T/dovecot-start.log" 2>&1 ||
		{ cat "$T/dovecot-start.log" >&2; fail "cannot start Dovecot (Debian package dovecot-imapd)"; }
	# shellcheck disable=SC1091
	. "$root/env"
	export HARNESS_ROOT=$root DOVEADM USER
}

# oracle folders | list FOLDER [N] | records FOLDER: the expected CLI output from doveadm (see oracle.py).
oracle() { "$PYTHON3" "$HARNESS_DIR/oracle.py" "$@"; }

# write_config FILE: writes stdin to FILE (0600).
write_config() {
	umask 077
	cat >"$1"
}

# add_account FILE NAME [KEY VALUE]...: appends an account block ("password" etc. values are quoted).
add_account() {
	local file=$1 name=$2
	shift 2
	{
		echo "account $name"
		while [ $# -ge 2 ]; do
			case $1 in
			password | password-command | tunnel | ca-file) printf '    %s "%s"\n' "$1" "$2" ;;
			*) printf '    %s %s\n' "$1" "$2" ;;
			esac
			shift 2
		done
		echo
	} >>"$file"
	chmod 0600 "$file"
}

# harness_config FILE: the standard accounts against the running harness Dovecot:
#   plain (tls none, the default), starttls, imaps (all with ca-file), tunnel (TUNNEL_CMD).
harness_config() {
	local f=${1:-$CONFIG}
	: >"$f"
	add_account "$f" plain host 127.0.0.1 port "$IMAP_PORT" tls none user "$USER" password-command "echo $PASS"
	add_account "$f" starttls host localhost port "$IMAP_PORT" tls starttls user "$USER" password "$PASS" ca-file "$CA_FILE"
	add_account "$f" imaps host localhost port "$IMAPS_PORT" tls implicit user "$USER" password "$PASS" ca-file "$CA_FILE"
	add_account "$f" tunnel tunnel "$TUNNEL_CMD"
}

# skua_run ARGS...: runs "$SKUA -F $CONFIG ARGS" (no -F when CONFIG is empty) with a timeout; sets OUT, ERR,
# RC. Fails the test on a crash (signal, exit >= 124 from timeout) or a sanitizer report.
skua_run() {
	local cfg=()
	[ -n "${CONFIG:-}" ] && cfg=(-F "$CONFIG")
	[ -x "$SKUA" ] || fail "skua binary not found at $SKUA (set SKUA or run via make check)"
	_harness_last="skua ${cfg[*]} $*"
	RC=0
	timeout -k 5 "$SKUA_TIMEOUT" "$SKUA" "${cfg[@]}" "$@" >"$T/skua.out" 2>"$T/skua.err" </dev/null || RC=$?
	OUT=$(cat "$T/skua.out")
	ERR=$(cat "$T/skua.err")
	if [ "$RC" -eq 124 ] || [ "$RC" -eq 137 ]; then fail "skua timed out after ${SKUA_TIMEOUT}s"; fi
	if [ "$RC" -ge 128 ]; then fail "skua crashed (exit $RC)"; fi
	case $ERR in
	*AddressSanitizer* | *LeakSanitizer* | *"runtime error:"* | *UndefinedBehaviorSanitizer*)
		fail "sanitizer report" ;;
	esac
	return 0
}

# skua_ok ARGS...: as skua_run, and the command must exit 0.
skua_ok() {
	skua_run "$@"
	[ "$RC" -eq 0 ] || fail "expected success"
}

# skua_fails PATTERN ARGS...: must exit non-zero (< 128) with exactly one line on stderr containing PATTERN
# (a fixed string).
skua_fails() {
	local pat=$1
	shift
	skua_run "$@"
	[ "$RC" -ne 0 ] || fail "expected failure containing '$pat', got exit 0"
	[ -n "$ERR" ] || fail "expected one line on stderr containing '$pat', got nothing"
	[ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] || fail "expected exactly one line on stderr"
	case $ERR in
	*"$pat"*) ;;
	*) fail "stderr does not contain '$pat'" ;;
	esac
}

assert_eq() { # assert_eq EXPECTED ACTUAL [WHAT]
	[ "$1" = "$2" ] && return 0
	echo "FAIL: $TEST_NAME: ${3:-values differ}" >&2
	diff <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sed 's/^/    /' >&2 || true
	fail "${3:-assert_eq}: expected (<) and actual (>) differ"
}

assert_contains() { # assert_contains HAYSTACK NEEDLE [WHAT]
	case $1 in
	*"$2"*) return 0 ;;
	esac
	fail "${3:-assert_contains}: '$2' not found"
}

assert_not_contains() { # assert_not_contains HAYSTACK NEEDLE [WHAT]
	case $1 in
	*"$2"*) fail "${3:-assert_not_contains}: '$2' found" ;;
	esac
	return 0
}

assert_match() { # assert_match STRING ERE [WHAT]
	printf '%s\n' "$1" | grep -Eq -- "$2" || fail "${3:-assert_match}: '$1' does not match /$2/"
}

line() { printf '%s\n' "$2" | sed -n "${1}p"; }       # line N TEXT
field() { printf '%s\n' "$2" | cut -f "$1"; }          # field N TEXT (tab-separated, every line)
nlines() { if [ -z "$1" ]; then echo 0; else printf '%s\n' "$1" | wc -l; fi; }

# wait_for TIMEOUT CMD...: polls CMD until it succeeds; fails the test after TIMEOUT seconds.
wait_for() {
	local timeout=$1 end
	shift
	end=$((SECONDS + timeout))
	until "$@"; do
		[ $SECONDS -lt $end ] || fail "timed out after ${timeout}s waiting for: $*"
		"$PYTHON3" -c 'import time; time.sleep(0.05)'
	done
}

# running PID: PID is alive and not a zombie (a child that exited but was not waited for yet).
running() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ]
}

# gate_tunnel NAME [gate-pipe.py options...]: prints a tunnel command (an account's `tunnel`) that runs
# $TUNNEL_CMD behind tests/harness/gate-pipe.py with those options (e.g. --hold-after-fetches 500
# --fetch-match HEADER, --hold-on-command '^EXAMINE', --hold-after-line REGEX, --rate N), with the marker
# $T/gate-NAME.held (one line per hold), the release file $T/gate-NAME.release, the last gate's pid in
# $T/gate-NAME.pid and a log in $T/gate-NAME.log. Every connection runs a gate of its own.
gate_tunnel() {
	local name=$1 f=$T/gate-$1.sh a
	shift
	{
		echo '#!/bin/sh'
		printf 'exec'
		for a in "$PYTHON3" "$HARNESS_DIR/gate-pipe.py" --marker "$T/gate-$name.held" \
			--release "$T/gate-$name.release" --pid-file "$T/gate-$name.pid" --log "$T/gate-$name.log" \
			"$@" "$TUNNEL_CMD"; do
			printf " '%s'" "${a//\'/\'\\\'\'}"
		done
		echo
	} >"$f"
	chmod +x "$f"
	rm -f "$T/gate-$name.held" "$T/gate-$name.release"
	printf '%s\n' "$f"
}
# gate_holds NAME: how many connections of gate NAME held so far.
gate_holds() { if [ -f "$T/gate-$1.held" ]; then wc -l <"$T/gate-$1.held"; else echo 0; fi; }
# gate_held NAME [N]: gate NAME held at least N times (default 1), now.
gate_held() { [ "$(gate_holds "$1")" -ge "${2:-1}" ]; }
# gate_wait NAME [N] [SECONDS]: polls until gate NAME held N times; fails the test after SECONDS (60).
gate_wait() { wait_for "${3:-60}" gate_held "$1" "${2:-1}"; }
# gate_wait_cmd NAME [N] [SECONDS]: prints a shell command that does the same (for a driver's `run` line).
gate_wait_cmd() {
	printf "'%s' '%s' --wait '%s' --count %s --timeout %s" "$PYTHON3" "$HARNESS_DIR/gate-pipe.py" \
		"$T/gate-$1.held" "${2:-1}" "${3:-60}"
}
# gate_release NAME: lets the held connections of gate NAME (and its later ones) go on.
gate_release() { : >"$T/gate-$1.release"; }
# gate_log NAME: what gate NAME did (for failure messages).
gate_log() { tail -n 20 "$T/gate-$1.log" 2>/dev/null; }

# Dovecot's view of a folder (the oracle for expectations).
dv_status() { # dv_status FOLDER FIELD -> number (messages, unseen, uidnext, uidvalidity...)
	$DOVEADM -f tab mailbox status -u "$USER" "$2" "$1" | awk -F "\t" 'NR == 2 { print $NF }'
}
dv_folders() { $DOVEADM mailbox list -u "$USER"; }
dv_fetch() { # dv_fetch FOLDER FIELDS [SEARCH...] -> tab-separated with header line removed
	local folder=$1 fields=$2
	shift 2
	[ $# -gt 0 ] || set -- all
	$DOVEADM -f tab fetch -u "$USER" "$fields" mailbox "$folder" "$@" | sed 1d
}

# hostile_start SCENARIO [ARGS...]: starts tests/hostile/hostile-imap.py; sets HOSTILE_PORT, HOSTILE_PID,
# HOSTILE_DIR and HOSTILE_LOG (every byte received, escaped; see hostile_accepted). Stopped on exit. Uses the harness certificates when
# harness_start ran (else makes its own with openssl).
hostile_start() {
	local scen=$1 dir
	shift
	_harness_nhostile=$((${_harness_nhostile:-0} + 1))
	dir=$T/hostile-$_harness_nhostile-$scen
	HOSTILE_DIR=$dir
	mkdir -p "$dir"
	local certargs=()
	if [ -n "${SERVER_CERT:-}" ]; then
		certargs=(--cert "$SERVER_CERT" --key "$SERVER_KEY")
	else
		_harness_certs "$dir"
		certargs=(--cert "$dir/server.pem" --key "$dir/server.key")
		CA_FILE=$dir/ca.pem
	fi
	HOSTILE_LOG=$dir/received.log
	"$PYTHON3" "$HOSTILE" --scenario "$scen" --port-file "$dir/port" --log "$HOSTILE_LOG" \
		"${certargs[@]}" "$@" >"$dir/stdout" 2>"$dir/stderr" &
	HOSTILE_PID=$!
	on_exit "kill $HOSTILE_PID"
	wait_for 20 test -s "$dir/port"
	HOSTILE_PORT=$(cat "$dir/port")
}

# _harness_certs DIR: a CA and a localhost certificate it signed, without a Dovecot.
_harness_certs() {
	require_cmd openssl openssl
	(
		cd "$1" &&
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
				-subj "/CN=skua hostile CA" -addext "basicConstraints=critical,CA:TRUE" \
				-addext "keyUsage=critical,keyCertSign,cRLSign" -keyout ca.key -out ca.pem &&
			openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
				-keyout server.key -out server.csr &&
			printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
				"extendedKeyUsage=serverAuth" >server.ext &&
			openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
				-extfile server.ext -out server.pem
	) >"$1/openssl.log" 2>&1 || fail "openssl certificate generation failed"
}

# no_terminal_controls FILE...: fails if a file contains ESC, a C1 control (as UTF-8 U+0080..U+009F or raw
# 0x80..0x9F outside UTF-8 sequences) or a bidi control (U+202A..U+202E, U+2066..U+2069, U+200E/F, U+061C).
no_terminal_controls() {
	"$PYTHON3" - "$@" <<'EOF' || fail "terminal control characters in skua's output"
import sys
bad = False
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    if b"\x1b" in data:
        print("ESC (0x1b) in", path, file=sys.stderr); bad = True
    text = data.decode("utf-8", "surrogateescape")
    for i, ch in enumerate(text):
        o = ord(ch)
        if 0x80 <= o <= 0x9f or 0xdc80 <= o <= 0xdc9f:
            print("C1 control U+%04X in %s at %d" % (o & 0xff, path, i), file=sys.stderr); bad = True; break
        if 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069 or o in (0x200e, 0x200f, 0x061c):
            print("bidi control U+%04X in %s at %d" % (o, path, i), file=sys.stderr); bad = True; break
        if o < 0x20 and ch not in "\t\n":
            print("C0 control 0x%02X in %s at %d" % (o, path, i), file=sys.stderr); bad = True; break
sys.exit(1 if bad else 0)
EOF
}

# hostile_config FILE [starttls|none|implicit]: an account "hostile" (the default) for the hostile server,
# user skua, password-command "echo skua-pass", ca-file = the CA that signed its certificate.
hostile_config() {
	local f=$1 tls=${2:-none}
	: >"$f"
	add_account "$f" hostile host 127.0.0.1 port "$HOSTILE_PORT" tls "$tls" user skua \
		password-command "echo skua-pass" ca-file "$CA_FILE"
}

# hostile_no_plaintext_auth [LOG]: fails if the hostile server received, outside TLS, a LOGIN or
# AUTHENTICATE command or the password (raw, or base64 in any SASL PLAIN/LOGIN form).
hostile_no_plaintext_auth() {
	"$PYTHON3" - "${1:-$HOSTILE_LOG}" <<'EOF' || fail "credentials or LOGIN/AUTHENTICATE sent without TLS"
import ast, base64, re, sys
pw, user = b"skua-pass", b"skua"
forms = {pw, base64.b64encode(pw)}
for authz in (b"", user):
    forms.add(base64.b64encode(authz + b"\0" + user + b"\0" + pw))
bad = False
plain = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"C(\d+) plain (b.*)$", line.rstrip("\n"))
    if not m:
        continue
    plain[m.group(1)] = plain.get(m.group(1), b"") + ast.literal_eval(m.group(2))
for cid, data in plain.items():
    for l in data.split(b"\n"):
        w = l.split()
        if len(w) >= 2 and w[1].upper() in (b"LOGIN", b"AUTHENTICATE"):
            print("connection %s: %r sent in plaintext" % (cid, l), file=sys.stderr); bad = True
    for f in forms:
        if f in data:
            print("connection %s: password (%r) sent in plaintext" % (cid, f), file=sys.stderr); bad = True
sys.exit(1 if bad else 0)
EOF
}

# hostile_accepted [LOG]: prints how many connections the hostile server accepted.
hostile_accepted() { grep -c '^C[0-9]* event accepted' "${1:-$HOSTILE_LOG}" || true; }

# hostile_plain_commands [LOG]: prints the command names (second word) the server received outside TLS.
hostile_plain_commands() {
	"$PYTHON3" - "${1:-$HOSTILE_LOG}" <<'EOF'
import ast, re, sys
data = {}
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.match(r"C(\d+) plain (b.*)$", line.rstrip("\n"))
    if m:
        data[m.group(1)] = data.get(m.group(1), b"") + ast.literal_eval(m.group(2))
for cid, d in sorted(data.items()):
    for l in d.split(b"\n"):
        w = l.split()
        if len(w) >= 2:
            print(w[1].upper().decode("ascii", "replace"))
EOF
}

# clean_error: after skua_run, true when skua failed cleanly (non-zero exit, exactly one line on stderr).
# The line must read as a message (a run of letters), not as bytes from a dangling pointer.
clean_error() {
	[ "$RC" -ne 0 ] && [ -n "$ERR" ] && [ "$(printf '%s\n' "$ERR" | wc -l)" -eq 1 ] &&
		printf '%s\n' "$ERR" | grep -Eq '[A-Za-z]{4}'
}

# hostile_check: the hostile server was reached at least once and hit no bug of its own.
hostile_check() {
	[ "$(hostile_accepted)" -ge 1 ] || fail "skua never connected to the hostile server"
	if grep -q 'hostile-imap.py:' "$HOSTILE_DIR/stderr" 2>/dev/null; then
		cat "$HOSTILE_DIR/stderr" >&2
		fail "the hostile server itself failed"
	fi
}
