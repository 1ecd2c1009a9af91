"""peerbase.py - the slixmpp scaffolding the interoperability test peers share.

Used by sipeer.py and jinglepeer.py (and, for run_to_exit(), capscheck.py);
it is no program itself. A peer subclasses Peer, implements started() (the
work once logged in) and ends it with finish(EXIT_OK) or fail(msg); its
main() parses the command line with add_connection_args() and
check_connection_args(), then hands over to run_peer().

What a peer gets here:
  - the JID (with --resource), the password, TLS verified against --cafile
    (STARTTLS, for the JID's domain) and a connection to --host only;
  - one overall deadline, --timeout, that bounds the whole run (connecting
    included); remaining() bounds every single wait by it;
  - failure detection: a connection, TLS, authentication or stream failure,
    or the server dropping the connection, ends the run with exit 1 and an
    explanation on stderr;
  - the exit codes: 0 success, 1 failure, 2 usage (argparse), 3 timeout.

Built on slixmpp 1.8.3 (Debian python3-slixmpp); the workarounds of its
bugs that are specific to one protocol stay in the peer that needs them.
"""

import asyncio
import ipaddress
import logging
import sys
import time

from slixmpp import ClientXMPP, JID
from slixmpp.exceptions import IqError, IqTimeout

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_TIMEOUT = 0, 1, 2, 3


def reporter(prog):
    """err(msg): prints 'prog: msg' on stderr at once."""
    def err(msg):
        print('%s: %s' % (prog, msg), file=sys.stderr, flush=True)
    return err


def iq_error_text(e):
    """'condition [app-condition] (type): text' of an IqError's <error/>."""
    e = e.iq['error']
    # Application-specific conditions (e.g. SI's <no-valid-streams/>) are
    # the children outside the stanzas namespace.
    app = [c.tag.split('}')[-1] for c in e.xml
           if not c.tag.startswith('{urn:ietf:params:xml:ns:xmpp-stanzas}')]
    text = '%s%s (%s)' % (e['condition'], ''.join(' ' + a for a in app), e['type'])
    return text + (': ' + e['text'] if e['text'] else '')


class Peer(ClientXMPP):
    """Login, TLS, the deadline and failure detection of one peer run.

    Subclasses set prog (the prefix of the stderr lines) and may override
    started(), stage() (what failed, for the messages of on_session_start),
    describe_iq_error(), progress() (appended to the timeout message) and
    timeouts (the exceptions reported as a timeout, exit 3)."""

    prog = 'peer'
    timeouts = (IqTimeout,)

    def __init__(self, args):
        jid = JID(args.jid)
        if args.resource:
            jid.resource = args.resource
        super().__init__(jid, args.password)
        self.args = args
        self.err = reporter(self.prog)
        self.ca_certs = args.cafile            # STARTTLS, verified for the JID's domain
        self.deadline = time.monotonic() + args.timeout
        self.done = self.loop.create_future()  # result: (exit code, message or None)
        self.finishing = False
        self.where = 'login'                   # what the peer is doing, for messages

        self.add_event_handler('session_start', self.on_session_start)
        self.add_event_handler('connection_failed',
                               lambda e: self.fail('cannot connect: %s' % e))
        self.add_event_handler('ssl_invalid_chain',
                               lambda e: self.fail('TLS certificate not trusted: %s' % e))
        self.add_event_handler('failed_all_auth',
                               lambda _: self.fail('authentication failed'))
        self.add_event_handler('stream_error',
                               lambda e: self.fail('stream error: %s' % e['condition']))
        self.add_event_handler('disconnected',
                               lambda r: self.fail('disconnected: %s' % (r or 'by server')))

    async def get_dns_records(self, domain, port=None):
        # Never resolve anything: connect exactly to --host (an IP literal).
        # slixmpp 1.8.3 would otherwise resolve the JID's domain (A/AAAA via
        # aiodns) even when connect() is given an address. This covers the
        # XMPP connection alone: plugins that open connections of their own
        # (xep_0065's streamhosts) use the system resolver.
        return [(self.args.host, self.args.host, self.args.port)]

    def remaining(self):
        """Seconds left before --timeout; used to bound every single wait."""
        return max(0.1, self.deadline - time.monotonic())

    def finish(self, code, msg=None):
        """Ends the run with exit code and, if any, msg on stderr (first call wins)."""
        if not self.done.done():
            self.finishing = True
            self.done.set_result((code, msg))

    def fail(self, msg, code=EXIT_FAIL):
        """finish() unless the run is already ending (then it is no failure)."""
        if not self.finishing:
            self.finish(code, msg)

    async def on_session_start(self, _):
        self.send_presence()
        self.err('online as %s' % self.boundjid.full)
        try:
            await self.started()
        except IqError as e:
            self.fail('%s: %s' % (self.stage(), self.describe_iq_error(e)))
        except self.timeouts:
            self.fail('%s: no answer within --timeout' % self.stage(), EXIT_TIMEOUT)
        except Exception as e:  # keep the failure visible, never hang
            self.fail('%s: %s: %s' % (self.stage(), type(e).__name__, e))

    def stage(self):
        return self.where

    def describe_iq_error(self, e):
        return iq_error_text(e)

    async def started(self):
        pass

    def progress(self):
        return ''


async def run(peer):
    """Connects, waits for the end or --timeout, disconnects; the exit code."""
    a = peer.args
    peer.connect((a.host, a.port))
    try:
        code, msg = await asyncio.wait_for(asyncio.shield(peer.done), peer.remaining())
    except asyncio.TimeoutError:
        code, msg = EXIT_TIMEOUT, 'timeout after %g s%s' % (a.timeout, peer.progress())
    peer.finishing = True                  # our own disconnect is no failure
    if msg:
        peer.err(msg)
    peer.cancel_connection_attempt()
    try:
        await asyncio.wait_for(peer.disconnect(wait=1), 3)
    except Exception:
        pass
    return code


def run_to_exit(make_client, run_client):
    """Runs run_client(make_client()) on a fresh event loop and exits with
    its result. The client is made once the loop is set: slixmpp takes the
    current one."""
    asyncio.set_event_loop(asyncio.new_event_loop())
    client = make_client()
    code = client.loop.run_until_complete(run_client(client))
    # Cancel slixmpp's leftover tasks so that closing the loop stays quiet.
    tasks = asyncio.all_tasks(client.loop)
    for task in tasks:
        task.cancel()
    client.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
    sys.exit(code)


def run_peer(peer_class, args):
    """Runs a Peer subclass with the parsed args; never returns."""
    run_to_exit(lambda: peer_class(args), run)


def add_connection_args(parser):
    """The options every peer command takes to log in, plus --timeout
    (--to and the like follow; -v comes from add_verbose_arg())."""
    parser.add_argument('--jid', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--resource', help='resource to bind (default: from --jid or server)')
    parser.add_argument('--host', required=True, help='server IP address (no DNS)')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--cafile', required=True, help='PEM to verify the server with')
    parser.add_argument('--timeout', type=float, default=60, help='bound of the whole run (s)')


def add_verbose_arg(parser):
    parser.add_argument('-v', '--verbose', action='store_true', help='log all XML to stderr')


def check_connection_args(parser, args):
    """Usage errors (exit 2) in the connection options."""
    try:
        ipaddress.ip_address(args.host)
    except ValueError:
        parser.error('--host must be an IP address')


def setup_logging(verbose):
    """slixmpp's log on stderr: everything with -v, else errors only."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.ERROR,
                        format='%(asctime)s %(levelname)s %(name)s: %(message)s')
