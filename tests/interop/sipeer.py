#!/usr/bin/python3
"""sipeer.py - an independent XMPP file-transfer peer for interoperability tests.

Stream Initiation (XEP-0095) with the file-transfer profile (XEP-0096), data over
In-Band Bytestreams (XEP-0047) or SOCKS5 Bytestreams (XEP-0065), built on
slixmpp 1.8.3 (Debian python3-slixmpp).

  sipeer.py recv --jid J --password P --host IP --port N --cafile PEM --dir DIR
                 [--resource R] [--count 1] [--timeout 60] [--from JID]
                 [--max-block-size 65535] [--prefer ibb|s5b] [--fsync] [-v]
  sipeer.py send --jid J --password P --host IP --port N --cafile PEM
                 --to FULLJID --file PATH [--resource R] [--method ibb|s5b]
                 [--block-size 4096] [--stanza iq|message] [--no-meta]
                 [--desc TEXT] [--timeout 60] [-v]
                 [--streamhost HOST:PORT ... [--fallback-after SECONDS]]
  sipeer.py ping --jid J --password P --host IP --port N --cafile PEM
                 --to FULLJID [--count 10] [--interval 0.2] [--timeout 60]

recv prints "received <path> <size> <sha256hex>" per file; send prints
"sent <size> <seconds> <MB/s>" (seconds from IBB open to the acknowledged close,
or from the S5B request to the closed connection; MB = 10^6 bytes). Both print
"sipeer: online as <full JID>" on stderr once logged in. --timeout bounds the
whole run (connecting included). Exit status: 0 success, 1 failure, 2 usage,
3 timeout; every failure is explained on stderr.

recv --prefer ibb (the default) accepts IBB only: the S5B method is not
registered with SI, so an offer of S5B alone is refused with no-valid-streams.
recv --prefer s5b registers both and picks S5B when it is offered, IBB
otherwise (a plain-SI sender's second offer after S5B failed). It says on
stderr "sipeer: accepted <name> from <JID> with s5b|ibb (sid <sid>)" per
offer and, for S5B, "sipeer: s5b stream for <name> from <ip> port <n>": the
streamhost it used (compare the port with the proxy's). recv --fsync makes
each complete file durable (fsync) before reporting it, as xfer recv does:
benchmarks compare like with like.
send --method s5b offers S5B alone and moves the data through the proxies the
server lists (slixmpp offers no direct streamhost); it says "sipeer: s5b via
the proxy <JID>" on stderr.
send --streamhost HOST:PORT (repeatable) is a hostile sender for tests of the
receiver: it offers S5B and IBB with si-multiple, sends a bytestreams request
naming exactly these streamhosts (e.g. host names that never resolve), waits
at most --fallback-after seconds (default 30) for the answer and then, answer
or not, carries the file over IBB on the same stream. It says on stderr
"sipeer: s5b answered in <s> s: <result|error ...>" (or "sipeer: s5b
unanswered after <s> s"), then "sipeer: ibb open answered in <s> s".
ping sends --count XMPP pings (XEP-0199) to --to, one every --interval
seconds, each awaited, and prints "pong <n> <seconds>" per answer and at the
end "ping max <seconds>"; an error reply counts as an answer.

slixmpp 1.8.3 bugs worked around here (see /work/shared/notes/interop-peers.md):
  1. xep_0095.offer() raises TypeError (it passes option strings where
     Form.add_field() wants dicts): the offer stanza is built by hand below.
  2. xep_0095 registers its coroutine _handle_request as a plain Callback, so the
     coroutine is never awaited and 'si_request' never fires: it is re-registered
     as a CoroutineCallback.
  3. As receiver, xep_0095 picks the method of *lowest* priority (IBB before
     S5B). --prefer ibb unregisters S5B; --prefer s5b registers S5B again
     with an order below IBB's.
Also: slixmpp would resolve the JID's domain (A/AAAA via aiodns) even when given
an address; get_dns_records() is overridden (in peerbase.py, the login, deadline,
failure and exit-code scaffolding shared with jinglepeer.py) so that it connects
to --host only. That override covers the XMPP connection alone: xep_0065 connects to streamhost
hosts with loop.create_connection(), i.e. the system resolver, so the test
servers set proxy65_address to an IP literal and xfer is told s5b_listen.

slixmpp 1.8.3 xep_0065 (SOCKS5 bytestreams) behaviour this peer has to live with:
  4. Data events ('socks5_data', 'socks5_closed') are global: they carry
     neither the stream id nor the connection. Here the connection of the
     accepted stream (handed over by the 'stream:<sid>:<jid>' event that
     accept(stream_handler=) subscribes to) gets its own event function, so
     its data and its end are routed to one file and nothing else is.
  5. As target it connects to *every* offered streamhost at once
     (asyncio.gather), with no timeout, waits for all of them, uses the first
     in offer order that completed SOCKS5, and never closes the others: a
     streamhost that swallows SYNs stalls it until the sender gives up (on
     loopback a closed port is refused at once, so tests use that).
  6. The end of the data is only the close of the connection (XEP-0065 has
     no end marker); the receiver checks the offered size and MD5 then.
  7. As requester, handshake() offers only the proxies discovered with
     disco#items on the server (no direct streamhost), never times out the
     SOCKS5 connect to the proxy (bounded here with wait_for), and returns
     None without a reason when the target names an unknown streamhost or
     the proxy refuses the TCP connection. A SOCKS5 error reply from a
     streamhost makes Socks5Protocol._handle_connect() raise InvalidStateError
     (it sets both an exception and a result on the same future): the
     connection then just never completes.
  8. A SOCKS5 reply is parsed from whatever one read returned: one that
     arrives in pieces, or glued to the first data, is misread. xfer and
     Prosody send each reply in one write and no data before the activation
     or streamhost-used, so this does not bite on loopback.
"""

