#!/usr/bin/python3
"""jinglepeer.py - an independent Jingle file-transfer initiator for interoperability tests.

Jingle (XEP-0166) with the file-transfer application (XEP-0234, namespace
urn:xmpp:jingle:apps:file-transfer:5) over the In-Band Bytestreams transport
(XEP-0261, data with XEP-0047 <iq/> stanzas), built on slixmpp 1.8.3 (Debian
python3-slixmpp), which has no Jingle plugin: every Jingle and IBB stanza is
written here by hand (ElementTree), sent as the payload of an slixmpp Iq and
its answer awaited with a timeout.

  jinglepeer.py send  --jid J --password P --host IP --port N --cafile PEM
                      --to FULLJID --file PATH [--name NAME]
                      [--hash good|bad|none] [--checksum good|bad|none]
                      [--block-size 4096] [--resource R] [--timeout 60] [-v]
                      [--s5b-candidate HOST:PORT ... [--replace-after SECONDS]]
  jinglepeer.py probe --jid J --password P --host IP --port N --cafile PEM
                      --to FULLJID [--resource R] [--timeout 60] [-v]
  jinglepeer.py recv  --jid J --password P --host IP --port N --cafile PEM
                      (--reason REASON | --silent) [--resource R] [--timeout 60] [-v]

send: session-initiate (content 'a-file-offer', a <file/> with name, size and,
with --hash good, the sha-256 of the file; --hash bad announces the sha-256
of other bytes; --hash none no hash), then the responder's session-accept
(its IBB block-size, at most the offered --block-size, is used). With
--checksum good|bad a session-info <checksum/> (the right sha-256 or a
wrong one) follows before the data. Then IBB open, data in order (each
block waits for its ack), close; then the responder's session-terminate,
printed on stdout as "terminate <reason> [<text>]". Exit 0 iff that reason
is success and every IQ of ours was acknowledged. If the responder answers
the session-initiate with an IQ error, "error <condition> <app-condition
or -> [<text>]" is printed; if it sends session-terminate instead of
session-accept, the "terminate ..." line; both exit 1.

send --s5b-candidate HOST:PORT (repeatable) is a hostile initiator for tests
of the responder: the session-initiate offers the SOCKS5 transport (XEP-0260)
with exactly these direct candidates (e.g. host names that never resolve);
after the session-accept it waits at most --replace-after seconds (default
30) for the responder's transport-info (candidate-error), then replaces the
transport with IBB (transport-replace) and sends the file over IBB. It says
on stderr "jinglepeer: candidate answer in <s> s: <element>" (or "jinglepeer:
no candidate answer after <s> s"), then "jinglepeer: transport-replace
answered in <s> s: transport-accept" (the time from sending the replace to
the responder's transport-accept).

probe: sends Jingle requests a responder must refuse, one after another, and
prints one line per answer, "probe <name> <result|error> <condition or -> <Jingle
error condition or ->":
  transport-info-unknown  transport-info for a sid no session has
  terminate-unknown       session-terminate <success/> for an unknown sid
  accept-unknown          session-accept for an unknown sid
  bogus-action            action='bogus-action'
  no-sid                  a <jingle/> element without sid
  content-add-unknown     content-add for an unknown sid
  initiate                a valid session-initiate (IBB; the responder's
                          session-accept is awaited and acknowledged)
  initiate-again          a second session-initiate with that live sid
  accept-live             session-accept on the live sid (never sent to a responder)
  info-unknown            session-info with a payload element nobody knows
  content-add-live        content-add on the live session (a second file)
  terminate-live          session-terminate <cancel/> of the live session
Exit 0 once every probe was answered (whatever the answers: the caller
judges them); 1 if the valid session-initiate is refused or the responder
ends that session itself.

recv is a responder that takes one file offered over IBB and, when the IBB
<close/> arrives, first sends session-terminate with --reason (awaiting its
acknowledgement) and only then answers the close with a result: a
receiver that acknowledges the whole stream and yet rejects the file (a
checksum it did not like). It advertises Jingle file transfer over IBB in
disco#info, prints "received <bytes> bytes" and exits 0 once the close is
answered. recv --silent acknowledges the session-initiate and then says
nothing at all (a client that crashed after the ack); it prints "got
session-terminate <reason>" and exits 0 at the initiator's
session-terminate, or fails at --timeout.

All print "jinglepeer: online as <full JID>" on stderr once logged in.
--timeout bounds the whole run (connecting included) and each single wait.
Exit status: 0 success, 1 failure, 2 usage, 3 timeout; every failure is
explained on stderr.

Jingle requests from the responder (session-accept, session-info,
session-terminate) are answered with an empty result when they name a
session of ours, else with <item-not-found/><unknown-session/>; an IBB
<close/> from the responder (it gives up on the stream) is answered result.

slixmpp conventions shared with sipeer.py (see its notes; the login, deadline,
failure and exit-code scaffolding of both is in peerbase.py):
  - get_dns_records() is overridden: it connects to --host only, no DNS.
  - an IQ set nobody handles gets slixmpp's automatic <feature-not-implemented/>:
    handlers for <jingle/> and IBB requests are registered before login, so
    a responder's session-accept can never fall through to it.
"""

