#!/usr/bin/python3
"""capscheck.py - check an entity's XEP-0115 capabilities against its disco#info.

  capscheck.py --jid J --password P --host IP --port N --cafile PEM
               --target FULLJID [--feature NS]... [--timeout 20] [-v]

Logs in as J (slixmpp 1.8.3), asks the bare JID of --target for a presence
subscription (so that the server sends its available presence), and takes
the <c xmlns='http://jabber.org/protocol/caps'/> of the first available
presence from exactly --target. Then it sends disco#info to --target with
node="NODE#VER" and checks, independently of the software under test:
  - hash is sha-1, node and ver are present;
  - the answer is a result whose <query/> mirrors node="NODE#VER";
  - no duplicate identity or feature (XEP-0115 5.4: such an answer is invalid);
  - VER equals base64(sha1(S)), S built as XEP-0115 5.1 says: identities
    "category/type/lang/name<" sorted, then features "var<" sorted, then
    each extended form (FORM_TYPE order; fields by var, values sorted);
  - every --feature (and disco#info itself) is listed, in the node#ver answer
    and in the answer to a disco#info without a node.
The calculator is first checked against the two examples of XEP-0115 5.2/5.3.
Prints "caps ok node=N ver=V features=N" and exits 0; otherwise explains on
stderr and exits 1 (3 on timeout).
"""

import argparse
import asyncio
import base64
import hashlib
import ipaddress
import logging
import os
import sys
import time
import xml.etree.ElementTree as ET

from slixmpp import ClientXMPP, JID
from slixmpp.exceptions import IqError, IqTimeout

# peerbase.py lives next to this script; leave no __pycache__ in the source
# tree (EXTRA_DIST ships tests/interop whole).
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerbase  # noqa: E402

NS_CAPS = 'http://jabber.org/protocol/caps'
NS_INFO = 'http://jabber.org/protocol/disco#info'
NS_DATA = 'jabber:x:data'
XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'


class Fail(Exception):
    pass


def ver_string(identities, features, forms):
    """XEP-0115 5.1: identities are (category, type, lang, name); forms are
    {var: [values]} with FORM_TYPE among them."""
    s = b''
    for i in sorted(tuple(x.encode() for x in ident) for ident in identities):
        s += b'/'.join(i) + b'<'
    for f in sorted(x.encode() for x in features):
        s += f + b'<'
    for form in sorted(forms, key=lambda f: f['FORM_TYPE'][0].encode()):
        s += form['FORM_TYPE'][0].encode() + b'<'
        for var in sorted((v for v in form if v != 'FORM_TYPE'), key=str.encode):
            s += var.encode() + b'<'
            for value in sorted(x.encode() for x in form[var]):
                s += value + b'<'
    return base64.b64encode(hashlib.sha1(s).digest()).decode()


def selftest():
    caps = 'http://jabber.org/protocol/caps'
    feats = [caps, NS_INFO, 'http://jabber.org/protocol/disco#items',
             'http://jabber.org/protocol/muc']
    v = ver_string([('client', 'pc', '', 'Exodus 0.9.1')], feats, [])
    assert v == 'QgayPKawpkPSDYmwT/WM94uAlu0=', v
    form = {'FORM_TYPE': ['urn:xmpp:dataforms:softwareinfo'], 'ip_version': ['ipv6', 'ipv4'],
            'os': ['Mac'], 'os_version': ['10.5.1'], 'software': ['Psi'],
            'software_version': ['0.11']}
    v = ver_string([('client', 'pc', 'en', 'Psi 0.11'), ('client', 'pc', 'el', '\u03a8 0.11')],
                   list(reversed(feats)), [form])
    assert v == 'q07IKJEyjvHSyhy//CH0CxmKi8w=', v


def parse_info(query):
    """identities, features and forms of a disco#info <query/> element."""
    ids, feats, forms = [], [], []
    for c in query:
        if c.tag == '{%s}identity' % NS_INFO:
            ids.append((c.get('category', ''), c.get('type', ''), c.get(XML_LANG, ''),
                        c.get('name', '')))
        elif c.tag == '{%s}feature' % NS_INFO:
            feats.append(c.get('var', ''))
        elif c.tag == '{%s}x' % NS_DATA and c.get('type') == 'result':
            form = {}
            for f in c.findall('{%s}field' % NS_DATA):
                form[f.get('var', '')] = [v.text or '' for v in f.findall('{%s}value' % NS_DATA)]
            if 'FORM_TYPE' in form:
                forms.append(form)
    return ids, feats, forms


