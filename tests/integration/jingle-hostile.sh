#!/bin/bash
# Jingle (XEP-0166/0234, IBB transport XEP-0261) into xfer recv, sent by an
# independent initiator (tests/interop/jinglepeer.py, slixmpp, stanzas
# written by hand):
# - a good sha-256 in the offer: delivered, same sha256, terminate success;
# - a wrong sha-256 in the offer, or a wrong one in a session-info
#   <checksum/>: the IBB close is refused, recv exits 76 and logs the
#   mismatch, the initiator gets terminate media-error, nothing is left;
#   a right <checksum/> (no hash in the offer) is delivered, with the IBB
#   block size lowered to the receiver's ibb_block_size;
# - a sender not allowed: <forbidden/> "Offer declined", nothing written,
#   recv keeps waiting;
# - a file larger than max_size: acknowledged, then terminate decline;
#   recv exits 73 as for an SI offer;
# - requests a responder must refuse: unknown sessions (item-not-found +
#   unknown-session), unknown action and no sid (bad-request), a second
#   session-initiate and a session-accept on a live session (unexpected-
#   request + out-of-order), an unknown session-info payload
#   (feature-not-implemented + unsupported-info), content-add on it
#   (feature-not-implemented), then the initiator's
#   session-terminate <cancel/> (result, no file); recv still runs and
#   takes a good file afterwards, and stops with 143 on SIGTERM.
# Every drop directory holds exactly the delivered files (no temp file).
. "$TESTS_SRCDIR/lib.sh"

