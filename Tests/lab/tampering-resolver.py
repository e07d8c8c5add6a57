#!/usr/bin/env python3
"""A resolver that lies, for the lab's --trust-anchor tests (127.53.0.3:53, UDP).

It forwards every question to the lab's unbound (127.53.0.2) as asked (CD and DO kept) and
returns the answer, except:
  mismatch.test MX       answered with valid-311.test's MX RRset and its valid RRSIG
                         (an answer to another question, signed correctly)
  mx.valid-311.test A    answered with the RRSIGs stripped (a downgrade to "unsigned")
  valid-211.test MX      answered correctly but with another message ID (a stray or
                         off-path spoofed answer: a stub must not take it)
  _25._tcp.mx.valid-312.test TLSA
                         answered NXDOMAIN with valid-311.test's validly signed NSEC proof
                         (a denial from another zone, which covers the name in canonical order)
A validator must call the first two bogus, and a stub resolver refuse the third. Usage: tampering-resolver.py PIDFILE (runs until killed).
"""
import os, socket, struct, sys

UPSTREAM = ("127.53.0.2", 53)
SWAP = ((b"mismatch", b"test"), 15, (b"valid-311", b"test"))
STRIP = ((b"mx", b"valid-311", b"test"), 1)
WRONG_ID = ((b"valid-211", b"test"), 15)
DENY = ((b"_25", b"_tcp", b"mx", b"valid-312", b"test"), 52, (b"nothere", b"valid-311", b"test"))


def read_name(message, offset):
    """Labels of the name at offset (following compression pointers), and the offset after it."""
    labels, end = [], None
    while True:
        length = message[offset]
        if length & 0xC0 == 0xC0:
            if end is None:
                end = offset + 2
            offset = ((length & 0x3F) << 8) | message[offset + 1]
            continue
        if length == 0:
            return labels, (end if end is not None else offset + 1)
        labels.append(message[offset + 1:offset + 1 + length])
        offset += 1 + length


def write_name(labels):
    return b"".join(bytes([len(label)]) + label for label in labels) + b"\0"


def parse(message):
    counts = struct.unpack("!4H", message[4:12])
    offset, questions = 12, []
    for _ in range(counts[0]):
        name, offset = read_name(message, offset)
        qtype, qclass = struct.unpack("!HH", message[offset:offset + 4])
        offset += 4
        questions.append((name, qtype, qclass))
    sections = []
    for count in counts[1:]:
        records = []
        for _ in range(count):
            name, offset = read_name(message, offset)
            rtype, rclass, ttl, length = struct.unpack("!HHIH", message[offset:offset + 10])
            offset += 10
            start, rdata = offset, message[offset:offset + length]
            offset += length
            # Names inside RDATA may be compressed too: write them out whole.
            if rtype in (2, 5, 12):
                rdata = write_name(read_name(message, start)[0])
            elif rtype == 15:
                rdata = message[start:start + 2] + write_name(read_name(message, start + 2)[0])
            elif rtype == 6:
                first, at = read_name(message, start)
                second, at = read_name(message, at)
                rdata = write_name(first) + write_name(second) + message[at:start + length]
            records.append((name, rtype, rclass, ttl, rdata))
        sections.append(records)
    return questions, sections


def build(header, questions, sections):
    out = header[:4] + struct.pack("!4H", len(questions), *[len(s) for s in sections])
    for name, qtype, qclass in questions:
        out += write_name(name) + struct.pack("!HH", qtype, qclass)
    for section in sections:
        for name, rtype, rclass, ttl, rdata in section:
            out += write_name(name) + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata
    return out


def ask(upstream, message):
    upstream.sendto(message, UPSTREAM)
    return upstream.recvfrom(65535)[0]


def answer(upstream, query):
    questions, sections = parse(query)
    name, qtype, _ = questions[0]
    key = tuple(label.lower() for label in name)
    if (key, qtype) == DENY[:2]:
        asked = build(query[:12], [(list(DENY[2]), qtype, questions[0][2])], sections)
        response = ask(upstream, asked)
        _, reply = parse(response)
        return build(response[:2] + response[2:12], questions, reply)
    if (key, qtype) == SWAP[:2]:
        asked = build(query[:12], [(list(SWAP[2]), qtype, questions[0][2])], sections)
        response = ask(upstream, asked)
        _, reply = parse(response)
        return build(response[:2] + response[2:12], questions, reply)
    response = ask(upstream, query)
    if (key, qtype) == WRONG_ID:
        wrong = (struct.unpack("!H", response[:2])[0] + 1) & 0xFFFF
        return struct.pack("!H", wrong) + response[2:]
    if (key, qtype) == STRIP:
        _, reply = parse(response)
        reply[0] = [r for r in reply[0] if r[1] != 46]
        return build(response, questions, reply)
    return response


def main():
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.53.0.3", 53))
    upstream = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    upstream.settimeout(3)
    with open(sys.argv[1], "w") as f:
        f.write(str(os.getpid()))
    while True:
        query, client = server.recvfrom(65535)
        try:
            server.sendto(answer(upstream, query), client)
        except (OSError, IndexError, struct.error):
            continue


if __name__ == "__main__":
    main()
