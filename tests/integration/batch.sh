#!/bin/bash
# Batch sends, as cron runs them: 50 files from --files-from in one login
# with --json checked line by line; a missing file in the middle fails
# that file only (exit 66); two recipients; --retry waits for a receiver
# that comes online late; --lock refuses an overlapping run (exit 75);
# -q prints nothing on success; --files-from - never reads a terminal.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box")
mkdir "$T/src" "$T/in" "$T/in2"
for ((i = 1; i <= 50; i++)); do head -c $((i * 1000 + 7)) /dev/urandom > "$T/src/f $i.bin"; done
: > "$T/list"
for ((i = 1; i <= 50; i++)); do echo "$T/src/f $i.bin" >> "$T/list"; done

# 50 files, one login, JSON
start_recv "$cb" -d "$T/in" --from alice@localhost --count 50
run_xfer 0 send -vv --json --files-from "$T/list" -c "$ca" bob@localhost
wait_rc "$RECV_PID" 120; [ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC"; }
[ "$(grep -c "logged in as alice@localhost" "$T/err")" -eq 1 ] || fail "not one login"
"$PYTHON" - "$T/out" "$T/src" <<'PY' || fail "the JSON report is wrong"
import hashlib, json, os, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 50, len(lines)
for i, line in enumerate(lines, 1):
    o = json.loads(line)
    path = os.path.join(sys.argv[2], 'f %d.bin' % i)
    assert o['file'] == path, o
    assert o['status'] == 'ok' and o['error'] is None and o['exit'] == 0, o
    assert o['peer'].startswith('bob@localhost/box'), o
    assert o['method'] == 's5b', o
    assert o['bytes'] == os.path.getsize(path), o
    assert o['sha256'] == hashlib.sha256(open(path, 'rb').read()).hexdigest(), o
    assert o['seconds'] >= 0, o
PY
for ((i = 1; i <= 50; i++)); do
	[ "$(sha "$T/src/f $i.bin")" = "$(sha "$T/in/f $i.bin")" ] || fail "f $i.bin differs"
done

# A missing file in the middle: that file fails, the others arrive; a
# name that is not UTF-8 (a lone surrogate) still gives strict JSON.
printf '%s\0%s\0%s\0%s\0' "$T/src/f 1.bin" "$T/src/missing.bin" "$T/src/f 2.bin" \
	"$T/src/"$'\xed\xa0\x80' > "$T/list0"
start_recv "$cb" -d "$T/in2" --from alice@localhost --count 2
run_xfer 66 send --json -0 --files-from "$T/list0" -c "$ca" bob@localhost
wait_rc "$RECV_PID" 60; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC (missing)"
assert_grep "$T/err" "xfer: $T/src/missing.bin: cannot open $T/src/missing.bin: No such file or directory"
assert_grep "$T/err" "xfer: 2 of 4 files were not sent"
"$PYTHON" - "$T/out" <<'PY' || fail "the JSON report of the missing file is wrong"
import json, sys
o = [json.loads(l.decode('utf-8', 'strict')) for l in open(sys.argv[1], 'rb')]
assert [x['status'] for x in o] == ['ok', 'failed', 'ok', 'failed'], o
assert o[1]['exit'] == 66 and 'No such file' in o[1]['error'] and o[1]['method'] is None, o
assert o[3]['file'].endswith('/\ufffd\ufffd\ufffd'), o[3]
PY
[ "$(files_in "$T/in2")" -eq 2 ] || fail "expected 2 files: $(ls -A "$T/in2")"

# A NUL-separated list without -0 is refused, not cut at the first NUL;
# an empty list is a quiet success (a nightly find that found nothing).
run_xfer 64 send --files-from "$T/list0" -c "$ca" bob@localhost
assert_grep "$T/err" "holds NUL bytes: add -0 for a NUL-separated list"
: > "$T/empty"
run_xfer 0 send -q --files-from "$T/empty" -c "$ca" bob@localhost
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "an empty list printed something"

# One contact named twice (a full and a bare JID): both get the file.
start_recv "$cb" -d "$T/in2" --from alice@localhost --count 2
run_xfer 0 send --to bob@localhost/box --to bob@localhost -c "$ca" "$T/src/f 6.bin"
wait_rc "$RECV_PID" 60; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC (same contact twice)"
[ "$(sha "$T/src/f 6.bin")" = "$(sha "$T/in2/f 6 (1).bin")" ] || fail "second copy of f 6.bin differs"

# Two recipients: every file to each.
cc=$(write_config carol "resource = box")
mkdir "$T/bob" "$T/carol"
start_recv "$cb" -d "$T/bob" --from alice@localhost --count 2
bob_pid=$RECV_PID
cp "$T/recv.err" "$T/bob.err"
start_recv "$cc" -d "$T/carol" --from alice@localhost --count 2
run_xfer 0 send -q --to bob@localhost --to carol@localhost -c "$ca" "$T/src/f 3.bin" "$T/src/f 4.bin"
[ ! -s "$T/out" ] && [ ! -s "$T/err" ] || fail "-q printed something on success"
wait_rc "$bob_pid" 60; [ "$WAIT_RC" -eq 0 ] || fail "bob's recv exited $WAIT_RC"
wait_rc "$RECV_PID" 60; [ "$WAIT_RC" -eq 0 ] || fail "carol's recv exited $WAIT_RC"
for d in bob carol; do
	for i in 3 4; do
		[ "$(sha "$T/src/f $i.bin")" = "$(sha "$T/$d/f $i.bin")" ] || fail "$d: f $i.bin differs"
	done
done

# --retry: the receiver comes online after the first attempt failed.
dave=$(write_config carol "resource = late")
mkdir "$T/late"
: > "$T/err" # emptied here: the loop below must not read the last run's log
"$XFER" send -v --retry 3 --timeout 3 -c "$ca" carol@localhost "$T/src/f 5.bin" \
	>"$T/out" 2>"$T/err" </dev/null &
send_pid=$!
at_exit "kill $send_pid 2>/dev/null"
for ((i = 0; i < 300; i++)); do grep -q "will try again" "$T/err" && break; sleep 0.1; done
assert_grep "$T/err" "carol@localhost is not available"
start_recv "$dave" -d "$T/late" --from alice@localhost
wait_rc "$send_pid" 90
[ "$WAIT_RC" -eq 0 ] || { cat "$T/err"; fail "send --retry exited $WAIT_RC"; }
assert_grep "$T/err" "trying again in"
wait_rc "$RECV_PID" 30; [ "$WAIT_RC" -eq 0 ] || fail "late recv exited $WAIT_RC"
[ "$(sha "$T/src/f 5.bin")" = "$(sha "$T/late/f 5.bin")" ] || fail "late copy differs"

# --retry with a full JID that is offline at first.
late2=$(write_config carol "resource = late2")
: > "$T/err"
"$XFER" send -v --retry 3 --timeout 3 -c "$ca" carol@localhost/late2 "$T/src/f 7.bin" \
	>"$T/out" 2>"$T/err" </dev/null &
send_pid=$!
for ((i = 0; i < 300; i++)); do grep -q "will try again" "$T/err" && break; sleep 0.1; done
assert_grep "$T/err" "carol@localhost/late2 answered the offer with service-unavailable; will try again"
start_recv "$late2" -d "$T/late" --from alice@localhost
wait_rc "$send_pid" 90
[ "$WAIT_RC" -eq 0 ] || { cat "$T/err"; fail "send --retry to a full JID exited $WAIT_RC"; }
wait_rc "$RECV_PID" 30; [ "$WAIT_RC" -eq 0 ] || fail "late2 recv exited $WAIT_RC"
[ "$(sha "$T/src/f 7.bin")" = "$(sha "$T/late/f 7.bin")" ] || fail "late2 copy differs"

# A signal during the pause between tries ends the run, without a new login.
: > "$T/err"
"$XFER" send -vv --retry 5 --timeout 2 -c "$ca" carol@localhost "$T/src/f 5.bin" \
	>"$T/out" 2>"$T/err" </dev/null &
send_pid=$!
for ((i = 0; i < 300; i++)); do grep -q "trying again in" "$T/err" && break; sleep 0.1; done
assert_grep "$T/err" "trying again in"
kill -TERM "$send_pid"
wait_rc "$send_pid" 30
[ "$WAIT_RC" -eq 143 ] || { cat "$T/err"; fail "send exited $WAIT_RC after SIGTERM in the pause, expected 143"; }
[ "$(grep -c "logged in as" "$T/err")" -eq 1 ] || fail "logged in again after the signal"

# A refusal is not retried.
ca_ibb=$(write_config alice "methods = ibb")
cb_oob=$(write_config bob "resource = box" "methods = oob")
start_recv "$cb_oob" -d "$T/in2" --from alice@localhost
run_xfer 69 send -v --retry 3 -c "$ca_ibb" bob@localhost/box "$T/src/f 1.bin"
assert_no_grep "$T/err" "will try again"
kill "$RECV_PID" 2>/dev/null
ca=$(write_config alice)

# Without --retry the same situation fails at once with 69.
run_xfer 69 send --timeout 2 -c "$ca" carol@localhost "$T/src/f 5.bin"
assert_grep "$T/err" "xfer: carol@localhost is not available (no online resource within 2 s)"

# --files-from - on a terminal: refused at once, nothing waits for input.
rc=0
timeout 20 script -qec "'$XFER' send --to bob@localhost --files-from - -c '$ca'" /dev/null \
	> "$T/tty.out" 2>&1 || rc=$?
[ "$rc" -eq 64 ] || { cat "$T/tty.out"; fail "--files-from - on a terminal exited $rc, expected 64"; }
assert_grep "$T/tty.out" "standard input is a terminal; pipe the list in, or name a file"

# --lock: a run that overlaps another gives way with 75.
flock "$T/lock" sleep 20 &
holder=$!
at_exit "kill $holder 2>/dev/null"
for ((i = 0; i < 50; i++)); do flock -n "$T/lock" true 2>/dev/null || break; sleep 0.1; done
run_xfer 75 send --lock "$T/lock" -c "$ca" bob@localhost "$T/src/f 1.bin"
assert_grep "$T/err" "xfer: --lock $T/lock: another xfer send holds it (is the previous run still going?)"
kill "$holder"
exit 0
