#!/bin/bash
# Configuration errors reach the user with file, line and exit code 78 (77
# for a password file others can read), before any connection is made;
# so is a cafile that cannot be read.
. "$TESTS_SRCDIR/lib.sh"
cfg=$T/c.conf
conf() { printf "$@" > "$cfg"; chmod 600 "$cfg"; }

conf 'jid = alice@example.org\npassword = x\ntls = off\n'
run_xfer 78 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: $cfg:3: tls = off is refused for host 'example.org': plaintext is allowed only with 'host' set to a loopback address (use tls = required)" ] ||
	fail "tls=off: unexpected message: $(cat "$T/err")"
# Even a loopback-looking domain needs an explicit host (SRV decides otherwise).
conf 'jid = alice@localhost\npassword = x\ntls = off\n'
run_xfer 78 check -c "$cfg"
assert_grep "$T/err" "$cfg:3: tls = off is refused for host 'localhost'"

conf 'jid = alice@localhost\npassword = x\nhost = 192.0.2.1\ntls = off\n'
run_xfer 78 check -c "$cfg"
assert_grep "$T/err" "$cfg:4: tls = off is refused for host '192.0.2.1'"

conf 'jid = alice@localhost\npassword = x\n'
chmod 644 "$cfg"
run_xfer 77 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: $cfg contains a password and can be read by group or others (mode 0644); run: chmod 600 $cfg" ] ||
	fail "mode: unexpected message: $(cat "$T/err")"
chmod 640 "$cfg"
run_xfer 77 check -c "$cfg"
assert_grep "$T/err" "(mode 0640); run: chmod 600"

# Writable by others is refused even without a password (password_cmd).
conf 'jid = alice@localhost\npassword_cmd = echo x\n'
chmod 666 "$cfg"
run_xfer 77 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: $cfg can be written by group or others (mode 0666); run: chmod go-w $cfg" ] ||
	fail "writable: unexpected message: $(cat "$T/err")"

conf 'jid = alice@localhost\npassword = x\nspeed = fast\n'
run_xfer 78 check -c "$cfg"
[ "$(cat "$T/err")" = "xfer: $cfg:3: unknown key 'speed'" ] || fail "unknown key: $(cat "$T/err")"

conf '# no jid\npassword = x\n'
run_xfer 78 check -c "$cfg"
assert_grep "$T/err" "$cfg:2: account 'default' has no jid"

conf 'jid = alice@localhost\npassword = x\nport = 99999\n'
run_xfer 78 check -c "$cfg"
assert_grep "$T/err" "$cfg:3: port must be a number from 1 to 65535, not '99999'"

conf 'jid = alice@localhost\npassword = x\nmethods = ibb smoke-signals\n'
run_xfer 78 check -c "$cfg"
assert_grep "$T/err" "$cfg:3: unknown method 'smoke-signals' in methods (known: s5b, ibb, oob)"

conf '[account a]\njid = alice@localhost\npassword = x\n'
run_xfer 78 check -c "$cfg"
assert_grep "$T/err" "has no default account; choose one with -a NAME (accounts: a)"
run_xfer 78 check -c "$cfg" -a b
assert_grep "$T/err" "has no account 'b' (accounts: a)"

run_xfer 78 check -c "$T/missing.conf"
assert_grep "$T/err" "cannot open config file $T/missing.conf: No such file or directory"

# The default path: $XDG_CONFIG_HOME/xfer/config, then ~/.config/xfer/config.
mkdir -p "$T/xdg/xfer"
rc=0
env -u XFER_CONFIG XDG_CONFIG_HOME="$T/xdg" HOME="$T" "$XFER" check >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 78 ] || fail "default path: exit $rc"
assert_grep "$T/err" "cannot open config file $T/xdg/xfer/config"
rc=0
env -u XFER_CONFIG -u XDG_CONFIG_HOME HOME="$T" "$XFER" check >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" -eq 78 ] || fail "HOME path: exit $rc"
assert_grep "$T/err" "cannot open config file $T/.config/xfer/config"
# A cafile that cannot be used is a configuration error naming the key and
# the path, found before connecting (the port is closed: a connection
# attempt would end otherwise), for every verb; never "no TLS".
port=$(free_port)
conf "jid = alice@localhost\npassword = x\nhost = 127.0.0.1\nport = $port\ncafile = $T/none.pem\n"
for verb in check "send bob@localhost $cfg" recv "daemon -f"; do
	# shellcheck disable=SC2086
	run_xfer 78 $verb -c "$cfg"
	[ "$(cat "$T/err")" = "xfer: $cfg:5: cafile $T/none.pem cannot be read: No such file or directory (fix the path, or remove the key to use the system's CAs)" ] ||
		fail "cafile missing, $verb: unexpected message: $(cat "$T/err")"
done
echo "not a certificate" > "$T/bad.pem"
conf "jid = alice@localhost\npassword = x\nhost = 127.0.0.1\nport = $port\n[account b]\njid = bob@localhost\npassword = y\ncafile = $T/bad.pem\n"
run_xfer 78 check -a b -c "$cfg"
[ "$(cat "$T/err")" = "xfer: $cfg:8: cafile $T/bad.pem holds no PEM certificate" ] ||
	fail "cafile without a certificate: unexpected message: $(cat "$T/err")"
# Another account's cafile does not matter.
run_xfer 69 check -c "$cfg" --timeout 5
assert_no_grep "$T/err" cafile
exit 0
