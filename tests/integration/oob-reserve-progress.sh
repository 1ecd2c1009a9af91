#!/bin/bash
# What a transfer has written no longer counts as reserved: an out-of-band
# download of 16 MiB into a 30 MiB file system, caught after 12 MiB, leaves
# 18 MiB free and 4 MiB reserved, so an SI offer of 12 MiB is accepted
# (counting the download's whole size, as before, refused it); both
# downloads' data are what the server sent. Runs in its own mount
# namespace (unshare -m) when it can, so the tmpfs goes away with it.
UNSHARE_MOUNT=1
. "$TESTS_SRCDIR/lib.sh"
mkdir "$T/www"
tmpfs_mount "$T/in" 30m
prosody_start
head -c 16777216 /dev/urandom > "$T/www/a.bin"
start_httpstub "$T/www" --pause-after 12582912:6

cb=$(write_config bob "resource = box" "accept_from = alice@localhost")
start_daemon "$cb" -v -d "$T/in"
TO=bob@localhost/box
oob() { echo "<iq type='set' to='$TO'><query xmlns='jabber:iq:oob'><url>http://127.0.0.1:$HTTP_PORT/$1</url></query></iq>"; }
si_offer() { # si_offer SID NAME SIZE
	echo "<iq type='set' to='$TO'><si xmlns='http://jabber.org/protocol/si' id='$1' profile='http://jabber.org/protocol/si/profile/file-transfer'><file xmlns='http://jabber.org/protocol/si/profile/file-transfer' name='$2' size='$3'/><feature xmlns='http://jabber.org/protocol/feature-neg'><x xmlns='jabber:x:data' type='form'><field var='stream-method' type='list-single'><option><value>http://jabber.org/protocol/ibb</value></option></field></x></feature></si></iq>"
}
# The offer goes once the download is paused (the stub says so).
{ oob a.bin; echo "sleep 3"; si_offer c1 c.bin 12582912; } > "$T/script"
sipeer alice raw --at-once --script "$T/script" --timeout 60 > "$T/raw.out" 2> "$T/raw.err" &
RAW_PID=$!
at_exit "kill $RAW_PID 2>/dev/null"
wait_log "$T/http.out" "paused /a.bin after 12582912 bytes" 15
wait_rc "$RAW_PID" 60
[ "$WAIT_RC" -eq 0 ] || { cat "$T/raw.err"; fail "the raw peer failed"; }
grep -qx 'reply 2 result' "$T/raw.out" ||
	{ cat "$T/raw.out" "$T/daemon.err"; fail "the 12 MiB offer was refused beside a download 3/4 done"; }
grep -qx 'reply 1 result' "$T/raw.out" || { cat "$T/raw.out"; fail "the download failed"; }
[ "$(sha "$T/in/a.bin")" = "$(sha "$T/www/a.bin")" ] || fail "a.bin differs"
assert_grep "$T/daemon.err" "accepted c.bin (12582912 bytes)"
exit 0