import argparse
import asyncio
import base64
import hashlib
import os
import sys
import time
import uuid
import xml.etree.ElementTree as ET

from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

# peerbase.py lives next to this script; leave no __pycache__ in the source
# tree (EXTRA_DIST ships tests/interop whole).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerbase  # noqa: E402
from peerbase import EXIT_OK  # noqa: E402

NS_JINGLE = 'urn:xmpp:jingle:1'
NS_JINGLE_ERRORS = 'urn:xmpp:jingle:errors:1'
NS_FT = 'urn:xmpp:jingle:apps:file-transfer:5'
NS_JIBB = 'urn:xmpp:jingle:transports:ibb:1'
NS_JS5B = 'urn:xmpp:jingle:transports:s5b:1'
NS_HASHES = 'urn:xmpp:hashes:2'
NS_IBB = 'http://jabber.org/protocol/ibb'
NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas'
CONTENT = 'a-file-offer'

PROG = 'jinglepeer'
err = peerbase.reporter(PROG)


def out(line):
    print(line, flush=True)


def q(ns, tag):
    return '{%s}%s' % (ns, tag)


def sub(parent, ns, tag, text=None, **attrs):
    e = ET.SubElement(parent, q(ns, tag), {k.replace('_', '-'): str(v) for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def sha256_b64(digest):
    return base64.b64encode(digest).decode('ascii')


def error_parts(e):
    """(type, condition, Jingle/app condition or '-', text) of an IqError."""
    error = e.iq['error']
    app = [c.tag.split('}')[-1] for c in error.xml
           if not c.tag.startswith('{%s}' % NS_STANZAS)]
    return (error['type'] or '-', error['condition'] or '-', ' '.join(app) or '-',
            error['text'] or '')


class Session:
    """What the responder sent about one of our sessions."""

    def __init__(self, sid):
        self.sid = sid
        self.events = []   # (action, <jingle/> element) in arrival order


class Peer(peerbase.Peer):
    """The Jingle/IBB request handlers (login, TLS and failure detection:
    peerbase.Peer)."""

    prog = PROG
    # wait_for() below bounds its waits with asyncio.wait_for().
    timeouts = (IqTimeout, asyncio.TimeoutError)

    def __init__(self, args):
        super().__init__(args)
        self.sessions = {}                     # sid -> Session
        self.arrived = asyncio.Event()         # set on every Jingle request

        self.register_handler(Callback(
            'Jingle request', MatchXPath('{%s}iq/{%s}jingle' % (self.default_ns, NS_JINGLE)),
            self.on_jingle))
        self.register_handler(Callback(
            'IBB request', MatchXPath('{%s}iq/{%s}close' % (self.default_ns, NS_IBB)),
            self.on_ibb_close))

    def progress(self):
        return ' (%s)' % self.where

    def describe_iq_error(self, e):
        t, cond, app, text = error_parts(e)
        return '%s %s (%s)%s' % (cond, app, t, ': ' + text if text else '')

    # --- requests from the responder -------------------------------------

    def on_jingle(self, iq):
        if iq['type'] != 'set':
            return   # results and errors belong to our own requests
        j = iq.xml.find(q(NS_JINGLE, 'jingle'))
        sid, action = j.get('sid'), j.get('action')
        s = self.sessions.get(sid)
        if s is None or iq['from'] != JID(self.args.to):
            reply = iq.reply()
            reply['type'] = 'error'
            reply['error']['type'] = 'cancel'
            reply['error']['condition'] = 'item-not-found'
            reply['error'].xml.append(ET.Element(q(NS_JINGLE_ERRORS, 'unknown-session')))
            reply.send()
            err('%s for unknown session %s from %s: answered item-not-found'
                % (action, sid, iq['from']))
            return
        iq.reply().send()
        if self.args.verbose:
            err('got %s for %s' % (action, sid))
        s.events.append((action, j))
        self.arrived.set()

    def on_ibb_close(self, iq):
        if iq['type'] != 'set':
            return
        c = iq.xml.find(q(NS_IBB, 'close'))
        err('the responder closed IBB stream %s' % c.get('sid'))
        iq.reply().send()

    async def wait_for(self, sid, actions):
        """The first request of session sid whose action is in actions
        (earlier ones of other kinds are skipped and reported on stderr)."""
        s = self.sessions[sid]
        while True:
            while s.events:
                action, j = s.events.pop(0)
                if action in actions:
                    return action, j
                err('%s: ignored %s from the responder' % (self.where, action))
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), self.remaining())

    # --- stanzas ----------------------------------------------------------

    def jingle_iq(self, action, sid=None, initiator=False, to=None):
        """An IQ set to --to (or to) with <jingle action=...>; returns (iq, jingle)."""
        iq = self.make_iq_set(ito=JID(to if to is not None else self.args.to))
        j = ET.Element(q(NS_JINGLE, 'jingle'), {'action': action})
        if initiator:
            j.set('initiator', self.boundjid.full)
        if sid is not None:
            j.set('sid', sid)
        iq.append(j)
        return iq, j

    def offer(self, sid, tsid, name, size, block, hash_b64):
        iq, j = self.jingle_iq('session-initiate', sid, initiator=True)
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name=CONTENT, senders='initiator')
        d = sub(c, NS_FT, 'description')
        f = sub(d, NS_FT, 'file')
        sub(f, NS_FT, 'media-type', 'application/octet-stream')
        sub(f, NS_FT, 'name', name)
        sub(f, NS_FT, 'size', str(size))
        if hash_b64 is not None:
            sub(f, NS_HASHES, 'hash', hash_b64, algo='sha-256')
        cands = getattr(self.args, 's5b_candidate', None)
        if cands:
            t = sub(c, NS_JS5B, 'transport', sid=tsid, mode='tcp')
            for i, hp in enumerate(cands):
                host, port = hp.rsplit(':', 1)
                sub(t, NS_JS5B, 'candidate', cid='c%d' % i, host=host, port=port,
                    jid=self.boundjid.full, priority=(126 << 16) - i, type='direct')
        else:
            sub(c, NS_JIBB, 'transport', block_size=block, sid=tsid)
        return iq

    def terminate(self, sid, reason, text=None, to=None):
        iq, j = self.jingle_iq('session-terminate', sid, to=to)
        r = sub(j, NS_JINGLE, 'reason')
        sub(r, NS_JINGLE, reason)
        if text:
            sub(r, NS_JINGLE, 'text', text)
        return iq

    @staticmethod
    def reason_of(j):
        """(reason, text) of a session-terminate's <reason/>."""
        r = j.find(q(NS_JINGLE, 'reason'))
        reason, text = 'none', ''
        for c in (r if r is not None else []):
            tag = c.tag.split('}')[-1]
            if tag == 'text':
                text = c.text or ''
            elif reason == 'none':
                reason = tag
        return reason, text


