#!/bin/bash
# Nothing listening: exit 69, naming host and port and the reason. A host
# name that cannot resolve: exit 69, naming it. (The name has a 64-byte
# label, which the resolver refuses locally: no DNS query leaves the host.)
. "$TESTS_SRCDIR/lib.sh"
need "$PYTHON"
port=$(free_port)
cfg=$T/c.conf
printf 'jid = alice@localhost\npassword = x\nhost = 127.0.0.1\nport = %s\n' "$port" > "$cfg"
chmod 600 "$cfg"
run_xfer 69 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: cannot connect to 127.0.0.1 port $port: Connection refused" ] ||
	fail "unexpected message: $(cat "$T/err")"

bad=$(printf 'a%.0s' $(seq 1 64)).invalid
printf 'jid = alice@localhost\npassword = x\nhost = %s\nport = %s\n' "$bad" "$port" > "$cfg"
run_xfer 69 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: cannot connect to $bad port $port: cannot resolve the host name: Name or service not known (check 'host' in the config)" ] ||
	fail "unexpected message: $(cat "$T/err")"
exit 0
