"""TLS listeners and certificates; host lookups against our own DNS server."""
import os
import re
import socket
import ssl
import struct
import subprocess
import threading
import time

import pytest

from ircclient import MKPASSWD, ROOT, Client, free_port


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("certs")
    subprocess.check_call(["sh", os.path.join(ROOT, "tools", "mkcert"), str(d / "server")])
    client_key, client_cert = d / "client.key", d / "client.pem"
    subprocess.check_call(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                           "-subj", "/CN=test client", "-keyout", str(client_key),
                           "-out", str(client_cert)], stderr=subprocess.DEVNULL)
    der = subprocess.check_output(["openssl", "x509", "-in", str(client_cert), "-outform", "DER"])
    import hashlib
    return {"dir": d, "cert": str(client_cert), "key": str(client_key),
            "fp": hashlib.sha256(der).hexdigest()}


def tls_config(certs, extra=""):
    return ("\n[listen tls]\nhost = 127.0.0.1\nport = {tls_port}\ntls = yes\n"
            "[tls]\ncertificate = %s/server/cert.pem\nkey = %s/server/key.pem\n"
            % (certs["dir"], certs["dir"])) + extra


def test_tls_register_chat_and_whois_secure(make_server, certs):
    srv = make_server(tls_config(certs), tls_port=free_port())
    a = Client(srv.tls_port, tls=True).register("secure")
    b = srv.client().register("plain")
    b.send("WHOIS secure")
    assert b.expect("671").params[1] == "secure"
    a.send("PRIVMSG plain :over tls")
    assert b.expect("PRIVMSG").params == ["plain", "over tls"]
    b.send("PRIVMSG secure :back")
    assert a.expect("PRIVMSG").params == ["secure", "back"]
    a.close()
    b.close()


class RecordClient:
    """A TLS client that decides how its records meet the socket (ssl.MemoryBIO)."""

    def __init__(self, port, rcvbuf=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out)
        self.sock = socket.socket()
        if rcvbuf:  # a small window, so the server's writes block soon
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        self.text = ""
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self.sock.sendall(self.out.read())
                self.recv()
        self.sock.sendall(self.out.read())

    def recv(self):
        data = self.sock.recv(65536)
        assert data, "the server closed the connection"
        self.inc.write(data)

    def records(self, *lines):
        """Each line its own TLS record; the bytes of all of them."""
        for line in lines:
            self.tls.write((line + "\r\n").encode())
        return self.out.read()

    def wait_for(self, needle):
        while needle not in self.text:
            try:
                self.text += self.tls.read(65536).decode()
            except ssl.SSLWantReadError:
                self.recv()


def server_cpu_over(pid, seconds):
    """CPU seconds (user + system) the process uses over the next `seconds`."""
    def used():
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    before = used()
    time.sleep(seconds)
    return used() - before


def test_tls_records_in_one_segment_and_a_record_split_in_two(make_server, certs):
    """The server reads ahead: several records in one segment are all run,
    and a record whose second half comes later is run once it is whole."""
    srv = make_server(tls_config(certs), tls_port=free_port())
    c = RecordClient(srv.tls_port)
    c.sock.sendall(c.records("NICK rec", "USER u 0 * :R", "PING :one", "PING :two"))
    c.wait_for(" 001 rec ")
    c.wait_for("PONG")
    c.wait_for(":two")
    split = c.records("PING :three")
    c.sock.sendall(split[:9])
    # Half a record waits in the session's buffer: no busy loop over it.
    assert server_cpu_over(srv.proc.pid, 2.0) < 0.5
    c.sock.sendall(split[9:] + c.records("PING :four"))
    c.wait_for(":three")
    c.wait_for(":four")
    c.sock.close()


DIRECT, CHAN = 6000, 6000  # ~5 MB: more than the kernel buffers on loopback


