#!/bin/bash
# The command line: help, version, usage errors
# (exit 64, on stderr, nothing on stdout).
. "$TESTS_SRCDIR/lib.sh"

run_xfer 0 --help
assert_grep "$T/out" "Usage: xfer [OPTION...] COMMAND [ARG...]"
assert_grep "$T/out" "  check    log in and report what the server offers for file transfer"
assert_grep "$T/out" "  send     send files to JID"
assert_grep "$T/out" "  daemon   stay online and receive into a drop directory"
assert_no_grep "$T/out" "not built yet"
assert_grep "$T/out" "--config=FILE"
[ ! -s "$T/err" ] || fail "--help wrote to stderr"

run_xfer 0 check --help
assert_grep "$T/out" "xfer check: log in and report what the server offers for file transfer."
assert_grep "$T/out" "--timeout=SEC"
assert_grep "$T/out" "--account=NAME"
run_xfer 0 check -h
assert_grep "$T/out" "--timeout=SEC"

run_xfer 0 --version
grep -qE '^xfer [0-9]+\.[0-9]+\.[0-9]+$' "$T/out" || fail "--version: $(cat "$T/out")"

usage() {
	local msg=$1
	shift
	run_xfer 64 "$@"
	[ "$(cat "$T/err")" = "xfer: $msg" ] || fail "xfer $*: unexpected message: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "xfer $*: wrote to stdout"
}
usage "no command given; run 'xfer --help' for the list"
usage "unknown command 'frob'; run 'xfer --help' for the list" frob
usage "daemon takes no arguments, not 'x'" daemon x
usage "--grace must be from 0 to 3600 seconds" daemon --grace 3601
usage "--log must be syslog, stderr or an absolute file name, not 'daemon.log'" daemon --log daemon.log
usage "--pidfile must be an absolute file name" daemon --pidfile x.pid
usage "--frob: unknown option (see 'xfer check --help')" check --frob
usage "--bogus: unknown option (see 'xfer --help')" --bogus check
usage "--timeout: missing argument (see 'xfer check --help')" check --timeout
usage "check takes no arguments, not 'extra'" check extra
usage "--timeout must be from 1 to 31536000 seconds" check --timeout 0
usage "send needs a JID and at least one file (xfer send JID FILE..., or --to JID and --files-from FILE)" send bob@localhost
usage "send needs at least one file (arguments or --files-from)" send --to bob@localhost
usage "-0 applies to --files-from, which is not given" send -0 bob@localhost f
usage "--retry must be from 0 to 100" send --retry 101 bob@localhost f
usage "recv takes no arguments, not 'x'" recv x
usage "unknown method 'tcp' in --method (known: s5b, ibb, oob)" send --method tcp bob@localhost f
usage "--idle-timeout must be from 1 to 86400 seconds" recv --idle-timeout 0
usage "--count must be at least 1" recv --count 0
usage "-q and -v contradict each other; give one" -q check -v
exit 0
