#!/usr/bin/python3
"""s5b_rogue.py - a hostile SOCKS5 client for the S5B tests.

  s5b_rogue.py LISTEN_PORT TARGET_PORT REPORT

Listens on 127.0.0.1:LISTEN_PORT (advertised by the sender as its direct
streamhost through s5b_address). When the receiver connects, it first opens
its own connection to the sender's real listener (127.0.0.1:TARGET_PORT),
asks for a wrong hash, and writes the SOCKS5 reply code it got into REPORT
("rep N", or "closed" if the sender hung up without a reply). Then it drops
the receiver's connection, so the transfer has to go through another
streamhost. Exits after one connection, or after 60 s.
"""

import socket
import sys


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        b = s.recv(n - len(buf))
        if not b:
            return None
        buf += b
    return buf


def main():
    listen_port, target_port, report = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', listen_port))
    srv.listen(1)
    srv.settimeout(60)
    open(report + '.ready', 'w').close()
    victim, _ = srv.accept()
    result = 'closed'
    c = socket.create_connection(('127.0.0.1', target_port), timeout=10)
    c.sendall(b'\x05\x01\x00')
    if recv_exact(c, 2) == b'\x05\x00':
        wrong = b'0' * 40
        c.sendall(b'\x05\x01\x00\x03' + bytes([len(wrong)]) + wrong + b'\x00\x00')
        head = recv_exact(c, 2)
        if head is not None:
            result = 'rep %d' % head[1]
    c.close()
    victim.close()
    with open(report, 'w') as f:
        f.write(result + '\n')


if __name__ == '__main__':
    main()
