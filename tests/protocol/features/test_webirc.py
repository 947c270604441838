"""WEBIRC (IRCv3 webirc): a [webirc] gateway gives its user's real host and IP."""
import os
import socket
import subprocess

import pytest

from ircclient import MKPASSWD, ROOT, Client, free_port


def webirc_config(password="gatewaypw", hosts="127.0.0.1", extra=""):
    return "\n[webirc gw]\npassword = %s\nhosts = %s\n%s" % (password, hosts, extra)


def closed_with_error(c):
    err = c.expect("ERROR")
    c.sock.settimeout(5)
    try:
        while c.sock.recv(4096):
            pass
    except (ConnectionError, OSError):
        pass
    return err.params[0]


@pytest.fixture(scope="module")
def hashed():
    return subprocess.check_output([MKPASSWD, "hashedpw"]).decode().strip()


@pytest.fixture
def gw(make_server):
    return make_server(webirc_config())


def whois(asker, nick):
    asker.send("WHOIS %s" % nick)
    return asker.collect("318")


def test_gateway_gives_host_and_ip(gw):
    c = gw.client()
    c.send("WEBIRC gatewaypw ExampleGateway user.example.net 203.0.113.50")
    c.register("webuser")
    lines = whois(c, "webuser")
    host = [m for m in lines if m.command == "378"][0].params[-1]
    assert host.endswith("*@user.example.net 203.0.113.50"), host
    special = [m.params[-1] for m in lines if m.command == "320"]
    assert any("WebIRC gateway gw" in s for s in special), special
    other = gw.client().register("lookingat")
    user = [m for m in whois(other, "webuser") if m.command == "311"][0]
    assert user.params[3] == "user.example.net"


@pytest.mark.parametrize("host,ip,shown_host,shown_ip", [
    ("203.0.113.51", "203.0.113.51", "203.0.113.51", "203.0.113.51"),
    ("bad_host!name", "203.0.113.52", "203.0.113.52", "203.0.113.52"),
    ("0::1", "0::1", "0::1", "::1"),
    ("v6.example.net", "2001:db8::9", "v6.example.net", "2001:db8::9"),
    ("mapped.example.net", "0::ffff:198.51.100.3", "mapped.example.net", "198.51.100.3"),
])
def test_host_and_ip_forms(gw, host, ip, shown_host, shown_ip):
    c = gw.client()
    c.send("WEBIRC gatewaypw gw %s %s" % (host, ip))
    c.register("forms")
    h = [m for m in whois(c, "forms") if m.command == "378"][0].params[-1]
    assert h.endswith("*@%s %s" % (shown_host, shown_ip)), h


def test_hashed_password(make_server, hashed):
    gw = make_server(webirc_config(password=hashed))
    c = gw.client()
    c.send("WEBIRC hashedpw gw host.example.org 192.0.2.80")
    c.register("hashuser")
    h = [m for m in whois(c, "hashuser") if m.command == "378"][0].params[-1]
    assert h.endswith("*@host.example.org 192.0.2.80"), h
    d = gw.client()
    d.send("WEBIRC wrongpw gw host.example.org 192.0.2.81")
    d.send("NICK never")
    d.send("USER u 0 * :x")
    assert "Invalid WebIRC password" in closed_with_error(d)


def test_wrong_password_not_first_and_bad_ip(gw):
    c = gw.client()
    c.send("WEBIRC nope gw host.example.org 192.0.2.1")
    assert "Invalid WebIRC password" in closed_with_error(c)
    c = gw.client()
    c.send("NICK first")
    c.send("WEBIRC gatewaypw gw host.example.org 192.0.2.1")
    assert "WEBIRC must be the first command" in closed_with_error(c)
    c = gw.client()
    c.send("WEBIRC gatewaypw gw host.example.org 999.1.2.3")
    assert "Invalid IP address" in closed_with_error(c)
    c = gw.client().register("regd")
    c.send("WEBIRC gatewaypw gw host.example.org 192.0.2.1")
    assert c.expect("462")


def test_only_from_gateway_hosts(make_server):
    srv = make_server(webirc_config(hosts="10.0.0.0/8, 2001:db8::/32"))
    c = srv.client()
    c.send("WEBIRC gatewaypw gw host.example.org 192.0.2.1")
    assert "Invalid WebIRC password" in closed_with_error(c)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    d = tmp_path_factory.mktemp("webirccerts")
    subprocess.check_call(["sh", os.path.join(ROOT, "tools", "mkcert"), str(d / "server")])
    return d


@pytest.mark.parametrize("tls,option,trust,secure", [
    (True, "secure", "yes", True),
    (True, ":secure=1 local-port=6697 remote-port=21726", "yes", True),
    (True, "", "yes", False),          # the user's side was not TLS
    (False, "secure", "yes", False),   # the gateway's side is not TLS
    (True, "secure", "no", False),     # the block does not trust the flag
])
def test_secure_option(make_server, certs, tls, option, trust, secure):
    srv = make_server(webirc_config(extra="trust_secure = %s\n" % trust) +
                      "\n[listen tls]\nhost = 127.0.0.1\nport = {tls_port}\ntls = yes\n"
                      "[tls]\ncertificate = %s/server/cert.pem\nkey = %s/server/key.pem\n"
                      % (certs, certs), tls_port=free_port())
    c = Client(srv.tls_port if tls else srv.port, tls=tls)
    c.send(("WEBIRC gatewaypw gw host.example.org 192.0.2.5 " + option).rstrip())
    c.register("sec")
    got = [m.command for m in whois(c, "sec")]
    assert ("671" in got) == secure, got


def test_connect_notice_names_the_gateway(make_server):
    hashed_oper = subprocess.check_output([MKPASSWD, "operpw"]).decode().strip()
    srv = make_server(webirc_config() + "\n[oper admin]\npassword = %s\nmask = *@*\n"
                      "privileges = all\nsnomask = +c\n" % hashed_oper)
    o = srv.client().register("theoper")
    o.send("OPER admin operpw")
    o.expect("381")
    c = srv.client()
    c.send("WEBIRC gatewaypw gw gwuser.example.net 192.0.2.99")
    c.register("gwuser")
    note = o.expect(lambda m: m.command == "NOTICE" and "Client connecting: gwuser" in m.params[-1])
    assert "[192.0.2.99]" in note.params[-1] and "(WebIRC gw)" in note.params[-1]


def test_resolve_looks_the_ip_up_ourselves(make_server):
    from test_transport import FakeDNS
    dns = FakeDNS(ptr={"55.2.0.192.in-addr.arpa": "real.example",
                       "56.2.0.192.in-addr.arpa": "liar.example"},
                  a={"real.example": "192.0.2.55", "liar.example": "10.9.9.9"})
    dns.start()
    try:
        srv = make_server(webirc_config(extra="resolve = yes\n") +
                          "\n[dns]\nenabled = yes\nservers = 127.0.0.1:%d\ntimeout = 2\n" % dns.port)
        for ip, nick, want in [("192.0.2.55", "resolved", "real.example"),
                               ("192.0.2.56", "unresolved", "192.0.2.56")]:
            c = srv.client()
            c.send("WEBIRC gatewaypw gw claimed.example %s" % ip)
            c.register(nick)
            assert [m for m in whois(c, nick) if m.command == "311"][0].params[3] == want
        # The users' addresses were looked up, and the names confirmed forward.
        assert {("55.2.0.192.in-addr.arpa", 12), ("real.example", 1),
                ("56.2.0.192.in-addr.arpa", 12), ("liar.example", 1)} <= set(dns.queries)
    finally:
        dns.stop()
