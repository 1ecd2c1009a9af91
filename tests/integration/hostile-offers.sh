#!/bin/bash
# Offers crafted to hurt the receiver (sent with the slixmpp peer, which can
# offer any name and hash): path traversal, absolute paths, hidden files,
# a right-to-left override (shown escaped in the log), a 300-byte name all
# land sanitized inside DIR and nothing else in the tree changes; a wrong
# MD5 is detected (recv exits 76, no file, the sender is told); an offer
# with no usable method gets <bad-request/><no-valid-streams/>.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
cb=$(write_config bob "resource = box")
mkdir -p "$T/a/b/in"
echo data > "$T/payload"
long=$(printf 'n%.0s' $(seq 1 300))
rlo=$(printf 'invoice\xe2\x80\xaegpj.exe')
before=$(cd "$T" && find . -path ./prosody -prune -o -print | sort)

start_recv "$cb" -d "$T/a/b/in" --from alice@localhost --count 5
for name in "../../etc/x" "/abs" ".hidden" "$rlo" "$long"; do
	sipeer alice send --to bob@localhost/box --file "$T/payload" --name "$name" > "$T/p" 2>&1 ||
		{ cat "$T/p"; fail "slixmpp send of '$name' failed"; }
done
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC"; }
for f in x abs hidden invoice_gpj.exe "$(printf 'n%.0s' $(seq 1 240))"; do
	[ "$(cat "$T/a/b/in/$f" 2>/dev/null)" = data ] || fail "'$f' not delivered in DIR: $(ls -A "$T/a/b/in")"
done
[ "$(files_in "$T/a/b/in")" -eq 5 ] || fail "DIR holds: $(ls -A "$T/a/b/in")"
after=$(cd "$T" && find . -path ./prosody -prune -o -print | grep -v '^./a/b/in/' | sort)
extra=$(comm -13 <(echo "$before") <(echo "$after") | grep -vE '^\./(recv\.(out|err)|p)$' || true)
[ -z "$extra" ] || fail "files appeared outside DIR: $extra"
assert_grep "$T/recv.err" 'offered name "../../etc/x" is saved as "x"'
# The log shows the right-to-left override escaped, never raw.
assert_grep "$T/recv.err" 'offered name "invoice?gpj.exe" is saved as "invoice_gpj.exe"'
! grep -q $'\xe2\x80\xae' "$T/recv.err" || fail "a raw U+202E reached the log"

# A hash that does not match the data.
start_recv "$cb" -d "$T/a/b/in" --from alice@localhost
rc=0
sipeer alice send --to bob@localhost/box --file "$T/payload" --name liar.txt \
	--md5 00000000000000000000000000000000 > "$T/p" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "the lying sender was not told the file was refused"
assert_grep "$T/p" "MD5 mismatch"
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -eq 76 ] || { cat "$T/recv.err"; fail "recv exited $WAIT_RC on an MD5 mismatch, not 76"; }
assert_grep "$T/recv.err" "MD5 mismatch: the sender announced 00000000000000000000000000000000"
[ ! -e "$T/a/b/in/liar.txt" ] || fail "a file with a wrong hash was delivered"
[ "$(files_in "$T/a/b/in")" -eq 5 ] || fail "a temp file was left: $(ls -A "$T/a/b/in")"

# Only SOCKS5 offered to a receiver that takes IBB alone: nothing fits.
cb=$(write_config bob "resource = box" "methods = ibb")
start_recv "$cb" -d "$T/a/b/in" --from alice@localhost
rc=0
sipeer alice send --to bob@localhost/box --file "$T/payload" \
	--method-ns http://jabber.org/protocol/bytestreams > "$T/p" 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "an offer with no usable method was accepted"
assert_grep "$T/p" "bad-request"
assert_grep "$T/p" "no-valid-streams"
wait_rc "$RECV_PID" 30
[ "$WAIT_RC" -eq 69 ] || fail "recv exited $WAIT_RC, not 69"
assert_grep "$T/recv.err" "no offered method is accepted here"
exit 0
