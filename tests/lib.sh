# tests/lib.sh — shared by the integration tests (sourced; bash).
#
# Gives each test a temp directory ($T), a private Prosody on 127.0.0.1 with
# free ports and the users alice, bob and carol (password: "<name>-pw"),
# xfer config files for them, and assertions. Everything started here is
# stopped by the EXIT trap, also when the test fails. Every wait is bounded.
#
# Environment: XFER (the binary under test), TESTS_SRCDIR.

set -eu

# A test that mounts a small file system (tmpfs_mount) sets
# UNSHARE_MOUNT=1 before sourcing this file: it then runs again in a
# private mount namespace when it can, so that its mounts go away with it.
if [ -n "${UNSHARE_MOUNT:-}" ] && [ -z "${XFER_TEST_UNSHARED:-}" ] &&
	unshare -m --propagation private true 2>/dev/null; then
	XFER_TEST_UNSHARED=1 exec unshare -m --propagation private /bin/bash "$0" "$@"
fi

: "${XFER:?XFER must name the xfer binary}"
PYTHON=/usr/bin/python3
T=$(mktemp -d "${TMPDIR:-/tmp}/xfer-test.XXXXXX")
PROSODY_DIR=$T/prosody
TEST_NAME=$(basename "$0" .sh)
# A daemon's default pidfile lives here: tests running in parallel must
# not find each other's.
mkdir -p "$T/run" && chmod 700 "$T/run"
export XDG_RUNTIME_DIR=$T/run
_cleanup_cmds=()

cleanup() {
	local rc=$? c
	set +e
	for c in "${_cleanup_cmds[@]}"; do eval "$c"; done
	prosody_stop
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		for c in recv daemon; do
			[ -s "$T/$c.err" ] || continue
			echo "--- $TEST_NAME failed (exit $rc); $c.err tail:"
			grep -v ' trace: ' "$T/$c.err" | tail -n 30
		done
		echo "--- $TEST_NAME failed (exit $rc); prosody log tail:"
		tail -n 20 "$PROSODY_DIR/prosody.log" 2>/dev/null
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

at_exit() { _cleanup_cmds+=("$1"); }

fail() { echo "FAIL: $TEST_NAME: $*" >&2; exit 1; }
skip() { echo "SKIP: $TEST_NAME: $*" >&2; exit 77; }
note() { echo "# $*"; }

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed (scripts/test installs it)"
	done
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { free_ports 1; }

# free_ports N: N such ports, all different (held together while chosen:
# one at a time, the kernel may hand out the same port twice).
free_ports() {
	"$PYTHON" -c 'import socket, sys
ss = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()' "$1"
}

# wait_port PORT [SECONDS]: until something accepts on 127.0.0.1:PORT.
wait_port() {
	local port=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	return 1
}

# make_cert DIR NAME: a self-signed certificate for localhost and its services.
make_cert() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,DNS:proxy.localhost,DNS:upload.localhost,IP:127.0.0.1" \
		-keyout "$1/$2.key" -out "$1/$2.pem" >/dev/null 2>&1 || fail "openssl req failed"
}

# prosody_start [LUA...]: start the private server; extra arguments are
# added to the global section of its config.
prosody_start() {
	need prosody prosodyctl openssl "$PYTHON"
	mkdir -p "$PROSODY_DIR/data"
	make_cert "$PROSODY_DIR" server
	read -r C2S_PORT PROXY_PORT HTTP_PORT < <(free_ports 3)
	local extra
	extra=$(printf '%s\n' "$@")
	cat > "$PROSODY_DIR/prosody.cfg.lua" <<EOC
run_as_root = true
pidfile = "$PROSODY_DIR/prosody.pid"
data_path = "$PROSODY_DIR/data"
log = { { levels = { min = "info" }, to = "file", filename = "$PROSODY_DIR/prosody.log" } }
interfaces = { "127.0.0.1" }
c2s_interfaces = { "127.0.0.1" }
c2s_ports = { $C2S_PORT }
c2s_direct_tls_ports = {}
s2s_ports = {}
https_ports = {}
http_ports = { $HTTP_PORT }
http_interfaces = { "127.0.0.1" }
proxy65_ports = { $PROXY_PORT }
proxy65_interfaces = { "127.0.0.1" }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "presence"; "ping"; "smacks"; "posix" }
modules_disabled = { "s2s"; "offline" }
authentication = "internal_hashed"
storage = "internal"
c2s_require_encryption = true
allow_registration = false
ssl = { key = "$PROSODY_DIR/server.key"; certificate = "$PROSODY_DIR/server.pem" }
$extra
VirtualHost "localhost"
Component "proxy.localhost" "proxy65"
	proxy65_address = "127.0.0.1"
