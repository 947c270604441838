"""Atheme 7.2 (Debian's atheme-services, its charybdis protocol module) linked to evircd.

Atheme (services.test, 9AT) dials evircd (ev.test, 2EV) in the charybdis
dialect; evircd trusts it in [services] servers and leaves accounts and
SASL to it (accounts = services). NickServ REGISTER logs the user in (ENCAP
SU: WHOIS 330, account-notify); SASL PLAIN from a client is relayed to
SaslServ (ENCAP SASL) and completes with 900 and 903, the account riding in
the user's EUID. atheme.py runs Atheme as nobody and stops it by PID.
"""
import base64
import socket
import time

import pytest

from ts6 import free_port

import atheme

PASS = "svcpass"




@pytest.fixture
def services(make_server, tmp_path):
    """(evircd, Atheme): Atheme linked and synchronised."""
    why = atheme.missing()
    if why:
        pytest.skip(why)
    port = free_port()
    ev = make_server({
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "services": {"servers": "services.test", "accounts": "services"},
        "link services.test": {"host": "127.0.0.1", "port": "1", "dialect": "charybdis",
                               "send_password": PASS, "accept_password": PASS},
    })
    a = atheme.Atheme("ev.test", port, PASS, name="services.test", sid="9AT", keep_dir=tmp_path)
    try:
        a.start()
        deadline = time.monotonic() + 10
        while "services.test synchronised" not in ev.stderr_text():
            assert time.monotonic() < deadline, ev.stderr_text() + a.log()
            time.sleep(0.05)
        yield ev, a
    finally:
        a.stop()


def whois(observer, nick):
    observer.send("WHOIS %s" % nick)
    return {m.command: m for m in observer.collect_until("318")}


def notice_from(service):
    return lambda m: m.command == "NOTICE" and m.nick == service


def register_account(ev, nick, password):
    """A user registers nick with NickServ; returns it, logged in."""
    c = ev.client().register(nick)
    c.send("PRIVMSG NickServ :REGISTER %s %s@example.test" % (password, nick))
    assert "registered" in c.expect(notice_from("NickServ")).params[1]
    return c


def test_nickserv_logins_show_in_whois(services):
    ev, _ = services
    w = ev.client()
    w.send("CAP REQ :account-notify")
    w.expect("CAP")
    w.send("CAP END")
    w.register("watcher")
    w.send("JOIN #ath")
    w.expect("366")
    alice = ev.client().register("alice")
    alice.send("JOIN #ath")
    alice.expect("366")
    assert whois(w, "NickServ")["312"].params[2] == "services.test"
    alice.send("PRIVMSG NickServ :REGISTER athpass1234 alice@example.test")
    assert "registered" in alice.expect(notice_from("NickServ")).params[1]
    assert w.expect("ACCOUNT").params == ["alice"]
    assert whois(w, "alice")["330"].params[1:3] == ["alice", "alice"]
    alice.send("PRIVMSG NickServ :LOGOUT")
    assert w.expect("ACCOUNT").params == ["*"]
    assert "330" not in whois(w, "alice")
    alice.send("PRIVMSG NickServ :IDENTIFY athpass1234")
    assert w.expect("ACCOUNT").params == ["alice"]
    assert whois(w, "alice")["330"].params[2] == "alice"


def sasl_plain(ev, nick, account, password):
    c = ev.client()
    c.send("CAP REQ :sasl")
    c.expect("CAP")
    c.send("NICK %s" % nick)
    c.send("USER s 0 * :SASL user")
    c.send("AUTHENTICATE PLAIN")
    assert c.expect("AUTHENTICATE").params == ["+"]
    blob = ("%s\0%s\0%s" % (account, account, password)).encode()
    c.send("AUTHENTICATE %s" % base64.b64encode(blob).decode())
    return c


def cap_ls(ev):
    """The CAP LS 302 values of a new client, as one string."""
    c = ev.client()
    c.send("CAP LS 302")
    out = []
    while True:
        m = c.expect("CAP")
        out.append(m.params[-1])
        if m.params[2] != "*":
            return " ".join(out)


def test_sasl_plain_completes_through_atheme(services):
    ev, _ = services
    # CAP LS offers what Atheme announced (ENCAP * MECHLIST)
    assert "sasl=PLAIN,AUTHCOOKIE" in cap_ls(ev).split()
    owner = register_account(ev, "bob", "bobpass1234")
    c = sasl_plain(ev, "bobsasl", "bob", "bobpass1234")
    assert c.expect("900").params[2] == "bob"
    c.expect("903")
    c.send("CAP END")
    c.expect("001")
    # Atheme saw the session complete when the user was introduced with it
    assert "has just authenticated as you" in owner.expect(notice_from("SaslServ")).params[1]
    assert whois(owner, "bobsasl")["330"].params[2] == "bob"
    bad = sasl_plain(ev, "badsasl", "bob", "wrongpass")
    bad.expect("904")


def test_pipelined_sasl_login_through_atheme(services):
    # The whole login in one write: each relayed step waits for Atheme's
    # answer, so CAP END and JOIN run once the client is logged in.
    ev, _ = services
    register_account(ev, "carol", "carolpass1234")
    c = ev.client()
    blob = base64.b64encode(b"carol\0carol\0carolpass1234").decode()
    c.send_raw("".join(l + "\r\n" for l in [
        "CAP REQ :sasl", "NICK carolsasl", "USER s 0 * :r", "AUTHENTICATE PLAIN",
        "AUTHENTICATE %s" % blob, "CAP END", "JOIN #piped"]))
    got = c.collect_until("JOIN")
    order = [m.command for m in got if m.command in ("AUTHENTICATE", "900", "903", "904", "001", "JOIN")]
    assert order == ["AUTHENTICATE", "900", "903", "001", "JOIN"]
