#!/bin/bash
# Nothing listening: exit 69, naming host and port and the reason.
. "$TESTS_SRCDIR/lib.sh"
need "$PYTHON"
port=$(free_port)
cfg=$T/c.conf
printf 'jid = alice@localhost\npassword = x\nhost = 127.0.0.1\nport = %s\n' "$port" > "$cfg"
chmod 600 "$cfg"
run_xfer 69 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: cannot connect to 127.0.0.1 port $port: Connection refused" ] ||
	fail "unexpected message: $(cat "$T/err")"
exit 0