class Checker(ClientXMPP):
    def __init__(self, a):
        super().__init__(JID(a.jid), a.password)
        self.a = a
        self.ca_certs = a.cafile
        self.deadline = time.monotonic() + a.timeout
        self.done = self.loop.create_future()
        self.caps = self.loop.create_future()
        self.register_plugin('xep_0030')
        self.add_event_handler('session_start', self.on_start)
        self.add_event_handler('presence_available', self.on_presence)
        self.add_event_handler('connection_failed', lambda e: self.finish(1, 'cannot connect: %s' % e))
        self.add_event_handler('ssl_invalid_chain', lambda e: self.finish(1, 'TLS: %s' % e))
        self.add_event_handler('failed_all_auth', lambda _: self.finish(1, 'authentication failed'))

    async def get_dns_records(self, domain, port=None):
        return [(self.a.host, self.a.host, self.a.port)]

    def left(self):
        return max(0.1, self.deadline - time.monotonic())

    def finish(self, code, msg=None):
        if not self.done.done():
            self.done.set_result((code, msg))

    def on_presence(self, pres):
        if str(pres['from']) != self.a.target:
            return
        c = pres.xml.find('{%s}c' % NS_CAPS)
        if c is None:
            self.finish(1, 'an available presence of %s carries no <c xmlns=%s/>'
                        % (self.a.target, NS_CAPS))
        elif not self.caps.done():
            self.caps.set_result(dict(c.attrib))

    async def disco(self, node):
        iq = self.Iq()
        iq['type'] = 'get'
        iq['to'] = self.a.target
        q = ET.Element('{%s}query' % NS_INFO)
        if node is not None:
            q.set('node', node)
        iq.xml.append(q)
        try:
            r = await iq.send(timeout=self.left())
        except IqError as e:
            raise Fail('disco#info%s: error %s' % (' node=' + node if node else '',
                                                   e.iq['error']['condition']))
        q = r.xml.find('{%s}query' % NS_INFO)
        if q is None:
            raise Fail('disco#info result without <query/>')
        if node is not None and q.get('node') != node:
            raise Fail('disco#info result has node=%r, asked %r' % (q.get('node'), node))
        return parse_info(q)

    def check_features(self, feats, what):
        missing = [f for f in [NS_INFO] + (self.a.feature or []) if f not in feats]
        if missing:
            raise Fail('%s lacks %s (has %s)' % (what, ', '.join(missing), ', '.join(feats)))

    async def on_start(self, _):
        try:
            self.send_presence()
            self.send_presence(pto=JID(self.a.target).bare, ptype='subscribe')
            caps = await asyncio.wait_for(self.caps, self.left())
            h, node, ver = caps.get('hash'), caps.get('node'), caps.get('ver')
            if h != 'sha-1' or not node or not ver:
                raise Fail('bad <c/>: %r' % caps)
            ids, feats, forms = await self.disco(node + '#' + ver)
            if len(set(ids)) != len(ids) or len(set(feats)) != len(feats):
                raise Fail('duplicate identities or features: %r %r' % (ids, feats))
            if not ids:
                raise Fail('no identity in disco#info')
            self.check_features(feats, 'disco#info node=%s#%s' % (node, ver))
            mine = ver_string(ids, feats, forms)
            if mine != ver:
                raise Fail('ver %s in presence, but the disco#info answer gives %s '
                           '(identities %r, features %r)' % (ver, mine, ids, feats))
            ids2, feats2, _ = await self.disco(None)
            self.check_features(feats2, 'disco#info without node')
            print('caps ok node=%s ver=%s features=%d' % (node, ver, len(feats)), flush=True)
            self.finish(0)
        except asyncio.TimeoutError:
            self.finish(3, 'no available presence with caps from %s within the timeout'
                        % self.a.target)
        except IqTimeout:
            self.finish(3, 'disco#info: no answer')
        except Fail as e:
            self.finish(1, str(e))


async def run(c):
    c.connect((c.a.host, c.a.port))
    try:
        code, msg = await asyncio.wait_for(asyncio.shield(c.done), c.left() + 1)
    except asyncio.TimeoutError:
        code, msg = 3, 'timeout'
    if msg:
        print('capscheck: %s' % msg, file=sys.stderr, flush=True)
    try:
        await asyncio.wait_for(c.disconnect(wait=1), 3)
    except Exception:
        pass
    return code


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--jid', required=True)
    p.add_argument('--password', required=True)
    p.add_argument('--host', required=True)
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--cafile', required=True)
    p.add_argument('--target', required=True, help='full JID whose caps are checked')
    p.add_argument('--feature', action='append', help='a feature that must be listed')
    p.add_argument('--timeout', type=float, default=20)
    p.add_argument('-v', '--verbose', action='store_true')
    a = p.parse_args()
    ipaddress.ip_address(a.host)
    if '/' not in a.target:
        p.error('--target must be a full JID')
    selftest()
    logging.basicConfig(level=logging.DEBUG if a.verbose else logging.ERROR)
    peerbase.run_to_exit(lambda: Checker(a), run)


if __name__ == '__main__':
    main()
