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

# A missing file in the middle: that file fails, the others arrive.
printf '%s\0%s\0%s\0' "$T/src/f 1.bin" "$T/src/missing.bin" "$T/src/f 2.bin" > "$T/list0"
start_recv "$cb" -d "$T/in2" --from alice@localhost --count 2
run_xfer 66 send --json -0 --files-from "$T/list0" -c "$ca" bob@localhost
wait_rc "$RECV_PID" 60; [ "$WAIT_RC" -eq 0 ] || fail "recv exited $WAIT_RC (missing)"
assert_grep "$T/err" "xfer: $T/src/missing.bin: cannot open $T/src/missing.bin: No such file or directory"
assert_grep "$T/err" "xfer: 1 of 3 files were not sent"
"$PYTHON" - "$T/out" <<'PY' || fail "the JSON report of the missing file is wrong"
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
assert [x['status'] for x in o] == ['ok', 'failed', 'ok'], o
assert o[1]['exit'] == 66 and 'No such file' in o[1]['error'] and o[1]['method'] is None, o
PY
[ "$(files_in "$T/in2")" -eq 2 ] || fail "expected 2 files: $(ls -A "$T/in2")"

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
"$XFER" send -v --retry 3 --timeout 3 -c "$ca" carol@localhost "$T/src/f 5.bin" \
	>"$T/out" 2>"$T/err" </dev/null &
send_pid=$!
at_exit "kill $send_pid 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q "will try again" "$T/err" && break; sleep 0.1; done
assert_grep "$T/err" "carol@localhost is not available"
start_recv "$dave" -d "$T/late" --from alice@localhost
wait_rc "$send_pid" 90
[ "$WAIT_RC" -eq 0 ] || { cat "$T/err"; fail "send --retry exited $WAIT_RC"; }
assert_grep "$T/err" "trying again in"
wait_rc "$RECV_PID" 30; [ "$WAIT_RC" -eq 0 ] || fail "late recv exited $WAIT_RC"
[ "$(sha "$T/src/f 5.bin")" = "$(sha "$T/late/f 5.bin")" ] || fail "late copy differs"

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