def test_tls_writes_that_block_resume_with_every_line_in_order(make_server, certs):
    """A TLS client that stops reading: the server's writes block (first one
    private block of lines to it, then channel lines behind), and once it
    reads again every line comes, in order, on the same connection."""
    srv = make_server(tls_config(certs), tls_port=free_port())
    # Room for more than the kernel's buffers take, so the writes block.
    srv.restart_with("sendq = 1048576", "sendq = 33554432")
    slow = RecordClient(srv.tls_port, rcvbuf=4096)
    slow.sock.sendall(slow.records("NICK slow", "USER u 0 * :R", "JOIN #q"))
    slow.wait_for(" 366 slow #q ")
    talker = srv.client().register("talker")
    talker.send("JOIN #q")
    talker.expect("366")
    pad = "x" * 400
    for i in range(DIRECT):
        talker.send("PRIVMSG slow :direct %d %s" % (i, pad))
    for i in range(CHAN):
        talker.send("PRIVMSG #q :chan %d %s" % (i, pad))
    talker.send("PING :queued")
    talker.expect("PONG")
    slow.wait_for(":chan %d " % (CHAN - 1))
    got = re.findall(r"PRIVMSG \S+ :(direct|chan) (\d+) ", slow.text)
    assert got == [("direct", str(i)) for i in range(DIRECT)] + [("chan", str(i)) for i in range(CHAN)]
    slow.sock.sendall(slow.records("PING :still here"))
    slow.wait_for(":still here")
    slow.sock.close()
    talker.close()


def test_certfp_in_whois_for_self(make_server, certs):
    srv = make_server(tls_config(certs), tls_port=free_port())
    c = Client(srv.tls_port, tls=True, certfile=certs["cert"], keyfile=certs["key"])
    c.register("withcert")
    c.send("WHOIS withcert")
    fp = c.expect("276")
    assert fp.params[-1].endswith(certs["fp"])
    c.close()


def test_oper_by_certificate_and_sasl_external(make_server, certs):
    extra = "\n[oper certop]\ncertfp = %s\nmask = *@127.0.0.1\n" % certs["fp"]
    srv = make_server(tls_config(certs, extra), tls_port=free_port())
    c = Client(srv.tls_port, tls=True, certfile=certs["cert"], keyfile=certs["key"])
    c.register("certuser")
    c.send("OPER certop")
    c.expect("381")
    # REGISTER over TLS binds the certificate; EXTERNAL then logs in with it.
    c.send("REGISTER * * :a fine password")
    c.expect("900")
    c.close()
    d = Client(srv.tls_port, tls=True, certfile=certs["cert"], keyfile=certs["key"])
    d.send("CAP LS 302")
    d.send("CAP REQ :sasl")
    d.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    d.send("AUTHENTICATE EXTERNAL")
    d.expect("AUTHENTICATE")
    d.send("AUTHENTICATE +")
    assert d.expect("900").params[2] == "certuser"
    d.expect("903")
    d.close()
    plain = srv.client()
    plain.send("CAP LS 302")
    plain.send("CAP REQ :sasl")
    plain.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    plain.send("AUTHENTICATE EXTERNAL")
    plain.expect("AUTHENTICATE")
    plain.send("AUTHENTICATE +")
    plain.expect("904")
    plain.close()


