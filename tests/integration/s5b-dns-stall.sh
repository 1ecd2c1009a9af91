#!/bin/bash
# Streamhosts given by host names that the resolver never answers. The
# daemon runs in a private mount namespace whose resolv.conf names a silent
# resolver on a loopback address (port 53: glibc knows no other); a hostile
# slixmpp sender (sipeer send --streamhost) offers S5B with such names and
# IBB with si-multiple. Nothing may wait for the lookups:
#  (b) two names fail within the connect budget (s5b_connect_timeout = 2,
#      so about 4 s), not twice the resolver's timeout (~10 s each), and the
#      file then comes over IBB;
#  (c) an IBB open while the receiver still resolves is answered at once
#      (the receiver drops the stuck attempt), and the file comes intact;
#  (g) the same for a Jingle transport-replace to IBB (jinglepeer send
#      --s5b-candidate);
#  (a) meanwhile the daemon answers XMPP pings from someone else promptly;
#  (e) an out-of-band URL whose host does not resolve fails within the
#      budget too (the fetch resolves it, not curl);
#  (f) an out-of-band URL whose host resolves still works;
#  (d) SIGTERM with --grace 1 during a stuck lookup ends the daemon in
#      about a second.
# Every network packet stays on loopback.
. "$TESTS_SRCDIR/lib.sh"
need unshare mount
echo "# a probe" > "$T/probe.conf"
unshare -m -- mount --bind "$T/probe.conf" /etc/resolv.conf 2>/dev/null ||
	skip "no private mount namespace with bind mounts (unshare -m, as root) here"
prosody_start
mkdir "$T/in"
head -c 200000 /dev/urandom > "$T/b.bin"
head -c 150000 /dev/urandom > "$T/c.bin"
head -c 100000 /dev/urandom > "$T/f.bin"
head -c 120000 /dev/urandom > "$T/g.bin"
echo last > "$T/d.txt"
TO=bob@localhost/box
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# le A B: the decimal A is at most B
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

# The silent resolver: reads every query (UDP and TCP) and answers none;
# counts the UDP queries in $T/dns.queries. Gone after 180 s at the latest.
"$PYTHON" - "$T/dns" <<'EOF' &
import os, random, select, socket, sys, time
base = sys.argv[1]
for _ in range(50):
    addr = '127.%d.%d.%d' % (random.randint(100, 250), random.randint(0, 255),
                             random.randint(1, 254))
    u, t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM), socket.socket()
    try:
        u.bind((addr, 53))
        t.bind((addr, 53))
        t.listen(16)
        break
    except OSError:
        u.close()
        t.close()
else:
    sys.exit('no free loopback address for port 53')
with open(base + '.tmp', 'w') as f:
    f.write(addr + '\n')
os.rename(base + '.tmp', base + '.addr')
held, queries, end = [], 0, time.monotonic() + 180
while time.monotonic() < end:
    ready, _, _ = select.select([u, t] + held, [], [], 1)
    for s in ready:
        if s is u:
            u.recvfrom(4096)
            queries += 1
            with open(base + '.queries.tmp', 'w') as f:
                f.write('%d\n' % queries)
            os.rename(base + '.queries.tmp', base + '.queries')
        elif s is t:
            held.append(t.accept()[0])
        elif not s.recv(4096):
            held.remove(s)
            s.close()
EOF
at_exit "kill $! 2>/dev/null"
for ((i = 0; i < 50; i++)); do [ -s "$T/dns.addr" ] && break; sleep 0.1; done
[ -s "$T/dns.addr" ] || fail "the silent resolver did not start"
echo "nameserver $(cat "$T/dns.addr")" > "$T/resolv.conf"
{ cat /etc/hosts; echo "127.0.0.1 named.test"; } > "$T/hosts"
# glibc must ask them itself: no name service cache, no other NSS module
# (systemd-resolved, mDNS) that would take the lookups off loopback.
[ ! -S /var/run/nscd/socket ] && [ ! -S /run/nscd/socket ] ||
	skip "nscd runs here: lookups would not go to the namespace's resolver"
printf 'hosts: files dns\n' > "$T/nsswitch.conf"
queries() { cat "$T/dns.queries" 2>/dev/null || echo 0; }

cb=$(write_config bob "resource = box" "drop_dir = $T/in" "accept_from = alice@localhost" \
	"s5b_connect_timeout = 2")
# The daemon, alone in the namespace that sees the silent resolver.
: > "$T/daemon.err"
unshare -m -- /bin/sh -c 'mount --bind "$1/resolv.conf" /etc/resolv.conf &&
	mount --bind "$1/hosts" /etc/hosts && mount --bind "$1/nsswitch.conf" /etc/nsswitch.conf ||
	exit 71; shift; exec "$@"' \
	sh "$T" "$XFER" daemon -f -v -c "$cb" --grace 1 \
	>"$T/daemon.out" 2>"$T/daemon.err" </dev/null &
