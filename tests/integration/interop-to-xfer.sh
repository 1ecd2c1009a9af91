#!/bin/bash
# Interoperability: slixmpp (an independent implementation) sends to
# xfer recv over SI + IBB, with <iq> data and with <message> data, and an
# empty file; xfer's copies match by sha256.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cb=$(write_config bob "resource = box")
mkdir "$T/in"
head -c 1048576 /dev/urandom > "$T/one.bin"
head -c 4097 /dev/urandom > "$T/msg.bin"
: > "$T/empty.bin"
start_recv "$cb" -d "$T/in" --from alice@localhost --count 3
sipeer alice send --to bob@localhost/box --file "$T/one.bin" > "$T/p1" 2>&1 || { cat "$T/p1"; fail "slixmpp send (iq) failed"; }
sipeer alice send --to bob@localhost/box --file "$T/msg.bin" --stanza message --block-size 1000 \
	> "$T/p2" 2>&1 || { cat "$T/p2"; fail "slixmpp send (message) failed"; }
sipeer alice send --to bob@localhost/box --file "$T/empty.bin" > "$T/p3" 2>&1 || { cat "$T/p3"; fail "slixmpp send (empty) failed"; }
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "xfer recv exited $WAIT_RC"; }
for f in one.bin msg.bin empty.bin; do
	[ "$(sha "$T/$f")" = "$(sha "$T/in/$f")" ] || fail "$f differs"
done
exit 0