def test_bad_certificate_config_is_reported(tmp_path):
    from ircclient import BINARY, BASE_CONFIG
    conf = tmp_path / "ircd.conf"
    conf.write_text(BASE_CONFIG.format(port=free_port()) +
                    "\n[tls]\ncertificate = missing.pem\n")
    r = subprocess.run([BINARY, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert r.returncode != 0
    # named once, by its full path, with how to make one
    line = [x for x in r.stderr.splitlines() if "missing.pem" in x]
    assert len(line) == 1 and ": certificate: %s does not exist" % (tmp_path.resolve() / "missing.pem") in line[0]
    assert "evircd-mkcert" in line[0]


class FakeDNS(threading.Thread):
    """Answers PTR and A queries from a table; silent for names in drop."""

    def __init__(self, ptr, a, drop=()):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.ptr, self.a, self.drop = ptr, a, set(drop)
        self.queries = []
        self.running = True

    @staticmethod
    def name(n):
        return b"".join(bytes([len(p)]) + p.encode() for p in n.split(".") if p) + b"\0"

    def run(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            tid = data[:2]
            labels, o = [], 12
            while data[o]:
                labels.append(data[o + 1:o + 1 + data[o]].decode())
                o += 1 + data[o]
            qname = ".".join(labels)
            qtype = struct.unpack(">H", data[o + 1:o + 3])[0]
            question = data[12:o + 5]
            self.queries.append((qname, qtype))
            if qname in self.drop:
                continue
            answer, count = b"", 0
            if qtype == 12 and qname in self.ptr:
                rdata = self.name(self.ptr[qname])
                answer = b"\xc0\x0c" + struct.pack(">HHIH", 12, 1, 60, len(rdata)) + rdata
                count = 1
            elif qtype == 1 and qname in self.a:
                answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(self.a[qname])
                count = 1
            flags = 0x8180 if count else 0x8183
            self.sock.sendto(tid + struct.pack(">HHHHH", flags, 1, count, 0, 0) + question + answer, addr)

    def stop(self):
        self.running = False
        self.join(2)
        self.sock.close()


def lookup_outcome(srv, source_ip, nick):
    c = Client(srv.port, source_ip=source_ip)
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :r")
    c.expect(lambda m: m.command == "NOTICE" and "Looking up" in m.params[-1])
    result = c.expect(lambda m: m.command == "NOTICE" and "Looking up" not in m.params[-1] and
                      ("hostname" in m.params[-1] or "DNS" in m.params[-1]), timeout=8)
    c.expect("001")
    c.send("WHOIS %s" % nick)
    host = c.expect("311").params[3]
    c.close()
    return result.params[-1], host


def test_dns_found_notfound_mismatch_timeout(make_server):
    dns = FakeDNS(ptr={"2.0.0.127.in-addr.arpa": "good.example",
                       "3.0.0.127.in-addr.arpa": "liar.example"},
                  a={"good.example": "127.0.0.2", "liar.example": "10.9.9.9"},
                  drop={"5.0.0.127.in-addr.arpa"})
    dns.start()
    try:
        srv = make_server("\n[dns]\nenabled = yes\nservers = 127.0.0.1:%d\ntimeout = 2\n" % dns.port)
        text, host = lookup_outcome(srv, "127.0.0.2", "dnsgood")
        assert "Found your hostname" in text and host == "good.example"
        text, host = lookup_outcome(srv, "127.0.0.3", "dnsliar")
        assert "do not match" in text and host == "127.0.0.3"
        text, host = lookup_outcome(srv, "127.0.0.4", "dnsnone")
        assert "Couldn't look up" in text and host == "127.0.0.4"
        text, host = lookup_outcome(srv, "127.0.0.5", "dnsslow")
        assert "Couldn't look up" in text and host == "127.0.0.5"
        # The second lookup of an address is answered from the cache.
        before = len(dns.queries)
        text, host = lookup_outcome(srv, "127.0.0.2", "dnsgood2")
        assert host == "good.example" and len(dns.queries) == before
    finally:
        dns.stop()


def test_rehash_reloads_certificate_without_dropping_anyone(make_server, certs, tmp_path):
    import shutil
    import signal
    import ssl as sslmod
    srv = make_server(tls_config(certs), tls_port=free_port())
    old = Client(srv.tls_port, tls=True).register("keepme")
    first = sslmod.get_server_certificate(("127.0.0.1", srv.tls_port))
    # A new certificate in place of the old one, then SIGHUP.
    new_dir = tmp_path / "newcert"
    subprocess.check_call(["sh", os.path.join(ROOT, "tools", "mkcert"), str(new_dir)])
    shutil.copy(new_dir / "cert.pem", certs["dir"] / "server" / "cert.pem")
    shutil.copy(new_dir / "key.pem", certs["dir"] / "server" / "key.pem")
    srv.signal(signal.SIGHUP)
    import time
    deadline = time.time() + 5
    second = first
    while second == first and time.time() < deadline:
        time.sleep(0.1)
        second = sslmod.get_server_certificate(("127.0.0.1", srv.tls_port))
    assert second != first
    old.send("PING :still here")
    assert old.expect("PONG").params[-1] == "still here"
    old.close()
