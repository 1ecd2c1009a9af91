#!/bin/bash
# A server that accepts the connection and then says nothing: the login gives
# up after --timeout seconds with exit 75.
. "$TESTS_SRCDIR/lib.sh"
need "$PYTHON"
port=$(free_port)
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5)
conns = []
end = time.time() + 30
s.settimeout(1)
while time.time() < end:
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass' "$port" &
silent=$!
at_exit "kill $silent 2>/dev/null"
wait_port "$port" 5 || fail "silent server did not start"
cfg=$T/c.conf
printf 'jid = alice@localhost\npassword = x\nhost = 127.0.0.1\nport = %s\n' "$port" > "$cfg"
chmod 600 "$cfg"
start=$(date +%s)
run_xfer 75 check --timeout 2 -c "$cfg"
took=$(( $(date +%s) - start ))
[ "$(cat "$T/err")" = "xfer: login to 127.0.0.1 port $port did not complete within 2 s" ] ||
	fail "unexpected message: $(cat "$T/err")"
[ "$took" -le 10 ] || fail "took $took s for a 2 s timeout"
exit 0