DAEMON_PID=$!
at_exit "kill $DAEMON_PID 2>/dev/null"
wait_log "$T/daemon.err" "online as" 10 "$DAEMON_PID"

# hostile NAME FALLBACK HOST...: alice offers $T/NAME with S5B via HOST:1080...
# and IBB, waiting FALLBACK s for the S5B answer; in the background, stderr
# in $T/NAME.err. Sets HOSTILE_PID.
hostile() {
	local name=$1 after=$2 h args=()
	shift 2
	for h in "$@"; do args+=(--streamhost "$h:1080"); done
	: > "$T/$name.err"
	sipeer alice send --to "$TO" --file "$T/$name" --timeout 60 --fallback-after "$after" \
		"${args[@]}" >"$T/$name.out" 2>"$T/$name.err" </dev/null &
	HOSTILE_PID=$!
	at_exit "kill $HOSTILE_PID 2>/dev/null"
}
# pinger NAME COUNT: carol pings the daemon COUNT times, every 0.2 s, in the
# background (stdout $T/NAME.out); online when this returns. Sets PING_PID.
pinger() {
	: > "$T/$1.err"
	sipeer carol ping --to "$TO" --count "$2" --interval 0.2 --timeout 60 \
		>"$T/$1.out" 2>"$T/$1.err" </dev/null &
	PING_PID=$!
	at_exit "kill $PING_PID 2>/dev/null"
	wait_log "$T/$1.err" "online as carol@localhost" 15 "$PING_PID"
}
# secs FILE TEXT: the number after TEXT in FILE ("TEXT 1.234 s")
secs() { sed -n "s/.*$2 \([0-9.]*\) s.*/\1/p" "$1" | head -n 1; }
# pings_ok NAME: every ping of pinger NAME was answered within 2 s
pings_ok() {
	wait_rc "$PING_PID" 60
	[ "$WAIT_RC" -eq 0 ] || { cat "$T/$1.err"; fail "the pinger ($1) exited $WAIT_RC"; }
	local worst
	worst=$(sed -n 's/^ping max //p' "$T/$1.out")
	[ -n "$worst" ] || { cat "$T/$1.out" "$T/$1.err"; fail "the pinger ($1) did not finish"; }
	note "$1: slowest ping answer $worst s"
	le "$worst" 2 || { cat "$T/$1.out"; fail "a ping waited $worst s for the daemon ($1)"; }
}

# (b) two names within the budget, then IBB; pings answered meanwhile (a).
pinger ping-b 25
q0=$(queries)
hostile b.bin 30 stall1.invalid stall2.invalid
wait_rc "$HOSTILE_PID" 60
[ "$WAIT_RC" -eq 0 ] || { cat "$T/b.bin.err"; fail "the sender of b.bin exited $WAIT_RC"; }
t=$(secs "$T/b.bin.err" "s5b answered in")
[ -n "$t" ] || { cat "$T/b.bin.err"; fail "no S5B answer for b.bin"; }
note "(b) two unresolvable streamhosts refused after $t s (budget 2 s each)"
assert_grep "$T/b.bin.err" "s5b answered in $t s: error item-not-found"
le "$t" 6 || fail "(b) two streamhosts took $t s, more than 2 x s5b_connect_timeout"
[ "$(queries)" -gt "$q0" ] || fail "(b) the lookups never reached the silent resolver"
assert_grep "$T/daemon.err" "stall1.invalid port 1080: cannot resolve the host: timed out; stall2.invalid port 1080: cannot resolve the host: timed out"
wait_log "$T/daemon.err" "received b.bin from alice@localhost/" 10
[ "$(sha "$T/b.bin")" = "$(sha "$T/in/b.bin")" ] || fail "(b) b.bin differs"
pings_ok ping-b

# (c) IBB open while the receiver resolves; (a) pings meanwhile.
pinger ping-c 30
hostile c.bin 1 stall3.invalid stall4.invalid
wait_rc "$HOSTILE_PID" 60
[ "$WAIT_RC" -eq 0 ] || { cat "$T/c.bin.err"; fail "the sender of c.bin exited $WAIT_RC"; }
assert_grep "$T/c.bin.err" "s5b unanswered after"
t=$(secs "$T/c.bin.err" "ibb open answered in")
[ -n "$t" ] || { cat "$T/c.bin.err"; fail "no IBB open answer for c.bin"; }
note "(c) IBB open during a stuck lookup answered in $t s"
le "$t" 2 || fail "(c) the IBB open waited $t s for the stuck lookup"
wait_log "$T/daemon.err" "received c.bin from alice@localhost/" 10
[ "$(sha "$T/c.bin")" = "$(sha "$T/in/c.bin")" ] || fail "(c) c.bin differs"
pings_ok ping-c

