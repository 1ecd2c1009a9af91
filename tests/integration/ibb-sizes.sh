#!/bin/bash
# SI + IBB between two xfer instances, by full JID: sizes around the block
# size, empty, 3 MiB random; a name with spaces and UTF-8; all checked by
# sha256. Several files go in one session; recv prints each path.
. "$TESTS_SRCDIR/lib.sh"
prosody_start
ca=$(write_config alice "methods = ibb")
cb=$(write_config bob "resource = box")
mkdir "$T/in" "$T/src"
files=()
for n in 0 1 4095 4096 4097; do
	head -c "$n" /dev/urandom > "$T/src/size-$n.bin"
	files+=("$T/src/size-$n.bin")
done
head -c 3145728 /dev/urandom > "$T/src/big.bin"
files+=("$T/src/big.bin")
printf 'hello\n' > "$T/src/été à la plage – notes.txt"
files+=("$T/src/été à la plage – notes.txt")

start_recv "$cb" -d "$T/in" --from alice@localhost --count ${#files[@]}
run_xfer 0 send -c "$ca" bob@localhost/box "${files[@]}"
wait_rc "$RECV_PID" 60; rc=$WAIT_RC
[ "$rc" -eq 0 ] || { cat "$T/recv.err"; fail "recv exited $rc"; }
[ "$(wc -l < "$T/recv.out")" -eq ${#files[@]} ] || fail "recv printed $(wc -l < "$T/recv.out") paths"
for f in "${files[@]}"; do
	b=$(basename "$f")
	[ -f "$T/in/$b" ] || fail "$b was not delivered"
	[ "$(sha "$f")" = "$(sha "$T/in/$b")" ] || fail "$b differs"
	grep -qxF "$T/in/$b" "$T/recv.out" || fail "recv did not print the path of $b"
done
[ "$(files_in "$T/in")" -eq ${#files[@]} ] || fail "unexpected files in DIR: $(ls -A "$T/in")"
# Delivered files get the umask-derived mode, not the temp file's 0600.
[ "$(stat -c %a "$T/in/big.bin")" = "$(printf '%o' $((0666 & ~$(umask))))" ] ||
	fail "mode $(stat -c %a "$T/in/big.bin")"
# Not on a terminal: nothing on stderr for the sender without -v.
[ ! -s "$T/err" ] || fail "send wrote to stderr: $(cat "$T/err")"
exit 0
