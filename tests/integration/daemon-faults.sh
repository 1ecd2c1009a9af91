#!/bin/bash
# xfer daemon survives any one transfer failing, leaves no partial file and
# keeps serving: (a) the sender killed (SIGKILL) mid-transfer, over S5B,
# IBB and OOB; (b) garbage from an allowed peer (malformed SI offers, IBB for
# unknown streams, broken base64, bytestream requests with unusable or
# closed streamhosts), each answered with an error; (c) the drop dir gone
# unwritable (replaced by a regular file; immutable with chattr +i, before
# an offer and in the middle of a transfer), the sender told, then restored;
# (d) a full file system (a 1 MiB tmpfs as drop dir): a file larger than the
# free space is refused before any data, a write that hits ENOSPC fails that
# transfer only. After each case the next real file arrives intact, and the
# daemon holds no temp file. Case (d) needs mount(8) (root with
# CAP_SYS_ADMIN): without it the script ends with 77 (skip), never a pass.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice)
cb=$(write_config bob "resource = box")
mkdir "$T/in" "$T/src"
TO=bob@localhost/box
LOCK=$DAEMON_LOCK

# open_in PID DIR: files in DIR (deleted ones too) PID holds open, but the lock.
open_in() {
	local f l
	for f in /proc/"$1"/fd/*; do
		l=$(readlink "$f" 2>/dev/null) || continue
		case "$l" in "$2/$LOCK") ;; "$2"/*) echo "$l" ;; esac
	done
}
# wait_closed PID DIR [SECS]: until PID holds no (temp) file in DIR.
wait_closed() {
	local i
	for ((i = 0; i < ${3:-10} * 10; i++)); do
		[ -z "$(open_in "$1" "$2")" ] && return 0
		sleep 0.1
	done
	cat "$T/daemon.err"
	fail "the daemon still holds open: $(open_in "$1" "$2")"
}
# wait_re FILE REGEX [SECS]: until a line of FILE matches the extended REGEX,
# failing when the daemon exits first.
wait_re() {
	local i
	for ((i = 0; i < ${3:-10} * 10; i++)); do
		grep -qE -- "$2" "$1" && return 0
		kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$1"; fail "the daemon exited; waiting for /$2/"; }
		sleep 0.1
	done
	cat "$1"
	fail "/$2/ did not appear in $(basename "$1") within ${3:-10} s"
}
alive() { kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$T/daemon.err"; fail "the daemon died ($1)"; }; }
# deliver NAME BYTES [DIR]: a new random file sent by alice arrives intact.
deliver() {
	local dir=${3:-$T/in}
	head -c "$2" /dev/urandom > "$T/src/$1"
	run_xfer 0 send -c "$ca" "$TO" "$T/src/$1"
	wait_log "$T/daemon.err" "received $1 from alice@localhost/" 10 "$DAEMON_PID"
	[ "$(sha "$dir/$1" 2>/dev/null)" = "$(sha "$T/src/$1")" ] ||
		fail "$1 did not arrive intact in $dir: $(ls -A "$dir")"
}
# stop: SIGTERM ends the daemon with 0 and "stopped".
stop() {
	kill -TERM "$DAEMON_PID"
	wait_rc "$DAEMON_PID" 40
	[ "$WAIT_RC" -eq 0 ] || { cat "$T/daemon.err"; fail "the daemon exited $WAIT_RC on SIGTERM"; }
	assert_grep "$T/daemon.err" "stopped"
}
# killed_mid METHOD FILE MIN: the sender SIGKILLed once the daemon holds MIN
# bytes of FILE: the failure is logged, nothing stays, the daemon lives on.
killed_mid() {
	local m=$1 f=$2 pid
	note "(a) $m: the sender killed mid-transfer"
	"$XFER" send -c "$ca" --method "$m" "$TO" "$T/src/$f" >"$T/kout" 2>"$T/kerr" </dev/null &
	pid=$!
	at_exit "kill $pid 2>/dev/null"
	wait_receiving "$DAEMON_PID" "$T/in" "$3" 60
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	wait_re "$T/daemon.err" "^xfer: ${f//./\\.} from alice@localhost/[^ :]+: .+" 40
	assert_no_grep "$T/daemon.err" "received $f "
	wait_closed "$DAEMON_PID" "$T/in"
	assert_dir "$T/in" "${@:4}"
	alive "after the $m sender was killed"
}

# --idle-timeout 4: offers left half-done by the garbage go soon.
start_daemon "$cb" -d "$T/in" --from alice@localhost --pidfile "$T/d.pid" --idle-timeout 4
assert_grep "$T/daemon.err" "online as $TO; receiving into $T/in"

# (a) The sender dies mid-stream. Sparse files: cheap, and large enough to
# be cut at loopback speed.
truncate -s 2G "$T/src/big-s5b.bin"
truncate -s 300M "$T/src/big-ibb.bin"
killed_mid s5b big-s5b.bin 1000000
deliver next1.bin 300000
killed_mid ibb big-ibb.bin 100000 next1.bin
deliver next2.bin 200000
truncate -s 2G "$T/src/big-oob.bin"
killed_mid oob big-oob.bin 1000000 next1.bin next2.bin

note "(b) garbage"
# (b) Garbage, sent as raw IQs by the slixmpp peer (as hostile-ibb.sh).
SI="xmlns='http://jabber.org/protocol/si'"
PROF="profile='http://jabber.org/protocol/si/profile/file-transfer'"
FT="xmlns='http://jabber.org/protocol/si/profile/file-transfer'"
IBB="xmlns='http://jabber.org/protocol/ibb'"
BS="xmlns='http://jabber.org/protocol/bytestreams'"
feat() { # feat METHOD-NS: the stream-method form
	echo "<feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'><field var='stream-method' type='list-single'><option><value>$1</value></option></field></x></feature>"
}
offer() { # offer SID NAME SIZE METHOD-NS
	echo "<iq type='set' to='$TO'><si $SI id='$1' $PROF><file $FT name='$2' size='$3'/>$(feat "$4")</si></iq>"
}
closed=$(free_port)
{
	echo "# 1-6: malformed offers"
	echo "<iq type='set' to='$TO'><si $SI id='m1' $PROF>$(feat http://jabber.org/protocol/ibb)</si></iq>"
	offer m2 x.bin lots http://jabber.org/protocol/ibb
	offer m3 x.bin -5 http://jabber.org/protocol/ibb
	echo "<iq type='set' to='$TO'><si $SI id='m4' $PROF><file $FT name='x.bin' size='3'/></si></iq>"
	echo "<iq type='set' to='$TO'><si $SI id='m5' profile='urn:x-nonsense'><file $FT name='x.bin' size='3'/>$(feat http://jabber.org/protocol/ibb)</si></iq>"
	offer "bad&amp;id" x.bin 3 http://jabber.org/protocol/ibb
	echo "# 7-9: IBB for a stream nobody offered"
	echo "<iq type='set' to='$TO'><open $IBB sid='nosuch' block-size='4096' stanza='iq'/></iq>"
	echo "<iq type='set' to='$TO'><data $IBB sid='nosuch' seq='0'>Zm9v</data></iq>"
	echo "<iq type='set' to='$TO'><close $IBB sid='nosuch'/></iq>"
	echo "# 10-13: broken base64 in a real stream, then data after its end"
	offer g1 a.bin 6 http://jabber.org/protocol/ibb
	echo "<iq type='set' to='$TO'><open $IBB sid='g1' block-size='4096' stanza='iq'/></iq>"
	echo "<iq type='set' to='$TO'><data $IBB sid='g1' seq='0'>%%%not*base64%%%</data></iq>"
	echo "<iq type='set' to='$TO'><data $IBB sid='g1' seq='1'>Zm9v</data></iq>"
	echo "# 14-15: a bytestream request with only unusable streamhosts"
	offer g2 b.bin 3 http://jabber.org/protocol/bytestreams
	echo "<iq type='set' to='$TO'><query $BS sid='g2' mode='tcp'><streamhost jid='alice@localhost/x' host='bad host!' port='1'/><streamhost jid='alice@localhost/x' host='127.0.0.1' port='99999'/><streamhost jid='alice@localhost/x' host='' port='1'/><streamhost jid='' host='127.0.0.1' port='1'/></query></iq>"
	echo "# 16-17: a streamhost on a closed port"
	offer g3 c.bin 3 http://jabber.org/protocol/bytestreams
	echo "<iq type='set' to='$TO'><query $BS sid='g3' mode='tcp'><streamhost jid='alice@localhost/x' host='127.0.0.1' port='$closed'/></query></iq>"
	echo "# 18-20: a request for no stream, mode udp, an unknown payload"
	echo "<iq type='set' to='$TO'><query $BS sid='nosuch' mode='tcp'><streamhost jid='alice@localhost/x' host='127.0.0.1' port='$closed'/></query></iq>"
	echo "<iq type='set' to='$TO'><query $BS mode='tcp'/></iq>"
	echo "<iq type='set' to='$TO'><bogus xmlns='urn:x-bogus'/></iq>"
} > "$T/garbage.script"
sipeer alice raw --script "$T/garbage.script" --timeout 40 > "$T/garbage.out" 2> "$T/garbage.err" ||
	{ cat "$T/garbage.err"; fail "the raw peer failed"; }
reply() { # reply NAME N EXPECTED: reply N in $T/NAME.out starts with EXPECTED
	grep -qx "reply $2 $3.*" "$T/$1.out" || { cat "$T/$1.out"; fail "$1: reply $2 is not '$3'"; }
}
for n in 1 2 3 4 5 6; do reply garbage $n "error bad-request"; done
reply garbage 7 "error not-acceptable"
reply garbage 8 "error item-not-found"
reply garbage 9 "error item-not-found"
reply garbage 10 result
reply garbage 11 result
reply garbage 12 "error bad-request (cancel): invalid base64"
reply garbage 13 "error item-not-found"
reply garbage 14 result
reply garbage 15 "error bad-request (cancel): no usable streamhost"
reply garbage 16 result
reply garbage 17 error
reply garbage 18 "error not-acceptable"
reply garbage 19 error
reply garbage 20 "error service-unavailable"
[ "$(grep -c '^reply ' "$T/garbage.out")" -eq 20 ] || { cat "$T/garbage.out"; fail "not 20 replies"; }
wait_re "$T/daemon.err" "^xfer: a\.bin from alice@localhost/[^ :]+: .*base64" 5
alive "after the garbage"
# c.bin waits for a fallback that never comes (b.bin was replaced by the
# next offer of the same peer): --idle-timeout ends it.
wait_re "$T/daemon.err" "^xfer: c\.bin from alice@localhost/[^ :]+: .*never opened" 15
wait_closed "$DAEMON_PID" "$T/in"
assert_dir "$T/in" next1.bin next2.bin
deliver next3.bin 100000

# (c) The drop dir becomes unwritable while the daemon runs. Root ignores
# modes, so: the directory moved away and a regular file put in its place.
note "(c) the drop dir replaced by a file"
mv "$T/in" "$T/in.away"
echo "not a directory" > "$T/in"
echo data > "$T/src/c1.txt"
run_xfer 69 send -c "$ca" "$TO" "$T/src/c1.txt"
assert_grep "$T/err" "declined the file"
wait_re "$T/daemon.err" "^xfer: c1\.txt from alice@localhost/[^ :]+: .*$T/in" 10
assert_no_grep "$T/daemon.err" "received c1.txt"
alive "with the drop dir replaced by a file"
[ "$(cat "$T/in")" = "not a directory" ] || fail "the file in the drop dir's place was changed"
rm "$T/in"
mv "$T/in.away" "$T/in"
assert_dir "$T/in" next1.bin next2.bin next3.bin
deliver next4.bin 150000
# The same with the directory immutable (EPERM even for root), where the
# file system supports it.
if chattr +i "$T/in" 2>/dev/null; then
	at_exit "chattr -i '$T/in' 2>/dev/null"
	echo data > "$T/src/c2.txt"
	run_xfer 69 send -c "$ca" "$TO" "$T/src/c2.txt"
	wait_re "$T/daemon.err" "^xfer: c2\.txt from alice@localhost/[^ :]+: .*$T/in" 10
	alive "with an immutable drop dir"
	chattr -i "$T/in"
	assert_dir "$T/in" next1.bin next2.bin next3.bin next4.bin
	deliver next5.bin 1000
	# Immutable in the middle of a transfer: the complete file cannot be
	# linked in; the transfer fails, the sender is told, nothing stays.
	head -c 3000 /dev/urandom > "$T/src/mid.bin"
	{
		offer i1 mid.bin 3000 http://jabber.org/protocol/ibb
		echo "<iq type='set' to='$TO'><open $IBB sid='i1' block-size='4096' stanza='iq'/></iq>"
		echo "<iq type='set' to='$TO'><data $IBB sid='i1' seq='0'>$(head -c 2000 "$T/src/mid.bin" | base64 -w0)</data></iq>"
		echo "sleep 3"
		echo "<iq type='set' to='$TO'><data $IBB sid='i1' seq='1'>$(tail -c 1000 "$T/src/mid.bin" | base64 -w0)</data></iq>"
		echo "<iq type='set' to='$TO'><close $IBB sid='i1'/></iq>"
	} > "$T/mid.script"
	sipeer alice raw --script "$T/mid.script" --timeout 30 > "$T/mid.out" 2> "$T/mid.err" &
	raw_pid=$!
	at_exit "kill $raw_pid 2>/dev/null"
	wait_receiving "$DAEMON_PID" "$T/in" 2000 20
	chattr +i "$T/in"
	wait_rc "$raw_pid" 35
	[ "$WAIT_RC" -eq 0 ] || { cat "$T/mid.err"; fail "the raw peer failed"; }
	reply mid 3 result
	reply mid 5 "error "
	wait_re "$T/daemon.err" "^xfer: mid\.bin from alice@localhost/[^ :]+: .+" 10
	assert_no_grep "$T/daemon.err" "received mid.bin"
	alive "after the drop dir became immutable mid-transfer"
	chattr -i "$T/in"
	wait_closed "$DAEMON_PID" "$T/in"
	assert_dir "$T/in" next1.bin next2.bin next3.bin next4.bin next5.bin
	deliver next6.bin 1000
else
	note "chattr +i does not work on $(stat -f -c %T "$T"): only the replaced-directory case ran"
fi
stop
[ ! -e "$T/d.pid" ] || fail "the pidfile was left behind"

# (d) A full file system: a 1 MiB tmpfs as drop dir.
note "(d) a full file system"
tmpfs_mount "$T/small" 1m "cases a-c passed; (d) "
start_daemon "$cb" -d "$T/small" --from alice@localhost --pidfile "$T/d.pid"
head -c 2000000 /dev/urandom > "$T/src/toobig.bin"
run_xfer 69 send -c "$ca" "$TO" "$T/src/toobig.bin"
assert_grep "$T/err" "declined the file"
wait_re "$T/daemon.err" "^xfer: toobig\.bin from alice@localhost/[^ :]+: .*space" 10
assert_no_grep "$T/daemon.err" "accepted toobig.bin"
assert_dir "$T/small"
deliver small1.bin 100000 "$T/small"
# Space that runs out mid-transfer: a stream of 900 kB fits when offered;
# after its first block the rest of the file system is filled up.
head -c 3000 /dev/urandom | base64 -w0 > "$T/block.b64"
{
	offer d1 fill.bin 900000 http://jabber.org/protocol/ibb
	echo "<iq type='set' to='$TO'><open $IBB sid='d1' block-size='4096' stanza='iq'/></iq>"
	echo "<iq type='set' to='$TO'><data $IBB sid='d1' seq='0'>$(cat "$T/block.b64")</data></iq>"
	echo "sleep 3"
	for i in 1 2 3 4 5 6 7 8; do
		echo "<iq type='set' to='$TO'><data $IBB sid='d1' seq='$i'>$(cat "$T/block.b64")</data></iq>"
	done
} > "$T/full.script"
sipeer alice raw --script "$T/full.script" --timeout 40 > "$T/full.out" 2> "$T/full.err" &
raw_pid=$!
at_exit "kill $raw_pid 2>/dev/null"
wait_receiving "$DAEMON_PID" "$T/small" 3000 20
head -c 2000000 /dev/zero > "$T/small/filler" 2>/dev/null || true
wait_rc "$raw_pid" 45
[ "$WAIT_RC" -eq 0 ] || { cat "$T/full.err"; fail "the raw peer failed on the full disk"; }
grep -q "^reply 3 result" "$T/full.out" || { cat "$T/full.out"; fail "the first block was not taken"; }
grep -q "^reply [4-9] error not-acceptable (cancel): the receiver cannot store the file" "$T/full.out" ||
	{ cat "$T/full.out"; fail "no write error was reported to the sender on a full disk"; }
wait_re "$T/daemon.err" "^xfer: fill\.bin from alice@localhost/[^ :]+: .+" 10
alive "on a full disk"
wait_closed "$DAEMON_PID" "$T/small"
rm "$T/small/filler"
assert_dir "$T/small" small1.bin
deliver small2.bin 100000 "$T/small"
stop
exit 0
