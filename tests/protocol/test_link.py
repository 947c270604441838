"""Server linking (TS6) between two evircd servers on loopback.

A listens for servers; B dials A (autoconnect). Users on both sides see each
other (WHOIS names the far server), talk, change nick, go away and quit, and a
lost link splits the far side away.
"""

import socket
import time

import pytest


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

LINK_PASS_AB = "a-to-b"
LINK_PASS_BA = "b-to-a"


def link_sections(name, sid, server_port, peer, peer_port, send, accept, autoconnect):
    return {
        "server": {"name": name, "sid": sid},
        "listen servers": {"host": "127.0.0.1", "port": str(server_port), "type": "servers"},
        "link %s" % peer: {
            "host": "127.0.0.1",
            "port": str(peer_port),
            "send_password": send,
            "accept_password": accept,
            "autoconnect": "yes" if autoconnect else "no",
        },
    }


@pytest.fixture
def pair(make_server):
    """Two evircd servers, a.test (1AA) and b.test (2BB); B dials A."""
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, LINK_PASS_AB, True))
    return a, b


def wait_visible(observer, nick, timeout=10):
    """WHOIS nick from observer until it answers 311 (the link carried it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("WHOIS %s" % nick)
        lines = observer.collect_until("318")
        found = [m for m in lines if m.command == "311"]
        if found:
            return lines
        time.sleep(0.05)
    raise AssertionError("%s never became visible to %s" % (nick, observer.nick))


def wait_gone(observer, nick, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("WHOIS %s" % nick)
        lines = observer.collect_until("318")
        if any(m.command == "401" for m in lines):
            return
        time.sleep(0.05)
    raise AssertionError("%s still visible to %s" % (nick, observer.nick))


def test_users_see_each_other_across_the_link(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    lines = wait_visible(alice, "bob")
    whois_server = [m for m in lines if m.command == "312"][0]
    assert whois_server.params[1:3] == ["bob", "b.test"]
    lines = wait_visible(bob, "alice")
    assert [m for m in lines if m.command == "312"][0].params[2] == "a.test"


def test_private_messages_both_ways(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    alice.send("PRIVMSG bob :hello from a")
    got = bob.expect("PRIVMSG")
    assert got.source.startswith("alice!") and got.params == ["bob", "hello from a"]
    bob.send("NOTICE alice :and back from b")
    got = alice.expect("NOTICE")
    assert got.source.startswith("bob!") and got.params == ["alice", "and back from b"]


def test_nick_away_and_quit_travel(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    alice.send("MONITOR + bob,robert")
    alice.expect("730")
    bob.send("NICK robert")
    bob.expect("NICK")
    # MONITOR on a sees the rename made on b.
    alice.expect(lambda m: m.command == "731" and "bob" in m.params[-1])
    alice.expect(lambda m: m.command == "730" and m.params[-1].startswith("robert!"))
    bob.send("AWAY :out to lunch")
    bob.expect("306")
    alice.send("PRIVMSG robert :are you there?")
    away = alice.expect("301")
    assert away.params[1:] == ["robert", "out to lunch"]
    bob.send("QUIT :bye")
    alice.expect(lambda m: m.command == "731" and "robert" in m.params[-1])
    wait_gone(alice, "robert")


def test_lost_link_splits_the_far_side(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    alice.send("MONITOR + bob")
    alice.expect("730")
    b.crash()  # the far server dies: its users leave with it
    alice.expect(lambda m: m.command == "731" and "bob" in m.params[-1])
    wait_gone(alice, "bob")
    assert "b.test split from a.test" in a.stderr_text()


def test_wrong_password_is_refused(make_server):
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, "not-what-a-sends", True))
    # b dials; a accepts (b's password is right) and sends its own, which b refuses.
    deadline = time.monotonic() + 10
    while "Password incorrect" not in b.stderr_text():
        assert time.monotonic() < deadline, b.stderr_text()
        time.sleep(0.05)
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    alice.send("WHOIS bob")
    assert any(m.command == "401" for m in alice.collect_until("318"))
