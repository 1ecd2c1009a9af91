#!/bin/bash
# xfer daemon and presence subscriptions: a fresh account (carol, empty
# roster) sends to the bare JID bob@localhost: the daemon approves her
# subscription and the file arrives, and her next send needs no new
# request; an account that is not allowed (dave) is refused ("unsubscribed":
# its send exits 69, nothing is written). The daemon's presence carries
# XEP-0115 caps whose ver matches its disco#info (checked independently with
# slixmpp: tests/interop/capscheck.py), listing the file-transfer features.
. "$TESTS_SRCDIR/lib.sh"
"$PYTHON" -c 'import slixmpp' 2>/dev/null || skip "python3-slixmpp is not installed"
prosody_start
timeout 20 prosodyctl --config "$PROSODY_DIR/prosody.cfg.lua" register dave localhost dave-pw \
	>/dev/null 2>&1 || fail "cannot register dave"
mkdir "$T/drop"
drop=$T/drop
files_here() { find "$drop" -mindepth 1 ! -name .xfer-daemon.lock | wc -l; }
head -c 123457 /dev/urandom > "$T/one.bin"
head -c 4321 /dev/urandom > "$T/two.bin"
head -c 999 /dev/urandom > "$T/dave.bin"

cb=$(write_config bob "drop_dir = $drop" "accept_from = alice@localhost carol@localhost")
start_daemon "$cb"
bob_full=$(sed -n 's/^xfer: online as \([^;]*\); receiving into .*/\1/p' "$T/daemon.err" | head -n 1)
case "$bob_full" in bob@localhost/?*) ;; *) cat "$T/daemon.err"; fail "no full JID in 'online as'" ;; esac

# carol has never logged in: no roster, no subscription.
cc=$(write_config carol)
run_xfer 0 send -v -c "$cc" bob@localhost "$T/one.bin"
assert_grep "$T/err" "asking bob@localhost for a presence subscription"
assert_grep "$T/daemon.err" "xfer: approving the presence subscription of carol@localhost"
[ "$(sha "$T/one.bin")" = "$(sha "$drop/one.bin")" ] || fail "one.bin differs"
assert_grep "$T/daemon.err" "xfer: received one.bin from carol@localhost/"
# Approved once, remembered by the server: the next send just sends.
run_xfer 0 send -v -c "$cc" bob@localhost "$T/two.bin"
assert_no_grep "$T/err" "asking bob@localhost for a presence subscription"
[ "$(sha "$T/two.bin")" = "$(sha "$drop/two.bin")" ] || fail "two.bin differs"
[ "$(count_log "$T/daemon.err" "approving the presence subscription of carol@localhost")" -eq 1 ] ||
	fail "carol's subscription was approved more than once"

# dave is not allowed: his request is answered "unsubscribed".
cdv=$(write_config dave)
run_xfer 69 send -v -c "$cdv" bob@localhost "$T/dave.bin"
assert_grep "$T/err" "asking bob@localhost for a presence subscription"
assert_grep "$T/err" "bob@localhost refused the presence subscription"
wait_log "$T/daemon.err" "xfer: refusing the presence subscription of dave@localhost (not allowed)" 5
assert_no_grep "$T/daemon.err" "approving the presence subscription of dave@localhost"
if [ -e "$drop/dave.bin" ] || [ "$(files_here)" -ne 2 ]; then ls -A "$drop"; fail "something was written for dave"; fi

# Entity capabilities, checked by another implementation. alice asks for a
# subscription (approved: she is allowed) and gets the daemon's presence.
rc=0
timeout 40 "$PYTHON" "$TESTS_SRCDIR/interop/capscheck.py" --jid alice@localhost --password alice-pw \
	--host 127.0.0.1 --port "$C2S_PORT" --cafile "$PROSODY_DIR/server.pem" \
	--target "$bob_full" --timeout 25 \
	--feature http://jabber.org/protocol/si \
	--feature http://jabber.org/protocol/si/profile/file-transfer \
	--feature http://jabber.org/protocol/bytestreams \
	--feature http://jabber.org/protocol/ibb \
	--feature jabber:iq:oob \
	--feature http://jabber.org/protocol/caps \
	>"$T/caps.out" 2>"$T/caps.err" </dev/null || rc=$?
[ "$rc" -eq 0 ] || { cat "$T/caps.out" "$T/caps.err"; fail "capscheck exited $rc"; }
assert_grep "$T/caps.out" "caps ok node="
assert_grep "$T/daemon.err" "approving the presence subscription of alice@localhost"
note "$(cat "$T/caps.out")"

kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon is gone"
kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 40
[ "$WAIT_RC" -eq 0 ] || { cat "$T/daemon.err"; fail "the daemon exited $WAIT_RC after SIGTERM"; }
assert_grep "$T/daemon.err" "xfer: stopped"
exit 0
