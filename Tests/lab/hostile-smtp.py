#!/usr/bin/env python3
"""Misbehaving SMTP servers for the lab, one per address on port 25:

127.25.1.1 silent   accepts, then never says a word
127.25.1.2 drip     sends its banner one byte every two seconds, forever
127.25.1.3 huge     sends a 10 MB banner with no line end
127.25.1.4 garbage  answers with something that is not an SMTP reply
127.25.1.5 dropper  offers STARTTLS, says 220, then sends junk and hangs up mid-handshake
127.25.1.6 chatty   answers EHLO with 300 lines
127.25.1.7 slowtls  accepts STARTTLS, then trickles a ServerHello one byte every 0.5 s

Usage: hostile-smtp.py PIDFILE   (runs until killed)
"""
import os, socket, sys, threading, time

def silent(conn):
    time.sleep(600)

def drip(conn):
    for byte in b"220 drip.lab ESMTP" * 1000:
        conn.sendall(bytes([byte]))
        time.sleep(2)

def huge(conn):
    chunk = b"220-" + b"x" * 65532
    for _ in range(160):
        conn.sendall(chunk)

def garbage(conn):
    conn.sendall(b"HELLO THERE, I AM NOT AN SMTP SERVER\r\n")
    time.sleep(30)

def until_starttls(conn, name, after):
    """An SMTP server that offers STARTTLS, says 220 to it, then hands the socket to `after`."""
    conn.sendall(b"220 " + name + b" ESMTP\r\n")
    f = conn.makefile("rb")
    while True:
        line = f.readline()
        if not line:
            return
        verb = line.strip().upper()
        if verb.startswith(b"EHLO"):
            conn.sendall(b"250-" + name + b"\r\n250 STARTTLS\r\n")
        elif verb == b"STARTTLS":
            conn.sendall(b"220 go ahead\r\n")
            f.read1(100)  # the ClientHello starts
            after(conn)
            return
        else:
            conn.sendall(b"250 ok\r\n")

def dropper(conn):
    until_starttls(conn, b"dropper.lab", lambda c: c.sendall(b"\x16\x03\x01\x00\x05junk"))

def chatty(conn):
    conn.sendall(b"220 chatty.lab ESMTP\r\n")
    conn.makefile("rb").readline()
    conn.sendall(b"".join(b"250-extension-%d\r\n" % i for i in range(300)) + b"250 STARTTLS\r\n")
    time.sleep(30)

def slowtls(conn):
    def trickle(c):
        for byte in b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03" + bytes(200):
            c.sendall(bytes([byte]))
            time.sleep(0.5)
    until_starttls(conn, b"slowtls.lab", trickle)

MODES = {"127.25.1.1": silent, "127.25.1.2": drip, "127.25.1.3": huge, "127.25.1.4": garbage, "127.25.1.5": dropper,
         "127.25.1.6": chatty, "127.25.1.7": slowtls}

def serve(address, handler):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, 25))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        def run(c=conn):
            try:
                handler(c)
            except OSError:
                pass
            finally:
                c.close()
        threading.Thread(target=run, daemon=True).start()

if __name__ == "__main__":
    for address, handler in MODES.items():
        threading.Thread(target=serve, args=(address, handler), daemon=True).start()
    with open(sys.argv[1], "w") as pidfile:
        pidfile.write(str(os.getpid()))
    while True:
        time.sleep(3600)