import argparse
import asyncio
import datetime
import hashlib
import os
import sys
import time
import uuid
import xml.etree.ElementTree as ET

from slixmpp import JID
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import CoroutineCallback
from slixmpp.xmlstream.matcher import StanzaPath

# peerbase.py lives next to this script; leave no __pycache__ in the source
# tree (EXTRA_DIST ships tests/interop whole).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerbase  # noqa: E402
from peerbase import EXIT_OK, iq_error_text  # noqa: E402

FT_NS = 'http://jabber.org/protocol/si/profile/file-transfer'
IBB_NS = 'http://jabber.org/protocol/ibb'
S5B_NS = 'http://jabber.org/protocol/bytestreams'
SI_MULTIPLE_NS = 'http://telepathy.freedesktop.org/xmpp/si-multiple'

PROG = 'sipeer'
err = peerbase.reporter(PROG)


class Peer(peerbase.Peer):
    """The SI/IBB plugin set-up shared by all modes (login, TLS and failure
    detection: peerbase.Peer)."""

    prog = PROG

    def __init__(self, args):
        super().__init__(args)
        self.register_plugin('xep_0030')
        self.register_plugin('xep_0047', {
            'max_block_size': getattr(args, 'max_block_size', 8192)})
        self.register_plugin('xep_0095')
        self.register_plugin('xep_0096')
        si = self['xep_0095']
        # Workaround 2: await the SI request handler instead of dropping it.
        self.remove_handler('SI Request')
        self.register_handler(CoroutineCallback(
            'SI Request', StanzaPath('iq@type=set/si'), si._handle_request))
        # Workaround 3: accept IBB only, unless S5B is preferred; then give
        # S5B an order below IBB's 50, since the lowest order wins.
        si.unregister_method(S5B_NS)
        if getattr(args, 'prefer', 'ibb') == 's5b':
            si.register_method(S5B_NS, 'xep_0065', 10)


class Transfer:
    """One accepted incoming file."""

    def __init__(self, path, size, md5, fsync=False):
        self.path, self.size, self.md5, self.fsync = path, size, md5, fsync
        self.fh = open(path, 'wb')
        self.received = 0
        self.sha256 = hashlib.sha256()
        self.md5sum = hashlib.md5()

    def write(self, data):
        """Stores a block; returns an error text or None."""
        try:
            self.fh.write(data)
        except OSError as e:
            return 'writing %s: %s' % (self.path, e)
        self.received += len(data)
        self.sha256.update(data)
        self.md5sum.update(data)
        if self.received > self.size:
            return '%s: more data than the %d bytes offered' % (self.path, self.size)
        return None

    def end(self):
        """Closes the file; returns an error text, or None when it is complete."""
        try:
            if self.fsync and self.received == self.size:
                self.fh.flush()
                os.fsync(self.fh.fileno())
            self.fh.close()
        except OSError as e:
            return 'writing %s: %s' % (self.path, e)
        if self.received != self.size:
            return '%s: stream closed after %d of %d bytes' % (self.path, self.received, self.size)
        if self.md5 and self.md5 != self.md5sum.hexdigest():
            return '%s: md5 mismatch (offered %s)' % (self.path, self.md5)
        return None