Component "upload.localhost" "http_file_share"
	http_external_url = "http://127.0.0.1:$HTTP_PORT/"
	http_file_share_size_limit = 10485760
EOC
	(cd "$PROSODY_DIR" && exec setsid prosody --config "$PROSODY_DIR/prosody.cfg.lua" -F \
		>"$PROSODY_DIR/stdout.log" 2>&1 </dev/null) &
	PROSODY_PID=$!
	wait_port "$C2S_PORT" 10 || { cat "$PROSODY_DIR/stdout.log" >&2; fail "prosody did not start"; }
	local u
	for u in alice bob carol; do
		timeout 20 prosodyctl --config "$PROSODY_DIR/prosody.cfg.lua" register \
			"$u" localhost "$u-pw" >/dev/null 2>&1 || fail "cannot register $u"
	done
}

# prosody_start_limited RATE: a server that limits each client's traffic,
# as Debian's stock config does with mod_limits (e.g. "10kb/s").
prosody_start_limited() {
	prosody_start 'modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "presence"; "ping"; "posix"; "limits" }' \
		"limits = { c2s = { rate = \"$1\"; burst = \"1s\" } }"
}

prosody_stop() {
	[ -n "${PROSODY_PID:-}" ] || return 0
	local pid=$PROSODY_PID i
	PROSODY_PID=
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

# write_config USER [LINE...]: $T/USER.conf, mode 600, for USER on the
# private server; extra lines are appended. Prints the path.
write_config() {
	local user=$1 f=$T/$1.conf
	shift
	{
		echo "jid = $user@localhost"
		echo "password = $user-pw"
		echo "host = 127.0.0.1"
		echo "port = $C2S_PORT"
		echo "cafile = $PROSODY_DIR/server.pem"
		# Peer-to-peer connections stay on loopback too.
		case " $* " in *" s5b_listen "*) ;; *) echo "s5b_listen = 127.0.0.1" ;; esac
		case " $* " in *" oob_listen "*) ;; *) echo "oob_listen = 127.0.0.1" ;; esac
		[ "$#" -eq 0 ] || printf '%s\n' "$@"
	} > "$f"
	chmod 600 "$f"
	echo "$f"
}

# run_xfer CODE ARGS...: run xfer with a bound on time ($RUN_XFER_TIMEOUT,
# default 60 s), stdout in $T/out, stderr in $T/err, and fail unless it
# exits with CODE.
run_xfer() {
	local want=$1 rc=0
	shift
	timeout "${RUN_XFER_TIMEOUT:-60}" "$XFER" "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "--- stdout:"; cat "$T/out"; echo "--- stderr:"; cat "$T/err"
		fail "xfer $* exited $rc, expected $want"
	fi
}

# assert_grep FILE PATTERN (fixed string)
assert_grep() {
	grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "'$2' not in $(basename "$1")"; }
}
assert_no_grep() {
	! grep -qF -- "$2" "$1" || { echo "--- $1:"; cat "$1"; fail "'$2' unexpectedly in $(basename "$1")"; }
}

# start_recv CONFIG [ARGS...]: `xfer recv -v -c CONFIG ARGS` in the
# background, stdout in $T/recv.out, stderr in $T/recv.err; waits (bounded)
# until it is online. Sets RECV_PID.
start_recv() {
	local cfg=$1 i
	shift
	: > "$T/recv.err"
	# Not under timeout(1): tests kill this very process. wait_rc bounds it.
	"$XFER" recv -v -c "$cfg" "$@" >"$T/recv.out" 2>"$T/recv.err" </dev/null &
	RECV_PID=$!
	at_exit "kill $RECV_PID 2>/dev/null"
	for ((i = 0; i < 100; i++)); do
		grep -q "online as" "$T/recv.err" && return 0
		kill -0 "$RECV_PID" 2>/dev/null || { cat "$T/recv.err"; fail "recv exited early"; }
		sleep 0.1
	done
	cat "$T/recv.err"
	fail "recv did not come online within 10 s"
}

