"""Anope 2.0 (Debian's package, its hybrid protocol module) linked to evircd.

Anope (services.test, 9SV) dials evircd (ev.test, 2EV), which trusts it in
[services] servers. A client on evircd registers and identifies with
NickServ: it gets the account (account-notify to a watcher with the cap,
WHOIS 330, user mode +r); it registers its channel with ChanServ and stays
an operator there. anope.py runs Anope as nobody and stops it by PID.
"""
import socket
import time

import pytest

from ts6 import free_port

import anope

PASS = "svcpass"




@pytest.fixture
def services(make_server, tmp_path):
    """(evircd, Anope): Anope linked and synchronised."""
    why = anope.missing()
    if why:
        pytest.skip(why)
    port = free_port()
    ev = make_server({
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "services": {"servers": "services.test"},
        "link services.test": {"host": "127.0.0.1", "port": "1", "dialect": "hybrid",
                               "send_password": PASS, "accept_password": PASS},
    })
    a = anope.Anope(port, PASS, name="services.test", sid="9SV", keep_dir=tmp_path)
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


def watcher_and_user(ev, channel):
    w = ev.client()
    w.send("CAP REQ :account-notify")
    w.expect("CAP")
    w.send("CAP END")
    w.register("watcher")
    alice = ev.client().register("alice")
    alice.send("JOIN %s" % channel)
    alice.expect("366")
    w.send("JOIN %s" % channel)
    w.expect("366")
    return w, alice


def test_nickserv_register_and_identify_give_the_account(services):
    ev, _ = services
    w, alice = watcher_and_user(ev, "#anope")
    assert whois(w, "NickServ")["312"].params[2] == "services.test"
    alice.send("PRIVMSG NickServ :REGISTER s3cretpass alice@example.test")
    assert "registered" in alice.expect(notice_from("NickServ")).params[1]
    assert alice.expect("MODE").params == ["alice", "+r"]
    acct = w.expect("ACCOUNT")
    assert acct.nick == "alice" and acct.params == ["alice"]
    assert whois(w, "alice")["330"].params[1:3] == ["alice", "alice"]
    alice.send("PRIVMSG NickServ :LOGOUT")
    assert "logged out" in alice.expect(notice_from("NickServ")).params[1]
    assert alice.expect("MODE").params == ["alice", "-r"]
    assert w.expect("ACCOUNT").params == ["*"]
    assert "330" not in whois(w, "alice")
    alice.send("PRIVMSG NickServ :IDENTIFY s3cretpass")
    assert "accepted" in alice.expect(notice_from("NickServ")).params[1]
    assert w.expect("ACCOUNT").params == ["alice"]
    assert alice.expect(lambda m: m.command == "MODE" and m.params == ["alice", "+r"])
    seen = whois(w, "alice")
    assert seen["330"].params[2] == "alice"
    assert seen["307"].params[1:] == ["alice", "has identified for this nick"]
    alice.send("MODE alice")
    assert "r" in alice.expect("221").params[1]


def test_chanserv_register_keeps_the_ops(services):
    ev, _ = services
    w, alice = watcher_and_user(ev, "#kept")
    alice.send("PRIVMSG NickServ :REGISTER s3cretpass alice@example.test")
    w.expect("ACCOUNT")
    alice.send("PRIVMSG ChanServ :REGISTER #kept")
    reply = alice.expect(notice_from("ChanServ")).params[1]
    assert "registered" in reply and "#kept" in reply
    # a round trip through services: ChanServ's answers to INFO come after
    # anything it did to the channel on REGISTER
    alice.send("PRIVMSG ChanServ :INFO #kept")
    alice.expect(notice_from("ChanServ"))
    w.send("NAMES #kept")
    names = " ".join(m.params[-1] for m in w.collect_until("366") if m.command == "353").split()
    assert "@alice" in names
    assert not [l for l in w.seen if " MODE #kept " in l and "-o" in l]
    # ChanServ's mode lock (+nt by default) is held here: MLOCK
    alice.send("MODE #kept -t")
    locked = alice.expect("742")
    assert locked.params[1:3] == ["#kept", "t"]
    alice.send("MODE #kept +m")
    assert alice.expect("MODE").params == ["#kept", "+m"]
