#!/bin/bash
# dovecot.sh: a private Dovecot for tests, the demo and the benchmark. Talks only to loopback.
#
#   dovecot.sh start ROOT    configure and start Dovecot under ROOT, write ROOT/env, wait until it accepts
#   dovecot.sh stop ROOT     stop it (waits until the master process is gone)
#   dovecot.sh status ROOT   exit 0 when it is running
#
# ROOT/env (shell-sourceable) then holds: HOST (127.0.0.1), HOST2 (127.0.0.2, served too, for a wrong-name
# certificate test), IMAP_PORT (plain, STARTTLS offered), IMAPS_PORT (implicit TLS), CA_FILE (the CA that
# signed the server certificate), SERVER_CERT/SERVER_KEY (CN/SAN localhost, IP 127.0.0.1 only),
# UNTRUSTED_CERT/UNTRUSTED_KEY (a self-signed localhost certificate the CA did not sign), USER/PASS (also
# IMAP_USER/IMAP_PASS), MAILDIR (the user's Maildir++ root), MAIL_HOME, MAIL_OWNER (system user owning the
# mail), DOVECOT_CONF, DOVECOT_LOG, TUNNEL_LOG, DOVECOT_PID, DOVEADM ("doveadm -c CONF"; use it as $DOVEADM ... -u $USER),
# TUNNEL_CMD (pre-authenticated imap on stdin/stdout) and SKUA_HARNESS_ROOT.
#
# Mail is NOT generated here: put messages into ROOT/mail/Maildir before `start` (gen-mail.py) or deliver
# them with $DOVEADM save afterwards. `start` fixes the ownership of ROOT/mail each time it runs.
#
# Environment knobs: IMAP_PORT / IMAPS_PORT (fixed ports instead of free ones), DOVECOT_EXTRA (appended to
# the configuration, printf %b escapes, e.g. 'protocol imap {\n imap_capability = IMAP4rev1 IDLE\n}'),
# SKUA_MAIL_USER (system user for mail processes when run as root; default skuamail),
# HARNESS_START_TIMEOUT (seconds, default 30).
set -eu

die() { echo "dovecot.sh: $*" >&2; exit 1; }

usage() { echo "usage: dovecot.sh start|stop|status ROOT" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
root=$(realpath -m -- "$2")

PY=${PYTHON3:-python3}
command -v "$PY" >/dev/null 2>&1 || die "python3 not found (Debian package: python3)"

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
master_pid() { cat "$root/run/master.pid" 2>/dev/null || true; }

do_stop() {
	local pid deadline
	pid=$(master_pid)
	if ! pid_alive "$pid"; then
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	deadline=$((SECONDS + 15))
	while pid_alive "$pid"; do
		if [ $SECONDS -ge $deadline ]; then
			kill -KILL "$pid" 2>/dev/null || true
			echo "dovecot.sh: master $pid did not stop in time, killed" >&2
			break
		fi
		"$PY" -c 'import time; time.sleep(0.05)'
	done
	rm -f "$root/run/master.pid"
}

case $cmd in
stop)
	do_stop
	exit 0
	;;
status)
	pid_alive "$(master_pid)"
	exit $?
	;;
start) ;;
*) usage ;;
esac

command -v dovecot >/dev/null 2>&1 && [ -x /usr/lib/dovecot/imap ] ||
	die "dovecot not installed (Debian package: dovecot-imapd)"
command -v doveadm >/dev/null 2>&1 || die "doveadm not installed (Debian package: dovecot-core)"
command -v openssl >/dev/null 2>&1 || die "openssl not installed (Debian package: openssl)"

if pid_alive "$(master_pid)"; then
	die "a Dovecot is already running under $root (pid $(master_pid)); stop it first"
fi

mkdir -p "$root/etc" "$root/run" "$root/mail/Maildir"
conf=$root/etc/dovecot.conf
log=$root/dovecot.log