class Sender(Peer):
    async def started(self):
        a = self.args
        with open(a.file, 'rb') as fh:
            data = fh.read()
        digest = hashlib.sha256(data).digest()
        wrong = hashlib.sha256(data + b'\0not this file').digest()
        sid, tsid = uuid.uuid4().hex, uuid.uuid4().hex[:16]
        self.sessions[sid] = Session(sid)
        name = a.name if a.name is not None else os.path.basename(a.file)
        announced = {'good': sha256_b64(digest), 'bad': sha256_b64(wrong), 'none': None}[a.hash]

        self.where = 'session-initiate'
        try:
            await self.offer(sid, tsid, name, len(data), a.block_size,
                             announced).send(timeout=self.remaining())
        except IqError as e:
            t, cond, app, text = error_parts(e)
            out('error %s %s%s' % (cond, app, ' ' + text if text else ''))
            return self.fail('session-initiate refused: %s %s (%s)%s'
                             % (cond, app, t, ': ' + text if text else ''))

        self.where = 'waiting for session-accept'
        action, j = await self.wait_for(sid, ('session-accept', 'session-terminate'))
        if action == 'session-terminate':
            reason, text = self.reason_of(j)
            out('terminate %s%s' % (reason, ' ' + text if text else ''))
            return self.fail('the responder ended the session instead of accepting it')
        if a.s5b_candidate:
            t = j.find('%s/%s' % (q(NS_JINGLE, 'content'), q(NS_JS5B, 'transport')))
            if t is None or t.get('sid') != tsid:
                await self.terminate(sid, 'failed-transport').send(timeout=self.remaining())
                return self.fail('session-accept without our S5B transport (sid %s)' % tsid)
            tsid, j = await self.replace_s5b(sid)
            if j is None:
                return
        t = j.find('%s/%s' % (q(NS_JINGLE, 'content'), q(NS_JIBB, 'transport')))
        if t is None or t.get('sid') != tsid:
            await self.terminate(sid, 'failed-transport').send(timeout=self.remaining())
            return self.fail('session-accept without our IBB transport (sid %s)' % tsid)
        try:
            block = int(t.get('block-size'))
        except (TypeError, ValueError):
            block = 0
        if not 1 <= block <= a.block_size:
            await self.terminate(sid, 'failed-transport').send(timeout=self.remaining())
            return self.fail('session-accept with block-size %r (we offered %d)'
                             % (t.get('block-size'), a.block_size))
        err('session-accept: IBB block-size %d' % block)

        refused = None
        try:
            if a.checksum != 'none':
                self.where = 'session-info checksum'
                iq, jn = self.jingle_iq('session-info', sid)
                c = sub(jn, NS_FT, 'checksum', creator='initiator', name=CONTENT)
                f = sub(c, NS_FT, 'file')
                sub(f, NS_HASHES, 'hash', sha256_b64(digest if a.checksum == 'good' else wrong),
                    algo='sha-256')
                await iq.send(timeout=self.remaining())

            self.where = 'IBB open'
            iq = self.make_iq_set(ito=JID(a.to))
            iq.append(ET.Element(q(NS_IBB, 'open'),
                                 {'sid': tsid, 'block-size': str(block), 'stanza': 'iq'}))
            await iq.send(timeout=self.remaining())

            self.where = 'IBB data'
            seq = 0
            for off in range(0, len(data), block):
                iq = self.make_iq_set(ito=JID(a.to))
                d = ET.Element(q(NS_IBB, 'data'), {'sid': tsid, 'seq': str(seq)})
                d.text = base64.b64encode(data[off:off + block]).decode('ascii')
                iq.append(d)
                await iq.send(timeout=self.remaining())
                seq = (seq + 1) % 65536

            self.where = 'IBB close'
            iq = self.make_iq_set(ito=JID(a.to))
            iq.append(ET.Element(q(NS_IBB, 'close'), {'sid': tsid}))
            await iq.send(timeout=self.remaining())
        except IqError as e:
            # The responder gave up: its session-terminate says why.
            t, cond, app, text = error_parts(e)
            refused = '%s refused: %s %s (%s)%s' % (self.where, cond, app, t,
                                                    ': ' + text if text else '')
            err(refused)

        self.where = 'waiting for session-terminate'
        action, j = await self.wait_for(sid, ('session-terminate',))
        reason, text = self.reason_of(j)
        out('terminate %s%s' % (reason, ' ' + text if text else ''))
        if reason != 'success':
            return self.fail('the session ended with %s' % reason)
        if refused:
            return self.fail('the session ended with success, but the %s' % refused)
        self.finish(EXIT_OK)


    async def replace_s5b(self, sid):
        """--s5b-candidate: waits --replace-after s for the responder's
        transport-info, then replaces the transport with IBB. Returns the
        IBB sid and the transport-accept's <jingle/> (None: failed)."""
        a = self.args
        t0 = time.monotonic()
        self.where = 'waiting for the candidate answer'
        try:
            _, j = await asyncio.wait_for(self.wait_for(sid, ('transport-info',)),
                                          min(a.replace_after, self.remaining()))
            t = j.find('%s/%s' % (q(NS_JINGLE, 'content'), q(NS_JS5B, 'transport')))
            what = ' '.join(c.tag.split('}')[-1] for c in (t if t is not None else []))
            err('candidate answer in %.3f s: %s' % (time.monotonic() - t0, what or '-'))
        except asyncio.TimeoutError:
            err('no candidate answer after %.3f s' % (time.monotonic() - t0))
        self.where = 'transport-replace'
        tsid = uuid.uuid4().hex[:16]
        iq, j = self.jingle_iq('transport-replace', sid)
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name=CONTENT)
        sub(c, NS_JIBB, 'transport', block_size=a.block_size, sid=tsid)
        t1 = time.monotonic()
        await iq.send(timeout=self.remaining())
        action, j = await self.wait_for(sid, ('transport-accept', 'transport-reject',
                                              'session-terminate'))
        err('transport-replace answered in %.3f s: %s' % (time.monotonic() - t1, action))
        if action != 'transport-accept':
            self.fail('the responder answered the transport-replace with %s' % action)
            return tsid, None
        return tsid, j


