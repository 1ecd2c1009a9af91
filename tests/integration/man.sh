#!/bin/bash
# The man pages are valid mdoc, every option that --help shows is in xfer(1),
# every config key the parser knows is in xfer.conf(5), and every exit code
# is in EXIT STATUS.
. "$TESTS_SRCDIR/lib.sh"
need mandoc
for page in "$MAN_DIR/xfer.1" "$MAN_DIR/xfer.conf.5"; do
	mandoc -Tlint -Wwarning "$page" > "$T/lint" 2>&1 || { cat "$T/lint"; fail "mandoc -Tlint: $page"; }
done
mandoc -Tascii "$MAN_DIR/xfer.1" | col -bx > "$T/xfer.1.txt"
mandoc -Tascii "$MAN_DIR/xfer.conf.5" | col -bx > "$T/xfer.conf.5.txt"

{ "$XFER" --help; "$XFER" check --help; "$XFER" send --help; "$XFER" recv --help; } | grep -oE -- '--[a-z][a-z-]*' | sort -u > "$T/opts"
[ "$(wc -l < "$T/opts")" -ge 7 ] || fail "too few options found in --help"
while read -r opt; do
	grep -qF -- "$opt" "$T/xfer.1.txt" || fail "option $opt is in --help but not in xfer(1)"
done < "$T/opts"

# Keys: the table in confkey.c is the truth; the KEYS section must describe
# exactly those (EXAMPLES mention keys too, so only KEYS is searched).
grep -oE '^	\{ "[a-z_]+", +CT_' "$TESTS_SRCDIR/../src/confkey.c" | grep -oE '"[a-z_]+"' | tr -d '"' > "$T/keys"
[ "$(wc -l < "$T/keys")" -ge 14 ] || fail "too few config keys found in confkey.c"
sed -n '/^KEYS/,/^[A-Z]/p' "$T/xfer.conf.5.txt" > "$T/keys_section"
grep -oE '^     [a-z_]+( |$)' "$T/keys_section" | tr -d ' ' | sort -u > "$T/doc_keys"
[ -s "$T/doc_keys" ] || fail "no KEYS section in xfer.conf(5)"
while read -r key; do
	grep -qx "$key" "$T/doc_keys" || fail "config key $key is not described in the KEYS of xfer.conf(5)"
done < "$T/keys"
while read -r key; do
	grep -qx "$key" "$T/keys" || fail "xfer.conf(5) describes '$key', which the parser does not know"
done < "$T/doc_keys"

for code in 0 64 66 69 70 73 74 75 76 77 78; do
	sed -n '/^EXIT STATUS/,/^[A-Z]/p' "$T/xfer.1.txt" | grep -qE "^ +$code( |$)" ||
		fail "exit code $code is not in the EXIT STATUS of xfer(1)"
done
exit 0