JINGLEPEER=$TESTS_SRCDIR/interop/jinglepeer.py
# jinglepeer USER VERB ARGS...: the slixmpp Jingle initiator as USER; its
# own --timeout bounds the run, timeout(1) only guards against a hang.
jinglepeer() {
	local user=$1 verb=$2
	shift 2
	"$PYTHON" -c 'import slixmpp' 2>/dev/null || skip "python3-slixmpp is not installed"
	timeout 90 "$PYTHON" "$JINGLEPEER" "$verb" --jid "$user@localhost" --password "$user-pw" \
		--host 127.0.0.1 --port "$C2S_PORT" --cafile "$PROSODY_DIR/server.pem" \
		--timeout 40 "$@" </dev/null
}
# jsend NAME WANT_RC USER ARGS...: jinglepeer USER send --to bob@localhost/box ARGS,
# stdout in $T/NAME.out, stderr in $T/NAME.err; fails unless it exits WANT_RC.
jsend() {
	local name=$1 want=$2 user=$3 rc=0
	shift 3
	jinglepeer "$user" send --to bob@localhost/box "$@" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "--- jinglepeer stdout:"; cat "$T/$name.out"
		echo "--- jinglepeer stderr:"; cat "$T/$name.err"
		echo "--- recv stderr:"; cat "$T/recv.err"
		fail "$name: jinglepeer send exited $rc, expected $want"
	fi
}
# recv_rc WANT: recv ends (bounded) with exit status WANT.
recv_rc() {
	wait_rc "$RECV_PID" 30
	[ "$WAIT_RC" -eq "$1" ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC, expected $1"; }
	no_sanitizer_report
}
no_sanitizer_report() {
	! grep -qE 'Sanitizer|runtime error:' "$T/recv.err" ||
		{ cat "$T/recv.err"; fail "a sanitizer reported an error in recv"; }
}

prosody_start
cb=$(write_config bob "resource = box")
head -c 70001 /dev/urandom > "$T/good.bin"	# 17 full 4096-byte blocks and a short one
head -c 20000 /dev/urandom > "$T/large.bin"
mkdir "$T/ok" "$T/badhash" "$T/sumok" "$T/sumbad" "$T/stranger" "$T/big" "$T/probe"

# A right sha-256 in the offer.
start_recv "$cb" -d "$T/ok" --from alice@localhost
jsend ok 0 alice --file "$T/good.bin" --hash good
assert_grep "$T/ok.out" "terminate success"
assert_no_grep "$T/ok.err" "refused"
recv_rc 0
[ "$(sha "$T/good.bin")" = "$(sha "$T/ok/good.bin")" ] || fail "ok: the delivered copy differs"
assert_dir "$T/ok" good.bin
assert_grep "$T/recv.err" "accepted good.bin (70001 bytes) from alice@localhost/"
assert_grep "$T/recv.err" "received good.bin from alice@localhost/"
assert_grep "$T/recv.err" " via ibb"
grep -qxF "$T/ok/good.bin" "$T/recv.out" || fail "ok: recv printed [$(cat "$T/recv.out")]"

# A wrong sha-256 in the offer: the data arrive, the hash does not match.
start_recv "$cb" -d "$T/badhash" --from alice@localhost
jsend badhash 1 alice --file "$T/good.bin" --hash bad
assert_grep "$T/badhash.out" "terminate media-error"
assert_grep "$T/badhash.err" "IBB close refused"
recv_rc 76
grep -qi "mismatch" "$T/recv.err" || { cat "$T/recv.err"; fail "badhash: recv does not name the mismatch"; }
assert_dir "$T/badhash"

# No hash in the offer; a session-info <checksum/> before the data. The
# receiver's IBB maximum is below the offered block size: it is lowered.
cb=$(write_config bob "resource = box" "ibb_block_size = 1000")
start_recv "$cb" -d "$T/sumok" --from alice@localhost
jsend sumok 0 alice --file "$T/good.bin" --hash none --checksum good --block-size 4096
assert_grep "$T/sumok.out" "terminate success"
assert_grep "$T/sumok.err" "session-accept: IBB block-size 1000"
recv_rc 0
[ "$(sha "$T/good.bin")" = "$(sha "$T/sumok/good.bin")" ] || fail "sumok: the delivered copy differs"
assert_dir "$T/sumok" good.bin
cb=$(write_config bob "resource = box")	# the same file: the default block size again

start_recv "$cb" -d "$T/sumbad" --from alice@localhost
jsend sumbad 1 alice --file "$T/good.bin" --hash none --checksum bad
assert_grep "$T/sumbad.out" "terminate media-error"
assert_grep "$T/sumbad.err" "IBB close refused"
recv_rc 76
grep -qi "mismatch" "$T/recv.err" || { cat "$T/recv.err"; fail "sumbad: recv does not name the mismatch"; }
assert_dir "$T/sumbad"

# A sender that is not allowed: refused at once, not counted, nothing written.
start_recv "$cb" -d "$T/stranger" --from alice@localhost
jsend stranger 1 carol --file "$T/good.bin"
assert_grep "$T/stranger.out" "error forbidden - Offer declined"
assert_grep "$T/recv.err" "refused an offer from carol@localhost/"
kill -0 "$RECV_PID" 2>/dev/null || { cat "$T/recv.err"; fail "a refused stranger ended recv"; }
kill -TERM "$RECV_PID"
recv_rc 143
assert_dir "$T/stranger"

# Larger than max_size: the offer is acknowledged, then declined.
cbig=$(write_config bob "resource = box" "max_size = 10K")
start_recv "$cbig" -d "$T/big" --from alice@localhost
jsend big 1 alice --file "$T/large.bin"
assert_grep "$T/big.out" "terminate decline"
recv_rc 73
assert_grep "$T/recv.err" "more than max_size"
assert_dir "$T/big"
cb=$(write_config bob "resource = box")	# the same file: without max_size again

# Requests a responder must refuse; then the live session is cancelled.
start_recv "$cb" -d "$T/probe" --from alice@localhost --count 10
jinglepeer alice probe --to bob@localhost/box >"$T/probe.out" 2>"$T/probe.err" ||
	{ cat "$T/probe.out" "$T/probe.err"; fail "jinglepeer probe failed"; }
cat > "$T/probe.want" <<'EOW'
probe transport-info-unknown error item-not-found unknown-session
probe terminate-unknown error item-not-found unknown-session
probe accept-unknown error item-not-found unknown-session
probe bogus-action error bad-request -
probe no-sid error bad-request -
probe content-add-unknown error item-not-found unknown-session
probe initiate result - -
probe initiate-again error unexpected-request out-of-order
probe accept-live error unexpected-request out-of-order
probe info-unknown error feature-not-implemented unsupported-info
probe content-add-live error feature-not-implemented -
probe terminate-live result - -
EOW
diff -u "$T/probe.want" "$T/probe.out" ||
	{ cat "$T/probe.err"; fail "probe: the answers differ from the spec (- expected, + got)"; }
assert_no_grep "$T/probe.err" "after the end of the probe session"
assert_grep "$T/recv.err" "accepted probe.bin (4 bytes) from alice@localhost/"
kill -0 "$RECV_PID" 2>/dev/null || { cat "$T/recv.err"; fail "probe: recv did not survive the probes"; }
assert_dir "$T/probe"
# ... and still takes a good file.
jsend after 0 alice --file "$T/good.bin" --hash good
assert_grep "$T/after.out" "terminate success"
[ "$(sha "$T/good.bin")" = "$(sha "$T/probe/good.bin")" ] || fail "probe: the later copy differs"
assert_dir "$T/probe" good.bin
kill -0 "$RECV_PID" 2>/dev/null || { cat "$T/recv.err"; fail "probe: recv ended before --count 10"; }
kill -TERM "$RECV_PID"
recv_rc 143
assert_dir "$T/probe" good.bin
exit 0
