#!/bin/bash
# Out-of-band downloads reserve their size: two requests of 20 MiB at once
# into a 30 MiB file system. The HTTP server sends both heads, but neither
# body before both requests arrived, so both downloads are in flight
# together. One file arrives complete; the other is refused with
# <not-acceptable/> before a byte of it is stored, and nothing of it is left.
# Runs in its own mount namespace (unshare -m) when it can, so the tmpfs
# goes away with it.
UNSHARE_MOUNT=1
. "$TESTS_SRCDIR/lib.sh"
mkdir "$T/www"
tmpfs_mount "$T/in" 30m
prosody_start
head -c 20971520 /dev/urandom > "$T/www/a.bin"
head -c 20971520 /dev/urandom > "$T/www/b.bin"
start_httpstub "$T/www" --together 2

cb=$(write_config bob "resource = box")
start_recv "$cb" -d "$T/in" --from alice@localhost -n 2
oob() { echo "<iq type='set' to='bob@localhost/box'><query xmlns='jabber:iq:oob'><url>http://127.0.0.1:$HTTP_PORT/$1</url></query></iq>"; }
{ oob a.bin; oob b.bin; } > "$T/script"
sipeer alice raw --at-once --script "$T/script" --timeout 60 > "$T/raw.out" 2> "$T/raw.err" ||
	{ cat "$T/raw.err"; fail "the raw peer failed"; }
wait_rc "$RECV_PID"
cat "$T/raw.out" "$T/recv.err"
[ "$(grep -c '^reply [12] result$' "$T/raw.out")" -eq 1 ] || fail "not exactly one file delivered"
[ "$(grep -cx 'reply [12] error not-acceptable (cancel): the receiver cannot store the file' \
	"$T/raw.out")" -eq 1 ] || fail "the other request was not refused for want of space"
[ "$WAIT_RC" -eq 73 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC, expected 73"; }
got=$(ls -A "$T/in")
case "$got" in
a.bin | b.bin) ;;
*) fail "$T/in holds [$got], expected a.bin or b.bin" ;;
esac
[ "$(sha "$T/in/$got")" = "$(sha "$T/www/$got")" ] || fail "$got differs"
other=a.bin; [ "$got" = b.bin ] || other=b.bin
assert_grep "$T/recv.err" "received $got from alice@localhost/"
grep -qE "^xfer: $other from alice@localhost/[^ :]+: not enough space in $T/in: the file has 20971520 bytes, [0-9]+ are free, [0-9]+ are reserved for other transfers" \
	"$T/recv.err" || { cat "$T/recv.err"; fail "the refusal is not logged with its reason"; }
exit 0
