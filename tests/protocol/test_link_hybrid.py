"""evircd linked with the real ircd-hybrid 8.2 (Debian's), TS6 hybrid dialect.

evircd (ev.test, 2EV) dials hybrid (hub.test, 1HY). Users on both sides see
each other, share a channel (JOIN, PRIVMSG, TOPIC, MODE, KICK, NICK, QUIT)
and see the netsplit when either server goes. The hybrid and ts6_peer
fixtures are tests/protocol/ts6.py's (started as an unprivileged user in a
private mount namespace, loopback DNS; skipped with the reason when the
machine cannot).
"""
import socket
import time

import pytest

from ts6 import free_port

PASS_TO_HUB = "ev-to-hub"
PASS_TO_EV = "hub-to-ev"




@pytest.fixture
def linked(hybrid, make_server):
    """(hybrid, evircd): evircd dials hybrid and the two finish their bursts."""
    ev_port = free_port()
    h = hybrid(name="hub.test", sid="1HY",
               connect={"name": "ev.test", "port": ev_port,
                        "send_password": PASS_TO_EV, "accept_password": PASS_TO_HUB})
    ev = make_server({
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(ev_port), "type": "servers"},
        "link hub.test": {"host": "127.0.0.1", "port": str(h.port), "dialect": "hybrid",
                          "send_password": PASS_TO_HUB, "accept_password": PASS_TO_EV,
                          "autoconnect": "yes"},
    })
    deadline = time.monotonic() + 15
    while "hub.test synchronised" not in ev.stderr_text():
        assert time.monotonic() < deadline, ev.stderr_text() + h.log()
        time.sleep(0.05)
    return h, ev


def whois(observer, nick):
    observer.send("WHOIS %s" % nick)
    return {m.command: m for m in observer.collect_until("318")}


def wait_until(check, what, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def names(observer, channel):
    observer.send("NAMES %s" % channel)
    return sorted(" ".join(m.params[-1] for m in observer.collect_until("366")
                           if m.command == "353").split())


def test_users_and_messages_cross_both_ways(linked):
    h, ev = linked
    alice = h.client().register("alice")
    bob = ev.client().register("bob")
    wait_until(lambda: "311" in whois(alice, "bob"), "hybrid to see bob")
    seen = whois(alice, "bob")
    assert seen["312"].params[2] == "ev.test"
    assert seen["311"].params[1:4] == ["bob", "~u", "127.0.0.1"] or seen["311"].params[1] == "bob"
    wait_until(lambda: "311" in whois(bob, "alice"), "evircd to see alice")
    assert whois(bob, "alice")["312"].params[2] == "hub.test"
    alice.send("PRIVMSG bob :from hybrid")
    got = bob.expect("PRIVMSG")
    assert got.source.startswith("alice!") and got.params == ["bob", "from hybrid"]
    bob.send("PRIVMSG alice :from evircd")
    got = alice.expect("PRIVMSG")
    assert got.source.startswith("bob!") and got.params == ["alice", "from evircd"]


def test_a_channel_shared_with_hybrid(linked):
    h, ev = linked
    alice = h.client().register("alice")
    bob = ev.client().register("bob")
    wait_until(lambda: "311" in whois(bob, "alice"), "evircd to see alice")
    alice.send("JOIN #mix")
    alice.expect("366")
    wait_until(lambda: "@alice" in names(bob, "#mix"), "#mix to reach evircd")
    bob.send("JOIN #mix")
    bob.expect("366")
    assert alice.expect("JOIN").source.startswith("bob!")
    bob.send("PRIVMSG #mix :hello hybrid users")
    assert alice.expect("PRIVMSG").params == ["#mix", "hello hybrid users"]
    alice.send("PRIVMSG #mix :hello evircd users")
    assert bob.expect("PRIVMSG").params == ["#mix", "hello evircd users"]
    alice.send("TOPIC #mix :a topic from hybrid")
    assert bob.expect("TOPIC").params == ["#mix", "a topic from hybrid"]
    alice.send("MODE #mix +o bob")
    mode = bob.expect("MODE")
    assert mode.params == ["#mix", "+o", "bob"]
    bob.send("MODE #mix +v alice")
    voiced = alice.expect(lambda m: m.command == "MODE" and m.source.startswith("bob!"))
    assert voiced.params == ["#mix", "+v", "alice"]
    bob.send("NICK robert")
    assert alice.expect("NICK").params == ["robert"]
    bob.send("KICK #mix alice :evircd kicks")
    kick = alice.expect("KICK")
    assert kick.source.startswith("robert!") and kick.params == ["#mix", "alice", "evircd kicks"]
    alice.send("JOIN #mix")
    assert bob.expect("JOIN").source.startswith("alice!")
    bob.send("QUIT :leaving")
    quit = alice.expect("QUIT")
    assert quit.source.startswith("robert!") and quit.params[0].endswith("leaving")


def test_hybrid_going_away_is_a_netsplit(linked):
    h, ev = linked
    alice = h.client().register("alice")
    bob = ev.client().register("bob")
    wait_until(lambda: "311" in whois(bob, "alice"), "evircd to see alice")
    bob.send("JOIN #split")
    bob.expect("366")
    wait_until(lambda: "bob" in " ".join(names(alice, "#split")), "#split to reach hybrid")
    alice.send("JOIN #split")
    bob.expect("JOIN")
    h.terminate()
    quit = bob.expect("QUIT")
    assert quit.source.startswith("alice!") and quit.params == ["ev.test hub.test"]
    wait_until(lambda: "401" in whois(bob, "alice"), "alice to be gone")
