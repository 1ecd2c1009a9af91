#!/usr/bin/python3
"""httpstub.py - a small HTTP/1.1 server on 127.0.0.1 for the out-of-band tests.

  httpstub.py --port-file F --dir D [--together N] [--pause-after B:S] [--timeout 60]

Listens on an ephemeral port of 127.0.0.1 and writes the port to F once it
listens. GET /NAME answers 200 with the Content-Length and the bytes of
D/NAME; a name that is not a file in D gets 404. Every accepted connection
is logged on stdout as "connection", every request as "request PATH".
--together N: the head of a 200 goes out at once, but no body before N
requests have got that far (or 10 s have passed), so that N downloads are
in flight together. --pause-after B:S: each body stops for S seconds once
B bytes of it went out, so that a download is caught half done. The server
stops after --timeout seconds.
"""

import argparse
import http.server
import os
import sys
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--port-file', required=True)
    p.add_argument('--dir', required=True)
    p.add_argument('--together', type=int, default=1)
    p.add_argument('--pause-after', default='0:0', help='BYTES:SECONDS')
    p.add_argument('--timeout', type=float, default=60)
    a = p.parse_args()
    pause_at, pause_secs = (float(v) for v in a.pause_after.split(':'))
    barrier = threading.Barrier(a.together, timeout=10)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, fmt, *args):
            pass

        def do_GET(self):
            print('request %s' % self.path, flush=True)
            path = os.path.join(a.dir, os.path.basename(self.path))
            if not os.path.isfile(path):
                body = b'not here\n'
                self.send_response(404)
                self.send_header('Content-Length', str(len(body)))
                self.send_header('Connection', 'close')
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header('Content-Length', str(os.path.getsize(path)))
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.flush()
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass
            try:
                with open(path, 'rb') as fh:
                    sent = 0
                    for block in iter(lambda: fh.read(1 << 20), b''):
                        if pause_secs > 0 and sent < pause_at <= sent + len(block):
                            cut = int(pause_at - sent)
                            self.wfile.write(block[:cut])
                            self.wfile.flush()
                            print('paused %s after %d bytes' % (self.path, sent + cut),
                                  flush=True)
                            time.sleep(pause_secs)
                            block = block[cut:]
                            sent += cut
                        self.wfile.write(block)
                        sent += len(block)
            except (BrokenPipeError, ConnectionResetError):
                print('closed by the client: %s' % self.path, flush=True)

    class Server(http.server.ThreadingHTTPServer):
        daemon_threads = True

        def verify_request(self, request, client_address):
            print('connection', flush=True)
            return True

    srv = Server(('127.0.0.1', 0), Handler)
    tmp = a.port_file + '.tmp'
    with open(tmp, 'w') as fh:
        fh.write('%d\n' % srv.server_address[1])
    os.rename(tmp, a.port_file)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    time.sleep(a.timeout)
    srv.shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