# --- who runs the mail processes ------------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null 2>&1 || die "setpriv not found (Debian package: util-linux)"
	mail_user=${SKUA_MAIL_USER:-skuamail}
	if ! id "$mail_user" >/dev/null 2>&1; then
		# Several tests may start at once: serialise useradd.
		flock /tmp/.skua-harness-useradd.lock sh -c \
			"id '$mail_user' >/dev/null 2>&1 || useradd -r -M -d /nonexistent -s /usr/sbin/nologin '$mail_user'" ||
			die "cannot create system user $mail_user (useradd, Debian package: passwd)"
	fi
	mail_uid=$(id -u "$mail_user")
	mail_gid=$(id -g "$mail_user")
	mail_group=$(id -gn "$mail_user")
	internal_user=dovecot
	id dovecot >/dev/null 2>&1 || internal_user=$mail_user
	login_user=dovenull
	id dovenull >/dev/null 2>&1 || login_user=$mail_user
	# The mail user must be able to reach ROOT/mail: ROOT and its parent (often a 0700 mktemp -d) get a+x;
	# a higher directory that is not searchable is an error (we do not loosen e.g. /root).
	chmod a+x "$root"
	d=$(dirname "$root")
	while [ "$d" != / ]; do
		if ! setpriv --reuid="$mail_uid" --regid="$mail_gid" --clear-groups test -x "$d"; then
			if [ "$d" = "$(dirname "$root")" ]; then
				chmod a+x "$d"
			else
				die "$mail_user cannot search $d: put ROOT elsewhere (e.g. TMPDIR=/tmp)"
			fi
		fi
		d=$(dirname "$d")
	done
	chown -R "$mail_uid:$mail_gid" "$root/mail"
	chmod 0700 "$root/mail"
	setpriv --reuid="$mail_uid" --regid="$mail_gid" --clear-groups test -w "$root/mail/Maildir" ||
		die "$mail_user cannot write $root/mail/Maildir (is a parent directory of $root not searchable?)"
	run_as="setpriv --reuid=$mail_uid --regid=$mail_gid --clear-groups"
	extra_services=""
else
	mail_user=$(id -un)
	mail_uid=$(id -u)
	mail_gid=$(id -g)
	mail_group=$(id -gn)
	internal_user=$mail_user
	login_user=$mail_user
	run_as=""
	extra_services="
default_internal_group = $mail_group
service auth {
  user = \$default_internal_user
}
service auth-worker {
  user = \$default_internal_user
}
service stats {
  user = \$default_internal_user
}
"
fi

# --- certificates ------------------------------------------------------------------------------------------
ssl_dir=$root/etc
if [ ! -s "$ssl_dir/server.pem" ] || [ ! -s "$ssl_dir/ca.pem" ] || [ ! -s "$ssl_dir/untrusted.pem" ]; then
	ecparams="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	(
		set -e
		cd "$ssl_dir"
		# shellcheck disable=SC2086
		openssl req -x509 $ecparams -days 30 -subj "/CN=skua test CA" \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
			-keyout ca.key -out ca.pem
		# shellcheck disable=SC2086
		openssl req -new $ecparams -subj "/CN=localhost" -keyout server.key -out server.csr
		printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
			-extfile server.ext -out server.pem
		# A certificate for the same names that the CA did not sign.
		# shellcheck disable=SC2086
		openssl req -x509 $ecparams -days 30 -subj "/CN=localhost" \
			-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
			-keyout untrusted.key -out untrusted.pem
		chmod 0644 ca.pem server.pem untrusted.pem
		chmod 0600 ca.key server.key untrusted.key
	) >"$root/openssl.log" 2>&1 || { cat "$root/openssl.log" >&2; die "certificate generation failed"; }
fi

# --- ports -------------------------------------------------------------------------------------------------
pick_ports() {
	# Two ports that are free on both 127.0.0.1 and 127.0.0.2 right now.
	"$PY" - <<'EOF'
import socket
for _ in range(50):
    socks, ports = [], []
    try:
        for _ in range(2):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
        for p in ports:
            t = socket.socket()
            t.bind(("127.0.0.2", p))
            socks.append(t)
    except OSError:
        continue
    finally:
        for s in socks:
            s.close()
    print(*ports)
    break
else:
    raise SystemExit("no free port pair")
EOF
}

wait_ports() {
	# wait_ports PID PORT...: (sPORT: implicit TLS) until every port greets on 127.0.0.1 and 127.0.0.2, or PID dies, or timeout.
	"$PY" - "$@" <<'EOF'
import os, socket, ssl, sys, time
pid, ports = int(sys.argv[1]), sys.argv[2:]
deadline = time.monotonic() + float(os.environ.get("HARNESS_START_TIMEOUT", "30"))
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
todo = [(h, p) for p in ports for h in ("127.0.0.1", "127.0.0.2")]
while todo and time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit(2)
    except PermissionError:
        pass
    h, p = todo[0]
    try:
        with socket.create_connection((h, int(p.lstrip("s"))), timeout=1) as s:
            s.settimeout(5)
            if p.startswith("s"):
                s = ctx.wrap_socket(s)
            if s.recv(4).startswith(b"* "):
                todo.pop(0)
                continue
    except OSError:
        pass
    time.sleep(0.05)
sys.exit(0 if not todo else 1)
EOF
}