# (g) the Jingle way: a transport-replace to IBB while the receiver still
# resolves the candidates is accepted at once; (a) pings meanwhile.
pinger ping-g 30
timeout 90 "$PYTHON" "$TESTS_SRCDIR/interop/jinglepeer.py" send --jid alice@localhost \
	--password alice-pw --host 127.0.0.1 --port "$C2S_PORT" --cafile "$PROSODY_DIR/server.pem" \
	--timeout 40 --to "$TO" --file "$T/g.bin" --replace-after 1 \
	--s5b-candidate stall7.invalid:1080 --s5b-candidate stall8.invalid:1080 \
	>"$T/g.bin.out" 2>"$T/g.bin.err" </dev/null || { cat "$T/g.bin.err"; fail "(g) the Jingle sender failed"; }
assert_grep "$T/g.bin.out" "terminate success"
assert_grep "$T/g.bin.err" "no candidate answer after"
t=$(secs "$T/g.bin.err" "transport-replace answered in")
[ -n "$t" ] || { cat "$T/g.bin.err"; fail "no transport-accept for g.bin"; }
note "(g) Jingle transport-replace during a stuck lookup accepted in $t s"
le "$t" 2 || fail "(g) the transport-replace waited $t s for the stuck lookup"
wait_log "$T/daemon.err" "received g.bin from alice@localhost/" 10
[ "$(sha "$T/g.bin")" = "$(sha "$T/in/g.bin")" ] || fail "(g) g.bin differs"
pings_ok ping-g

# (e) the same for the host of an out-of-band URL: the fetch gives up
# within the budget (curl would wait for its own lookup thread).
echo "<iq type=\"set\" to=\"$TO\"><query xmlns=\"jabber:iq:oob\"><url>http://stall6.invalid:8080/e.bin</url></query></iq>" \
	> "$T/oob.script"
q0=$(queries)
t0=$(now_ms)
timeout 60 "$PYTHON" "$SIPEER" raw --jid alice@localhost --password alice-pw --host 127.0.0.1 \
	--port "$C2S_PORT" --cafile "$PROSODY_DIR/server.pem" --script "$T/oob.script" \
	>"$T/oob.out" 2>"$T/oob.err" </dev/null || { cat "$T/oob.err"; fail "(e) the raw peer failed"; }
dt=$(($(now_ms) - t0))
note "(e) an out-of-band URL with an unresolvable host: refused $dt ms after the peer started"
assert_grep "$T/oob.out" "reply 1 error"
[ "$(queries)" -gt "$q0" ] || fail "(e) the lookup never reached the silent resolver"
wait_log "$T/daemon.err" "cannot resolve the host of stall6.invalid:8080: timed out" 5
[ "$dt" -le 6000 ] || fail "(e) the out-of-band offer took $dt ms to fail (budget 2 s)"

# (f) a URL host that does resolve (from the namespace's hosts file): the
# fetch hands curl the address it found, and the file comes intact.
ca=$(write_config alice "methods = oob" "oob_address = named.test")
run_xfer 0 send -vv -c "$ca" "$TO" "$T/f.bin"
assert_grep "$T/err" "serving f.bin at http://named.test:"
wait_log "$T/daemon.err" "received f.bin from alice@localhost/" 10
[ "$(sha "$T/f.bin")" = "$(sha "$T/in/f.bin")" ] || fail "(f) f.bin differs"

# (d) SIGTERM with --grace 1 while a lookup hangs.
q0=$(queries)
hostile d.txt 30 stall5.invalid
for ((i = 0; i < 100; i++)); do [ "$(queries)" -gt "$q0" ] && break; sleep 0.1; done
[ "$(queries)" -gt "$q0" ] || { cat "$T/d.txt.err"; fail "(d) no lookup started"; }
t0=$(now_ms)
kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 30
dt=$(($(now_ms) - t0))
note "(d) SIGTERM, --grace 1, during a stuck lookup: the daemon took $dt ms to stop"
[ "$WAIT_RC" -eq 0 ] || { cat "$T/daemon.err"; fail "(d) the daemon exited $WAIT_RC"; }
assert_grep "$T/daemon.err" "xfer: stopped"
[ "$dt" -le 2500 ] || fail "(d) the daemon took $dt ms to stop with --grace 1"
kill "$HOSTILE_PID" 2>/dev/null || true
assert_dir "$T/in" b.bin c.bin f.bin g.bin
exit 0