class Receiver(Peer):
    def __init__(self, args):
        super().__init__(args)
        self.auto_authorize = True   # approve presence subscription requests ...
        self.auto_subscribe = True   # ... and subscribe back
        self.transfers = {}          # (sid, peer full JID) -> Transfer
        self.count = 0
        self.add_event_handler('si_request', self.on_si_request)
        self.add_event_handler('ibb_stream_data', self.on_data)
        self.add_event_handler('ibb_stream_end', self.on_end)

    def progress(self):
        return ' (%d of %d files received)' % (self.count, self.args.count)

    async def started(self):
        await self.get_roster(timeout=self.remaining())

    async def refuse(self, iq, condition, etype, text):
        """Answer an SI offer with an error and forget it."""
        si = self['xep_0095']
        await si.api['del_pending'](None, iq['si']['id'], iq['from'])
        reply = iq.reply()
        reply['type'] = 'error'
        reply['error']['condition'] = condition
        reply['error']['type'] = etype
        reply['error']['text'] = text
        reply.send()
        err('refused offer from %s: %s' % (iq['from'], text))

    async def on_si_request(self, iq):
        """An SI offer that slixmpp found valid (profile known, IBB offered)."""
        a, peer, sid = self.args, iq['from'], iq['si']['id']
        f = iq['si']['file']
        if a.from_jid and peer.bare != JID(a.from_jid).bare:
            # decline() answers <forbidden/> "Offer declined".
            await self['xep_0095'].decline(peer, sid)
            err('refused offer from %s: not --from' % peer)
            return
        name = f['name']
        if not name or '/' in name or '\0' in name or name in ('.', '..'):
            return await self.refuse(iq, 'not-acceptable', 'cancel',
                                     'bad file name %r' % name)
        try:
            size = int(f['size'])
            if size < 0:
                raise ValueError
        except ValueError:
            return await self.refuse(iq, 'bad-request', 'modify',
                                     'bad file size %r' % f['size'])
        path = os.path.join(a.dir, name)
        # A plain-SI sender whose S5B failed offers the same file again
        # under a new sid: the earlier offer is dead, forget it.
        for key, old in list(self.transfers.items()):
            if key[1] == peer.full and old.path == path:
                old.fh.close()
                del self.transfers[key]
        key = (sid, peer.full)
        try:
            self.transfers[key] = Transfer(path, size, f['hash'].lower(), a.fsync)
        except OSError as e:
            await self.refuse(iq, 'internal-server-error', 'wait', 'cannot write file')
            return self.fail('cannot open %s: %s' % (path, e))
        si = self['xep_0095']
        pending = await si.api['get_pending'](None, sid, peer)
        method = pending['method'] if pending else None
        err('accepted %s from %s with %s (sid %s)'
            % (name, peer, 's5b' if method == S5B_NS else 'ibb', sid))
        # accept() answers with the chosen stream-method and pre-authorizes
        # the sid for its plugin; for S5B it also hands us the connection.
        if method == S5B_NS:
            await si.accept(peer, sid, stream_handler=lambda conn: self.on_s5b(key, conn))
        else:
            await si.accept(peer, sid)

    def on_data(self, stream):
        data = stream.read()   # one block per event, already base64-decoded
        t = self.transfers.get((stream.sid, stream.peer_jid.full))
        if t is None:
            return
        e = t.write(data)
        if e:
            self.fail(e)

    def done_one(self, t):
        print('received %s %d %s' % (t.path, t.size, t.sha256.hexdigest()), flush=True)
        self.count += 1
        if self.count >= self.args.count:
            self.finish(EXIT_OK)

    def on_end(self, stream):
        t = self.transfers.pop((stream.sid, stream.peer_jid.full), None)
        if t is None:
            return
        if not stream.stream_in_closed:
            # slixmpp closed it itself: bad seq or a block above block-size.
            t.fh.close()
            return self.fail('%s: IBB stream aborted (bad seq or oversized block)' % t.path)
        e = t.end()
        if e:
            return self.fail(e)
        self.done_one(t)

    def on_s5b(self, key, conn):
        """Quirk 4: the SOCKS5 connection of stream key; route its events here.
        Called from the plugin right after it answered streamhost-used, before
        any data can have been read."""
        t = self.transfers.get(key)
        if t is None:
            conn.transport.close()
            return
        peer = conn.transport.get_extra_info('peername') or ('?', 0)
        err('s5b stream for %s from %s port %s' % (os.path.basename(t.path), peer[0], peer[1]))

        def event(name, data=None):
            if name == 'socks5_data':
                e = t.write(data)
                if e:
                    self.fail(e)
                    conn.transport.close()
            elif name == 'socks5_closed':
                # Quirk 6: the close is the end of the data.
                if self.transfers.pop(key, None) is None:
                    return
                e = t.end()
                if e:
                    return self.fail(e)
                self.done_one(t)
        conn.event = event