write_conf() {
	cat >"$conf" <<CONF
# Generated by tests/harness/dovecot.sh: a private Dovecot for skua's tests.
protocols = imap
listen = 127.0.0.1
base_dir = $root/run
state_dir = $root/run/state
log_path = $log
info_log_path = $log
auth_verbose = yes
auth_mechanisms = plain login
disable_plaintext_auth = no
ssl = yes
ssl_cert = <$ssl_dir/server.pem
ssl_key = <$ssl_dir/server.key
ssl_min_protocol = TLSv1.2
default_internal_user = $internal_user
default_login_user = $login_user
first_valid_uid = 1
first_valid_gid = 1
mail_fsync = never
mail_plugins =
default_vsz_limit = 4G
passdb {
  driver = static
  args = password=$pass
}
userdb {
  driver = static
  args = uid=$mail_uid gid=$mail_gid home=$root/mail
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
}
protocol imap {
  mail_max_userip_connections = 100
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1 127.0.0.2
    port = $imap_port
  }
  inet_listener imaps {
    address = 127.0.0.1 127.0.0.2
    port = $imaps_port
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
$extra_services
$(printf '%b' "${DOVECOT_EXTRA:-}")
CONF
}

user=skua
pass=skua-pass
fixed_ports=no
[ -n "${IMAP_PORT:-}" ] && [ -n "${IMAPS_PORT:-}" ] && fixed_ports=yes
started=no
for attempt in 1 2 3 4 5; do
	if [ $fixed_ports = yes ]; then
		imap_port=$IMAP_PORT imaps_port=$IMAPS_PORT
	else
		read -r imap_port imaps_port < <(pick_ports) || die "cannot find free loopback ports"
	fi
	write_conf
	rm -f "$root/run/master.pid"
	: >>"$log"
	if ! dovecot -c "$conf" >>"$root/start.log" 2>&1; then
		tail -n 5 "$root/start.log" >&2
		if grep -q "Address already in use" "$root/start.log" "$log" 2>/dev/null && [ $fixed_ports = no ]; then
			: >"$root/start.log"
			continue
		fi
		die "dovecot failed to start (config $conf, log $log)"
	fi
	pid=
	deadline=$((SECONDS + 10))
	while [ -z "$pid" ] && [ $SECONDS -lt $deadline ]; do
		pid=$(master_pid)
		[ -n "$pid" ] || "$PY" -c 'import time; time.sleep(0.02)'
	done
	[ -n "$pid" ] || die "dovecot wrote no pid file (log $log)"
	if wait_ports "$pid" "$imap_port" "s$imaps_port"; then
		started=yes
		break
	fi
	do_stop
	if [ $fixed_ports = yes ]; then break; fi
	echo "dovecot.sh: attempt $attempt: ports $imap_port/$imaps_port did not come up, retrying" >&2
done
[ $started = yes ] || { tail -n 20 "$log" >&2; die "dovecot did not come up (log $log)"; }

# The pre-authenticated imap logs by itself (no log service): give it a file the mail user may write.
: >>"$root/tunnel.log"
chown "$mail_uid:$mail_gid" "$root/tunnel.log"
tunnel="/usr/lib/dovecot/imap -c $conf -o log_path=$root/tunnel.log -o info_log_path=$root/tunnel.log"
if [ -n "$run_as" ]; then
	tunnel="$run_as env USER=$user HOME=$root/mail $tunnel"
else
	tunnel="env USER=$user HOME=$root/mail $tunnel"
fi

q() { printf '%q' "$1"; }
cat >"$root/env" <<ENV
# Written by tests/harness/dovecot.sh start; source it.
SKUA_HARNESS_ROOT=$(q "$root")
HOST=127.0.0.1
HOST2=127.0.0.2
IMAP_PORT=$imap_port
IMAPS_PORT=$imaps_port
CA_FILE=$(q "$ssl_dir/ca.pem")
SERVER_CERT=$(q "$ssl_dir/server.pem")
SERVER_KEY=$(q "$ssl_dir/server.key")
UNTRUSTED_CERT=$(q "$ssl_dir/untrusted.pem")
UNTRUSTED_KEY=$(q "$ssl_dir/untrusted.key")
USER=$user
PASS=$pass
IMAP_USER=$user
IMAP_PASS=$pass
MAIL_HOME=$(q "$root/mail")
MAILDIR=$(q "$root/mail/Maildir")
MAIL_OWNER=$mail_user
DOVECOT_CONF=$(q "$conf")
DOVECOT_LOG=$(q "$log")
TUNNEL_LOG=$(q "$root/tunnel.log")
DOVECOT_PID=$pid
DOVEADM=$(q "doveadm -c $conf")
TUNNEL_CMD=$(q "$tunnel")
ENV
chmod 0644 "$root/env"