class Prober(Peer):
    async def probe(self, name, iq):
        """Sends iq, prints its answer as one probe line; returns True on result."""
        self.where = 'probe %s' % name
        try:
            await iq.send(timeout=self.remaining())
        except IqError as e:
            t, cond, app, _ = error_parts(e)
            out('probe %s error %s %s' % (name, cond, app))
            err('probe %s: %s %s (%s)%s' % (name, cond, app, t,
                                            ': ' + e.iq['error']['text']
                                            if e.iq['error']['text'] else ''))
            return False
        out('probe %s result - -' % name)
        return True

    def unknown_sid(self):
        return 'nosuch-' + uuid.uuid4().hex[:12]

    async def started(self):
        sid = self.unknown_sid()
        iq, j = self.jingle_iq('transport-info', sid)
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name=CONTENT)
        sub(c, NS_JIBB, 'transport', block_size=4096, sid='t-' + sid)
        await self.probe('transport-info-unknown', iq)

        await self.probe('terminate-unknown', self.terminate(self.unknown_sid(), 'success'))

        iq, j = self.jingle_iq('session-accept', self.unknown_sid())
        j.set('responder', self.boundjid.full)
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name=CONTENT)
        sub(c, NS_JIBB, 'transport', block_size=4096, sid='t-x')
        await self.probe('accept-unknown', iq)

        iq, j = self.jingle_iq('bogus-action', self.unknown_sid())
        await self.probe('bogus-action', iq)

        iq, j = self.jingle_iq('session-initiate', None, initiator=True)
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name=CONTENT, senders='initiator')
        f = sub(sub(c, NS_FT, 'description'), NS_FT, 'file')
        sub(f, NS_FT, 'name', 'nosid.bin')
        sub(f, NS_FT, 'size', '4')
        sub(c, NS_JIBB, 'transport', block_size=4096, sid='t-nosid')
        await self.probe('no-sid', iq)

        iq, j = self.jingle_iq('content-add', self.unknown_sid())
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name='second-file')
        f = sub(sub(c, NS_FT, 'description'), NS_FT, 'file')
        sub(f, NS_FT, 'name', 'second.bin')
        sub(f, NS_FT, 'size', '4')
        sub(c, NS_JIBB, 'transport', block_size=4096, sid='t-second')
        await self.probe('content-add-unknown', iq)

        # A live session, and what may not happen to it.
        sid, tsid = uuid.uuid4().hex, uuid.uuid4().hex[:16]
        self.sessions[sid] = Session(sid)
        data = b'live'
        good = sha256_b64(hashlib.sha256(data).digest())
        if not await self.probe('initiate', self.offer(sid, tsid, 'probe.bin', len(data),
                                                       4096, good)):
            return self.fail('the valid session-initiate was refused')
        self.where = 'waiting for session-accept'
        action, j = await self.wait_for(sid, ('session-accept', 'session-terminate'))
        if action == 'session-terminate':
            reason, text = self.reason_of(j)
            return self.fail('the responder ended the probe session: %s %s' % (reason, text))

        await self.probe('initiate-again', self.offer(sid, tsid, 'again.bin', len(data),
                                                      4096, good))

        iq, j = self.jingle_iq('session-accept', sid)
        j.set('responder', self.boundjid.full)
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name=CONTENT, senders='initiator')
        sub(c, NS_JIBB, 'transport', block_size=4096, sid=tsid)
        await self.probe('accept-live', iq)

        iq, j = self.jingle_iq('session-info', sid)
        sub(j, 'urn:example:jinglepeer:nonsense', 'whatever', flavour='strange')
        await self.probe('info-unknown', iq)

        iq, j = self.jingle_iq('content-add', sid)
        c = sub(j, NS_JINGLE, 'content', creator='initiator', name='second-file')
        f = sub(sub(c, NS_FT, 'description'), NS_FT, 'file')
        sub(f, NS_FT, 'name', 'second.bin')
        sub(f, NS_FT, 'size', '4')
        sub(c, NS_JIBB, 'transport', block_size=4096, sid='t-second')
        await self.probe('content-add-live', iq)

        await self.probe('terminate-live', self.terminate(sid, 'cancel', 'probe over'))
        # Anything the responder still says about it shows up on stderr.
        await asyncio.sleep(min(0.5, self.remaining()))
        for action, _ in self.sessions[sid].events:
            err('after the end of the probe session: %s from the responder' % action)
        self.finish(EXIT_OK)