class Sender(Peer):
    def offer(self, to, sid, path):
        """Workaround 1: the XEP-0095/0096 offer, built without xep_0095.offer()."""
        a, st = self.args, os.stat(path)
        iq = self.make_iq_set(ito=to)
        iq['si']['id'] = sid
        iq['si']['profile'] = FT_NS
        iq['si']['mime_type'] = 'application/octet-stream'
        f = iq['si']['file']
        # --name: offer any name, e.g. a hostile one, whatever the file is called.
        f['name'] = a.name if a.name is not None else os.path.basename(path)
        f['size'] = st.st_size
        if not a.no_meta:
            md5 = hashlib.md5()
            with open(path, 'rb') as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b''):
                    md5.update(chunk)
            # --md5: announce a hash of our choosing (tests of a mismatch).
            f['hash'] = a.md5 if a.md5 else md5.hexdigest()
            f['date'] = datetime.datetime.fromtimestamp(
                int(st.st_mtime), datetime.timezone.utc)
        if a.desc:
            f['desc'] = a.desc
        form = iq['si']['feature_neg']['form']
        form['type'] = 'form'
        form.add_field(var='stream-method', ftype='list-single',
                       options=[{'value': ns} for ns in self.offered()])
        if a.streamhost:
            ET.SubElement(iq['si'].xml, '{%s}si-multiple' % SI_MULTIPLE_NS)
        return iq, st.st_size

    def offered(self):
        a = self.args
        if a.streamhost:
            return [S5B_NS, IBB_NS]
        return a.method_ns or [S5B_NS if a.method == 's5b' else IBB_NS]

    def chosen(self, answer):
        """The stream method of an SI answer (the first of an si-multiple list)."""
        multi = answer['si'].xml.find('{%s}si-multiple' % SI_MULTIPLE_NS)
        if multi is not None:
            values = [v.text for v in multi.findall('{%s}value' % SI_MULTIPLE_NS)]
            return values[0] if values else None
        return answer['si']['feature_neg']['form'].get_values().get('stream-method')

    async def hostile_s5b(self, to, sid):
        """--streamhost: a bytestreams request naming exactly those hosts;
        waits --fallback-after s for its answer. Returns the pending future."""
        iq = self.make_iq_set(ito=to)
        q = ET.SubElement(iq.xml, '{%s}query' % S5B_NS, sid=sid, mode='tcp')
        for hp in self.args.streamhost:
            host, port = hp.rsplit(':', 1)
            ET.SubElement(q, '{%s}streamhost' % S5B_NS, jid=self.boundjid.full,
                          host=host, port=port)
        t0 = time.monotonic()
        answer = asyncio.ensure_future(iq.send(timeout=self.remaining()))

        def told(fut):
            if fut.cancelled():
                return
            e = fut.exception()
            what = 'error ' + iq_error_text(e) if isinstance(e, IqError) else \
                'result' if e is None else type(e).__name__
            err('s5b answered in %.3f s: %s' % (time.monotonic() - t0, what))
        answer.add_done_callback(told)
        self.where = 'S5B request'
        await asyncio.wait({answer}, timeout=self.args.fallback_after)
        if not answer.done():
            err('s5b unanswered after %.3f s' % (time.monotonic() - t0))
        elif answer.exception() is None:
            self.fail('S5B: the receiver says it connected to a streamhost that cannot exist')
        return answer

    async def send_s5b(self, to, sid, size):
        """Quirk 7: slixmpp's requester side, through the server's proxies."""
        x = self['xep_0065']
        self.where = 'S5B proxy discovery'
        proxies = await x.discover_proxies(timeout=self.remaining())
        if not proxies:
            return self.fail('S5B: the server lists no SOCKS5 proxy')
        self.where = 'S5B negotiation'
        t0 = time.monotonic()
        conn = await asyncio.wait_for(x.handshake(to, sid=sid, timeout=self.remaining()),
                                      self.remaining())
        if conn is None:
            return self.fail('S5B: the receiver named an unknown streamhost, or the '
                             'proxy could not be reached')
        err('s5b via the proxy %s' % ', '.join(str(p) for p in proxies))
        closed = self.loop.create_future()

        def event(name, data=None):
            if name == 'socks5_closed' and not closed.done():
                closed.set_result(data)
        conn.event = event
        self.where = 'S5B data'
        sent = 0
        with open(self.args.file, 'rb') as fh:
            for block in iter(lambda: fh.read(1 << 18), b''):
                if closed.done():
                    return self.fail('S5B: the connection closed after %d of %d bytes'
                                     % (sent, size))
                await asyncio.wait_for(conn.write(block), self.remaining())
                sent += len(block)
        # close() sends what is buffered first; connection_lost() follows.
        conn.transport.close()
        await asyncio.wait_for(asyncio.shield(closed), self.remaining())
        secs = time.monotonic() - t0
        if sent != size:
            return self.fail('file changed while sending: %d bytes, offered %d' % (sent, size))
        print('sent %d %.3f %.3f' % (sent, secs, sent / secs / 1e6 if secs else 0.0),
              flush=True)
        self.finish(EXIT_OK)

    async def started(self):
        a = self.args
        sid = uuid.uuid4().hex           # also the bytestream sid, as XEP-0096 requires
        self.where = 'offer'
        iq, size = self.offer(JID(a.to), sid, a.file)
        try:
            answer = await iq.send(timeout=self.remaining())
        except IqError as e:
            return self.fail('offer declined: %s' % iq_error_text(e))
        method = self.chosen(answer)
        if method not in self.offered():
            return self.fail('peer chose stream method %r, which was not offered' % method)
        pending = None
        if a.streamhost:
            if method != S5B_NS:
                return self.fail('peer chose %r, not S5B, for --streamhost' % method)
            pending = await self.hostile_s5b(answer['from'], sid)
            if self.finishing:
                return
            method = IBB_NS
        if method == S5B_NS:
            return await self.send_s5b(answer['from'], sid, size)
        if method != IBB_NS:
            return self.fail('peer chose stream method %r, which this peer cannot carry' % method)

        self.where = 'IBB open'
        t0 = time.monotonic()
        stream = await self['xep_0047'].open_stream(
            answer['from'], block_size=a.block_size, sid=sid,
            use_messages=(a.stanza == 'message'), timeout=self.remaining())
        if a.streamhost:
            err('ibb open answered in %.3f s' % (time.monotonic() - t0))
        self.where = 'IBB data'
        sent = 0
        with open(a.file, 'rb') as fh:
            for block in iter(lambda: fh.read(a.block_size), b''):
                # iq: waits for this block's ack; message: no ack at all.
                await stream.send(block, timeout=self.remaining())
                sent += len(block)
                if a.stanza == 'message':
                    await asyncio.sleep(0)   # let the send queue drain
        self.where = 'IBB close'
        await stream.close(timeout=self.remaining())
        secs = time.monotonic() - t0
        if sent != size:
            return self.fail('file changed while sending: %d bytes, offered %d' % (sent, size))
        if pending is not None:
            # The receiver answers the abandoned request once it drops it.
            await asyncio.wait({pending}, timeout=self.remaining())
        print('sent %d %.3f %.3f' % (sent, secs, sent / secs / 1e6 if secs else 0.0),
              flush=True)
        self.finish(EXIT_OK)


