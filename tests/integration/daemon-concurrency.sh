#!/bin/bash
# xfer daemon, max_concurrent = 2: three slow transfers start at once (IBB
# through a server that limits each client to 40 kB/s, so each takes ~10 s):
# exactly one is refused with a resource-constraint of type wait ("too many
# transfers at once": its send exits 75, temporary; the daemon logs the
# limit), the two others arrive intact, and once they are done a fourth is
# accepted again.
. "$TESTS_SRCDIR/lib.sh"
prosody_start_limited "40kb/s"
mkdir "$T/drop"
drop=$T/drop
files_here() { find "$drop" -mindepth 1 ! -name .xfer-daemon.lock | wc -l; }
for i in 1 2 3; do head -c 300000 /dev/urandom > "$T/c$i.bin"; done
head -c 20000 /dev/urandom > "$T/c4.bin"
for i in 1 2 3 4; do cp "$(write_config alice "resource = s$i")" "$T/alice$i.conf"; done
cb=$(write_config bob "drop_dir = $drop" "accept_from = alice@localhost" "max_concurrent = 2")
start_daemon "$cb"

# The subscription first, so that the three runs below start evenly.
run_xfer 0 send --method ibb -c "$T/alice4.conf" bob@localhost "$T/c4.bin"
rm "$drop/c4.bin"
l0=$(wc -l < "$T/daemon.err")

start=$(date +%s)
pids=()
for i in 1 2 3; do
	"$XFER" send -v --method ibb -c "$T/alice$i.conf" bob@localhost "$T/c$i.bin" \
		>"$T/s$i.out" 2>"$T/s$i.err" </dev/null &
	pids+=("$!")
	at_exit "kill $! 2>/dev/null"
done
ok=() refused=()
for i in 1 2 3; do
	wait_rc "${pids[$((i - 1))]}" 80
	case "$WAIT_RC" in
	0) ok+=("$i") ;;
	75) refused+=("$i") ;;
	*) cat "$T/s$i.err"; fail "send $i exited $WAIT_RC" ;;
	esac
done
took=$(( $(date +%s) - start ))
if [ "${#refused[@]}" -ne 1 ] || [ "${#ok[@]}" -ne 2 ]; then
	tail -n 20 "$T/daemon.err"
	fail "expected one refusal and two transfers, got refused: ${refused[*]:-none}, ok: ${ok[*]:-none}"
fi
r=${refused[0]}
# The refusal came while the two others ran (accepted, not yet received),
# or the test tested nothing.
tail -n +"$((l0 + 1))" "$T/daemon.err" | awk -v r="c$r.bin" '
	/^xfer: accepted c[123][.]bin \(300000 bytes\) from alice@localhost\/s[123]( over Jingle)?$/ { acc++ }
	/^xfer: received c[123][.]bin / { got++ }
	index($0, "xfer: refused " r " from ") == 1 { ok = (acc == 2 && got == 0) }
	END { exit !ok }' || { cat "$T/daemon.err"; fail "the refusal did not come while two transfers ran"; }
[ "$took" -ge 4 ] || fail "the transfers took only $took s: the rate limit was not in effect"
assert_grep "$T/s$r.err" "is busy (resource-constraint: too many transfers at once); try again later"
assert_grep "$T/daemon.err" "xfer: refused c$r.bin from alice@localhost/s$r: too many transfers at once (max_concurrent = 2)"
[ "$(count_log "$T/daemon.err" "too many transfers at once (max_concurrent = 2)")" -eq 1 ] ||
	fail "not exactly one refusal in the daemon's log"
[ ! -e "$drop/c$r.bin" ] || fail "the refused file was written"
for i in "${ok[@]}"; do
	[ "$(sha "$T/c$i.bin")" = "$(sha "$drop/c$i.bin")" ] || fail "c$i.bin differs"
	assert_grep "$T/daemon.err" "xfer: received c$i.bin from alice@localhost/s$i via ibb: 300000 bytes in "
done
[ "$(files_here)" -eq 2 ] || { ls -A "$drop"; fail "expected 2 files"; }

# Both slots are free again: a fourth transfer is accepted.
run_xfer 0 send --method ibb -c "$T/alice$r.conf" bob@localhost "$T/c$r.bin"
[ "$(sha "$T/c$r.bin")" = "$(sha "$drop/c$r.bin")" ] || fail "c$r.bin differs on the second try"
[ "$(files_here)" -eq 3 ] || { ls -A "$drop"; fail "expected 3 files"; }
[ "$(count_log "$T/daemon.err" "too many transfers at once")" -eq 1 ] || fail "a refusal after the others ended"

kill -TERM "$DAEMON_PID"
wait_rc "$DAEMON_PID" 40
[ "$WAIT_RC" -eq 0 ] || { cat "$T/daemon.err"; fail "the daemon exited $WAIT_RC after SIGTERM"; }
assert_grep "$T/daemon.err" "xfer: stopped"
exit 0
