#!/usr/bin/python3
"""dns-responder.py - a DNS server for tests, on 127.0.0.1 only.

Usage: dns-responder.py PORTFILE (DIR | --silent | --garbage | --wrong-id)

Binds a UDP port on 127.0.0.1 that the system picks, writes its number to
PORTFILE, and answers TXT queries for NAME with the text of the file
DIR/NAME (NXDOMAIN when there is none).  The other modes misbehave: with
--silent it never answers, with --garbage it answers with the query's id
and then bytes that are no DNS message, with --wrong-id it answers
another query.  Runs until killed.
"""
import os
import socket
import struct
import sys


def question(packet):
    """(name, end offset) of the first question."""
    labels, i = [], 12
    while packet[i] != 0:
        n = packet[i]
        labels.append(packet[i + 1:i + 1 + n].decode('ascii', 'replace'))
        i += 1 + n
    return '.'.join(labels), i + 5


def answer(packet, folder):
    name, end = question(packet)
    path = os.path.join(folder, name.lower())
    header = packet[:2]
    if '/' in name or not os.path.isfile(path):
        return header + struct.pack('>HHHHH', 0x8183, 1, 0, 0, 0) + packet[12:end]
    with open(path, 'rb') as f:
        text = f.read().strip()
    strings = b''.join(bytes([len(text[i:i + 255])]) + text[i:i + 255]
                       for i in range(0, len(text), 255))
    rr = struct.pack('>HHHIH', 0xC00C, 16, 1, 300, len(strings)) + strings
    return header + struct.pack('>HHHHH', 0x8180, 1, 1, 0, 0) + packet[12:end] + rr


def main():
    portfile, mode = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    with open(portfile + '.new', 'w') as f:
        f.write('%d\n' % sock.getsockname()[1])
    os.rename(portfile + '.new', portfile)
    while True:
        packet, peer = sock.recvfrom(4096)
        if mode == '--silent' or len(packet) <= 12:
            continue
        if mode == '--garbage':
            sock.sendto(packet[:2] + b'\x81\x80' + b'\xff' * 40, peer)
        elif mode == '--wrong-id':
            sock.sendto(bytes([packet[0] ^ 0xff]) + packet[1:2] + b'\x81\x80' + packet[4:], peer)
        else:
            sock.sendto(answer(packet, mode), peer)


main()