class Receiver(Peer):
    """recv: the responder of one IBB session that ends it with --reason
    before it acknowledges the stream's close."""

    def __init__(self, args):
        super().__init__(args)
        self.register_plugin('xep_0030')
        for ns in (NS_JINGLE, NS_FT, NS_JIBB, NS_IBB):
            self['xep_0030'].add_feature(ns)
        self.jsid = self.initiator = None
        self.tsid, self.got = None, 0
        self.register_handler(Callback(
            'IBB open', MatchXPath('{%s}iq/{%s}open' % (self.default_ns, NS_IBB)),
            self.on_ibb_open))
        self.register_handler(Callback(
            'IBB data', MatchXPath('{%s}iq/{%s}data' % (self.default_ns, NS_IBB)),
            self.on_ibb_data))

    async def started(self):
        self.where = 'waiting for an offer'

    def on_jingle(self, iq):
        if iq['type'] != 'set':
            return
        j = iq.xml.find(q(NS_JINGLE, 'jingle'))
        iq.reply().send()
        if j.get('action') != 'session-initiate' or self.jsid is not None:
            if j.get('action') == 'session-terminate':
                out('got session-terminate %s' % self.reason_of(j)[0])
                if self.args.silent:
                    self.finish(EXIT_OK)
            err('got %s' % j.get('action'))
            return
        self.jsid, self.initiator = j.get('sid'), iq['from']
        if self.args.silent:
            self.where = 'silent after the ack'
            return
        c = j.find(q(NS_JINGLE, 'content'))
        t = c.find(q(NS_JIBB, 'transport')) if c is not None else None
        if t is None:
            return self.fail('the offer has no IBB transport')
        self.tsid = t.get('sid')
        a, ja = self.jingle_iq('session-accept', self.jsid, to=self.initiator)
        ja.set('responder', self.boundjid.full)
        ca = sub(ja, NS_JINGLE, 'content', creator='initiator', name=c.get('name'),
                 senders='initiator')
        ca.append(c.find(q(NS_FT, 'description')))
        sub(ca, NS_JIBB, 'transport', block_size=t.get('block-size'), sid=self.tsid)
        self.where = 'session-accept'
        asyncio.ensure_future(a.send(timeout=self.remaining()))

    def on_ibb_open(self, iq):
        if iq['type'] == 'set':
            iq.reply().send()
            self.where = 'IBB data'

    def on_ibb_data(self, iq):
        if iq['type'] != 'set':
            return
        d = iq.xml.find(q(NS_IBB, 'data'))
        self.got += len(base64.b64decode(d.text or ''))
        iq.reply().send()

    def on_ibb_close(self, iq):
        if iq['type'] == 'set':
            asyncio.ensure_future(self.close_late(iq))

    async def close_late(self, iq):
        self.where = 'session-terminate'
        t = self.terminate(self.jsid, self.args.reason, 'the receiver rejects the file',
                           to=self.initiator)
        await t.send(timeout=self.remaining())
        iq.reply().send()
        out('received %d bytes' % self.got)
        await asyncio.sleep(0.5)
        self.finish(EXIT_OK)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    cmds = p.add_subparsers(dest='cmd', required=True)
    for name in ('send', 'probe'):
        s = cmds.add_parser(name)
        peerbase.add_connection_args(s)
        s.add_argument('--to', required=True, help='full JID of the responder')
        peerbase.add_verbose_arg(s)
    s = cmds.add_parser('recv')
    peerbase.add_connection_args(s)
    peerbase.add_verbose_arg(s)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument('--reason',
                   help='the session-terminate reason sent before the IBB close is answered')
    g.add_argument('--silent', action='store_true',
                   help='acknowledge the session-initiate, then say nothing')
    s = cmds.choices['send']
    s.add_argument('--file', required=True)
    s.add_argument('--name', help='the file name to offer (default: the base name of --file)')
    s.add_argument('--hash', choices=('good', 'bad', 'none'), default='good',
                   help='the sha-256 in the offer: the right one, a wrong one, or none')
    s.add_argument('--checksum', choices=('good', 'bad', 'none'), default='none',
                   help='a session-info <checksum/> before the data')
    s.add_argument('--block-size', type=int, default=4096, help='bytes before base64')
    s.add_argument('--s5b-candidate', action='append',
                   help='HOST:PORT of a direct S5B candidate to offer, then IBB (repeatable)')
    s.add_argument('--replace-after', type=float, default=30,
                   help='with --s5b-candidate: seconds to wait before the transport-replace')
    a = p.parse_args()
    peerbase.check_connection_args(p, a)
    if a.cmd != 'recv' and not JID(a.to).resource:
        p.error('--to must be a full JID (with a resource)')
    if a.timeout <= 0:
        p.error('--timeout must be positive')
    if a.cmd == 'send' and not os.path.isfile(a.file):
        p.error('--file %s is not a file' % a.file)
    if a.cmd == 'send' and not 1 <= a.block_size <= 65535:
        p.error('--block-size must be 1..65535')
    peerbase.setup_logging(a.verbose)
    peerbase.run_peer({'send': Sender, 'probe': Prober, 'recv': Receiver}[a.cmd], a)


if __name__ == '__main__':
    main()
