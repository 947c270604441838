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
    deadline = time.monotonic() + 10  # the AWAY crosses the link on its own time
    while "301" not in [m.command for m in (alice.send("WHOIS robert") or alice.collect_until("318"))]:
        assert time.monotonic() < deadline, "robert's AWAY never reached a"
        time.sleep(0.05)
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


def wait_member(observer, channel, nick, timeout=10):
    """NAMES channel from observer until nick is listed (the link carried the join)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("NAMES %s" % channel)
        listed = " ".join(m.params[-1] for m in observer.collect_until("366") if m.command == "353")
        if nick in listed.replace("@", " ").replace("+", " ").split():
            return listed
        time.sleep(0.05)
    raise AssertionError("%s never seen in %s by %s" % (nick, channel, observer.nick))


def join_both(alice, bob, channel):
    """alice (on a) creates channel, bob (on b) joins it; both see both."""
    alice.send("JOIN %s" % channel)
    alice.expect("366")
    wait_member(bob, channel, "alice")
    bob.send("JOIN %s" % channel)
    names = bob.collect_until("366")
    listed = " ".join(m.params[-1] for m in names if m.command == "353")
    assert "@alice" in listed and "bob" in listed, listed
    joined = alice.expect("JOIN")
    assert joined.source.startswith("bob!") and joined.params[0] == channel


def test_channel_life_across_the_link(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    join_both(alice, bob, "#both")
    alice.send("PRIVMSG #both :hi bob")
    got = bob.expect("PRIVMSG")
    assert got.source.startswith("alice!") and got.params == ["#both", "hi bob"]
    bob.send("PRIVMSG #both :hi alice")
    assert alice.expect("PRIVMSG").params == ["#both", "hi alice"]
    alice.send("TOPIC #both :linked topic")
    topic = bob.expect("TOPIC")
    assert topic.source.startswith("alice!") and topic.params == ["#both", "linked topic"]
    alice.send("MODE #both +v bob")
    mode = bob.expect("MODE")
    assert mode.source.startswith("alice!") and mode.params == ["#both", "+v", "bob"]
    bob.send("PART #both :see you")
    part = alice.expect("PART")
    assert part.source.startswith("bob!") and part.params == ["#both", "see you"]
    bob.send("JOIN #both")
    alice.expect("JOIN")
    alice.send("KICK #both bob :out")
    kick = bob.expect("KICK")
    assert kick.source.startswith("alice!") and kick.params == ["#both", "bob", "out"]


def test_netsplit_quits_show_both_servers(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    join_both(alice, bob, "#split")
    b.crash()
    quit = alice.expect("QUIT")
    assert quit.source.startswith("bob!") and quit.params == ["a.test b.test"]


def test_burst_carries_channels_topics_and_bans(make_server):
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    alice = a.client().register("alice")
    alice.send("JOIN #old")
    alice.expect("366")
    alice.send("TOPIC #old :set before the link")
    alice.expect("TOPIC")
    alice.send("MODE #old +b *!*@banned.example")
    alice.expect("MODE")
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, LINK_PASS_AB, True))
    bob = b.client().register("bob")
    wait_visible(bob, "alice")
    bob.send("JOIN #old")
    lines = bob.collect_until("366")
    assert [m.params[-1] for m in lines if m.command == "332"] == ["set before the link"]
    listed = " ".join(m.params[-1] for m in lines if m.command == "353")
    assert "@alice" in listed and "bob" in listed
    bob.send("MODE #old +b")
    bans = [m.params[2] for m in bob.collect_until("368") if m.command == "367"]
    assert bans == ["*!*@banned.example"]