# wait_rc PID [SECONDS]: wait for PID (a child of this shell; do not call
# it in $(...)) at most SECONDS (default 60); its exit status is left in
# WAIT_RC. Fails the test on timeout.
wait_rc() {
	local pid=$1 secs=${2:-60} i
	WAIT_RC=0
	for ((i = 0; i < secs * 10; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || WAIT_RC=$?
			return 0
		fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null
	fail "process $pid still running after $secs s"
}

# sha FILE: its sha256
sha() { sha256sum "$1" | cut -d' ' -f1; }

# files_in DIR: the number of entries (hidden ones too) in DIR
files_in() { find "$1" -mindepth 1 | wc -l; }

# sipeer USER ARGS...: run the slixmpp peer (tests/interop/sipeer.py) as
# USER on the private server; e.g. sipeer bob recv --dir D --resource peer.
SIPEER=$TESTS_SRCDIR/interop/sipeer.py
sipeer() {
	local user=$1 verb=$2
	shift 2
	"$PYTHON" -c 'import slixmpp' 2>/dev/null || skip "python3-slixmpp is not installed"
	"$PYTHON" "$SIPEER" "$verb" --jid "$user@localhost" --password "$user-pw" \
		--host 127.0.0.1 --port "$C2S_PORT" --cafile "$PROSODY_DIR/server.pem" "$@"
}

# start_sipeer_recv USER RESOURCE ARGS...: a slixmpp receiver in the
# background (stdout $T/peer.out, stderr $T/peer.err), online when this
# returns. Sets PEER_PID.
start_sipeer_recv() {
	local user=$1 res=$2
	shift 2
	# Emptied here, not in the background: an old "online as" must not count.
	: > "$T/peer.err"
	sipeer "$user" recv --resource "$res" "$@" >"$T/peer.out" 2>"$T/peer.err" </dev/null &
	peer_online "$user" "$res" "the slixmpp receiver"
}

# start_jinglepeer_recv USER RESOURCE ARGS...: tests/interop/jinglepeer.py
# recv (the slixmpp Jingle responder; its own --timeout of 40 s bounds it)
# in the background, like start_sipeer_recv. Sets PEER_PID.
start_jinglepeer_recv() {
	local user=$1 res=$2
	shift 2
	"$PYTHON" -c 'import slixmpp' 2>/dev/null || skip "python3-slixmpp is not installed"
	: > "$T/peer.err"
	timeout 90 "$PYTHON" "$TESTS_SRCDIR/interop/jinglepeer.py" recv --jid "$user@localhost" \
		--password "$user-pw" --resource "$res" --host 127.0.0.1 --port "$C2S_PORT" \
		--cafile "$PROSODY_DIR/server.pem" --timeout 40 "$@" \
		>"$T/peer.out" 2>"$T/peer.err" </dev/null &
	peer_online "$user" "$res" "the Jingle responder"
}

# peer_online USER RESOURCE WHAT: the peer just started in the background
# ($!) is PEER_PID; waits (bounded) for its "online as" line.
peer_online() {
	local i
	PEER_PID=$!
	at_exit "kill $PEER_PID 2>/dev/null"
	for ((i = 0; i < 150; i++)); do
		grep -qF "online as $1@localhost/$2" "$T/peer.err" && return 0
		kill -0 "$PEER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/peer.err"
	fail "$3 did not come online"
}

# wait_receiving PID DIR MIN_BYTES [SECS]: until process PID holds a file in DIR
# (its temp file, which may have no name) of at least MIN_BYTES; fails the
# test after SECS (default 15) s, so a scenario never silently tests something else.
wait_receiving() {
	local pid=$1 dir=$2 min=$3 secs=${4:-15} i f
	for ((i = 0; i < secs * 10; i++)); do
		for f in /proc/"$pid"/fd/*; do
			case "$(readlink "$f" 2>/dev/null)" in
			"$dir"/*) [ "$(stat -L -c %s "$f" 2>/dev/null || echo 0)" -ge "$min" ] && return 0 ;;
			esac
		done
		sleep 0.1
	done
	fail "no transfer into $dir reached $min bytes within $secs s"
}

# prosody_restart [DOWN_SECONDS]: stop the private server, keep it down for
# DOWN_SECONDS (default 1), and start it again on the same ports with the
# same accounts (its data directory is kept).
prosody_restart() {
	local down=${1:-1}
	prosody_stop
	sleep "$down"
	(cd "$PROSODY_DIR" && exec setsid prosody --config "$PROSODY_DIR/prosody.cfg.lua" -F \
		>>"$PROSODY_DIR/stdout.log" 2>&1 </dev/null) &
	PROSODY_PID=$!
	wait_port "$C2S_PORT" 10 || { cat "$PROSODY_DIR/stdout.log" >&2; fail "prosody did not restart"; }
}

# start_daemon CONFIG [ARGS...]: `xfer daemon -f -c CONFIG ARGS` in the
# background, stderr (its log) in $T/daemon.err, stdout in $T/daemon.out;
# waits (bounded) until it is online. Sets DAEMON_PID.
# start_daemon_as NAME CONFIG [ARGS...]: the same with $T/NAME.err/.out.
start_daemon_as() {
	local name=$1 cfg=$2
	shift 2
	: > "$T/$name.err"
	"$XFER" daemon -f -c "$cfg" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	DAEMON_PID=$!
	at_exit "kill $DAEMON_PID 2>/dev/null"
	wait_log "$T/$name.err" "online as" 10 "$DAEMON_PID"
}
start_daemon() { start_daemon_as daemon "$@"; }

# The daemon's lock file in its drop directory.
DAEMON_LOCK=.xfer-daemon.lock
# entries DIR: what DIR holds, one name a line, sorted, without the lock file.
entries() { find "$1" -mindepth 1 ! -path "$1/$DAEMON_LOCK" -printf '%P\n' | LC_ALL=C sort; }
# assert_dir DIR [NAME...]: DIR holds exactly NAME... (and the daemon's lock).
assert_dir() {
	local dir=$1 got want=
	shift
	got=$(entries "$dir")
	[ "$#" -eq 0 ] || want=$(printf '%s\n' "$@" | LC_ALL=C sort)
	[ "$got" = "$want" ] || fail "$dir holds [$got], expected [$want]"
}

# wait_log FILE TEXT [SECONDS [PID]]: until FILE holds the fixed string TEXT;
# fails after SECONDS (default 10), or as soon as PID (if given) has exited.
wait_log() {
	local file=$1 text=$2 secs=${3:-10} pid=${4:-} i
	for ((i = 0; i < secs * 10; i++)); do
		grep -qF -- "$text" "$file" 2>/dev/null && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			cat "$file"; fail "process $pid exited before '$text' appeared in $(basename "$file")"
		fi
		sleep 0.1
	done
	cat "$file"
	fail "'$text' did not appear in $(basename "$file") within $secs s"
}

# count_log FILE TEXT: how many lines of FILE hold the fixed string TEXT
count_log() { grep -cF -- "$2" "$1" 2>/dev/null || true; }

# start_httpstub DIR [ARGS...]: tests/interop/httpstub.py serving DIR on
# 127.0.0.1 in the background (stdout, its log of connections and
# requests, in $T/http.out); listening when this returns. Sets HTTP_PORT
# and HTTP_PID.
start_httpstub() {
	local dir=$1 i
	shift
	rm -f "$T/http.port"
	"$PYTHON" "$TESTS_SRCDIR/interop/httpstub.py" --port-file "$T/http.port" --dir "$dir" \
		--timeout 120 "$@" >"$T/http.out" 2>"$T/http.err" </dev/null &
	HTTP_PID=$!
	at_exit "kill $HTTP_PID 2>/dev/null"
	for ((i = 0; i < 100; i++)); do
		[ -s "$T/http.port" ] && { HTTP_PORT=$(cat "$T/http.port"); return 0; }
		kill -0 "$HTTP_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/http.err"
	fail "the HTTP stub did not start"
}

# tmpfs_mount DIR SIZE [WHY]: a tmpfs of SIZE (as mount(8) takes it,
# e.g. 30m) on the new directory DIR, unmounted at exit; without mount
# rights (root with CAP_SYS_ADMIN) the test is skipped, saying WHY.
tmpfs_mount() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=755" xfer-test "$1" 2>"$T/mount.err" ||
		skip "${3:-}needs a tmpfs mount: $(cat "$T/mount.err")"
	at_exit "umount -l '$1'"
}