class Pinger(Peer):
    """Pings --to --count times and reports each round trip."""

    async def started(self):
        a, worst = self.args, 0.0
        for n in range(1, a.count + 1):
            self.where = 'ping %d' % n
            iq = self.make_iq_get(ito=a.to)
            ET.SubElement(iq.xml, '{urn:xmpp:ping}ping')
            t0 = time.monotonic()
            try:
                await iq.send(timeout=self.remaining())
            except IqError:
                pass   # an error reply is an answer too
            rtt = time.monotonic() - t0
            worst = max(worst, rtt)
            print('pong %d %.3f' % (n, rtt), flush=True)
            await asyncio.sleep(a.interval)
        print('ping max %.3f' % worst, flush=True)
        self.finish(EXIT_OK)


class Raw(Peer):
    """Sends the IQs of a script exactly as written, one per line, and prints
    each reply as 'reply N result' or 'reply N error CONDITION ...'. Lines
    'sleep SECONDS' pause; '#' lines are comments. For tests that attack a
    receiver with stanzas no well-behaved client would send. --at-once sends
    every IQ without waiting for the replies (which are printed in script
    order at the end); --show adds the XML of each result to its line."""

    def stage(self):
        return 'script'

    async def one(self, n, iq):
        try:
            r = await iq.send(timeout=self.remaining())
            return 'reply %d result%s' % (n, ' ' + str(r) if self.args.show else '')
        except IqError as e:
            return 'reply %d error %s' % (n, iq_error_text(e))

    async def started(self):
        n = 0
        pending = []
        with open(self.args.script) as fh:
            lines = [l.strip() for l in fh]
        for line in lines:
            if not line or line.startswith('#'):
                continue
            if line.startswith('sleep '):
                await asyncio.sleep(float(line[6:]))
                continue
            n += 1
            xml = ET.fromstring(line.replace('<iq ', '<iq xmlns="jabber:client" ', 1))
            iq = self.Iq(xml=xml)
            iq['id'] = self.new_id()
            if self.args.at_once:
                pending.append(asyncio.ensure_future(self.one(n, iq)))
            else:
                print(await self.one(n, iq), flush=True)
        for text in await asyncio.gather(*pending):
            print(text, flush=True)
        self.finish(EXIT_OK)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    for name in ('recv', 'send', 'raw', 'ping'):
        s = sub.add_parser(name)
        peerbase.add_connection_args(s)
        peerbase.add_verbose_arg(s)
    r = sub.choices['recv']
    r.add_argument('--dir', required=True)
    r.add_argument('--count', type=int, default=1)
    r.add_argument('--from', dest='from_jid', help='accept offers only from this bare JID')
    r.add_argument('--max-block-size', type=int, default=65535)
    r.add_argument('--prefer', choices=('ibb', 's5b'), default='ibb',
                   help='s5b: choose S5B when offered (default: accept IBB only)')
    r.add_argument('--fsync', action='store_true',
                   help='fsync each complete file before reporting it')
    s = sub.choices['send']
    s.add_argument('--to', required=True, help='full JID of the receiver')
    s.add_argument('--file', required=True)
    s.add_argument('--method', choices=('ibb', 's5b'), default='ibb',
                   help='the stream method to offer and carry the data with')
    s.add_argument('--block-size', type=int, default=4096, help='bytes before base64')
    s.add_argument('--stanza', choices=('iq', 'message'), default='iq',
                   help='IBB data stanza kind')
    s.add_argument('--no-meta', action='store_true', help='offer no hash and no date')
    s.add_argument('--desc', help='<desc> of the offer')
    s.add_argument('--streamhost', action='append',
                   help='HOST:PORT to name in a bytestreams request, then IBB (repeatable)')
    s.add_argument('--fallback-after', type=float, default=30,
                   help='with --streamhost: seconds to wait for the S5B answer')
    g = sub.choices['ping']
    g.add_argument('--to', required=True, help='full JID to ping')
    g.add_argument('--count', type=int, default=10)
    g.add_argument('--interval', type=float, default=0.2, help='seconds between pings')
    w = sub.choices['raw']
    w.add_argument('--script', required=True, help='a file of IQs, one per line')
    w.add_argument('--at-once', action='store_true',
                   help='send every IQ before waiting for the replies')
    w.add_argument('--show', action='store_true', help='print the XML of each result')
    s.add_argument('--name', help='the file name to offer (default: the base name of --file)')
    s.add_argument('--md5', help='the MD5 to announce instead of the real one')
    s.add_argument('--method-ns', action='append',
                   help='a stream-method to offer instead of --method\'s (repeatable)')
    a = p.parse_args()
    peerbase.check_connection_args(p, a)
    if a.cmd == 'recv' and not os.path.isdir(a.dir):
        p.error('--dir %s is not a directory' % a.dir)
    if a.cmd == 'send' and not os.path.isfile(a.file):
        p.error('--file %s is not a file' % a.file)
    if a.cmd == 'send' and not 1 <= a.block_size <= 65535:
        p.error('--block-size must be 1..65535')
    peerbase.setup_logging(a.verbose)
    peerbase.run_peer({'recv': Receiver, 'send': Sender, 'raw': Raw, 'ping': Pinger}[a.cmd], a)


if __name__ == '__main__':
    main()
