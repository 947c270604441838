"""Three evircd servers in a chain, A - B - C (B the hub), and the TS rules.

A and C dial B (autoconnect). Messages cross the hub by UID. To split, B's
process is stopped; while split, A and C each create the same channel and
register the same nick; B is started again and A and C relink with a full
burst: the channel with the lower TS wins (the newer side's ops lose their
status and see the TS change), equal TSes merge, and the nick collision
leaves the older user, seen on all three servers.
"""
import socket
import time

import pytest

from ts6 import free_port


PASS = "chainpass"




def block(port, autoconnect):
    return {"host": "127.0.0.1", "port": str(port), "send_password": PASS,
            "accept_password": PASS, "autoconnect": "yes" if autoconnect else "no"}


def whois(observer, nick):
    observer.send("WHOIS %s" % nick)
    return {m.command: m for m in observer.collect_until("318")}


def wait_until(check, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for %s" % what
        time.sleep(0.05)


def synced(srv, name):
    return srv.stderr_text().count("link: %s synchronised" % name)


def names(observer, channel):
    observer.send("NAMES %s" % channel)
    out = []
    for m in observer.collect_until("366"):
        if m.command == "353":
            out += m.params[-1].split()
    return sorted(out)


def topic_of(observer, channel):
    observer.send("TOPIC %s" % channel)
    m = observer.expect(("331", "332", "403", "442"))
    return m.params[-1] if m.command == "332" else None


def channel_ts(observer, channel):
    observer.send("MODE %s" % channel)
    return int(observer.expect("329").params[2])


class Chain:
    def __init__(self, make_server, peer_port=None):
        self.ports = {n: free_port() for n in "abc"}
        sect = lambda n, sid: {"server": {"name": "%s.test" % n, "sid": sid},
                               "listen servers": {"host": "127.0.0.1", "port": str(self.ports[n]),
                                                  "type": "servers"}}
        hub = sect("b", "2BB")
        hub["link a.test"] = block(self.ports["a"], False)
        hub["link c.test"] = block(self.ports["c"], False)
        if peer_port is not None:
            hub["link peer.test"] = block(peer_port, False)
        a, c = sect("a", "1AA"), sect("c", "3CC")
        a["link b.test"] = block(self.ports["b"], True)
        c["link b.test"] = block(self.ports["b"], True)
        self.b = make_server(hub)
        self.a = make_server(a)
        self.c = make_server(c)
        self.wait_linked(1)

    def wait_linked(self, n):
        """A and C each synchronised with B for the n-th time, and B with them."""
        wait_until(lambda: synced(self.a, "b.test") >= n and synced(self.c, "b.test") >= n and
                   synced(self.b, "a.test") >= n and synced(self.b, "c.test") >= n,
                   "the chain linked (%d)" % n)

    def restart_hub(self):
        """B goes (A and C see the split), its new process is what A and C relink to."""
        self.b.stop()
        self.b.clients = []
        return self.b


@pytest.fixture
def chain(make_server):
    return Chain(make_server)


def test_messages_cross_the_hub(chain):
    alice = chain.a.client().register("alice")
    carol = chain.c.client().register("carol")
    wait_until(lambda: "311" in whois(alice, "carol"), "carol seen on A")
    assert whois(alice, "carol")["312"].params[2] == "c.test"
    assert whois(carol, "alice")["312"].params[2] == "a.test"
    alice.send("PRIVMSG carol :over the hub")
    got = carol.expect("PRIVMSG")
    assert got.source.startswith("alice!") and got.params == ["carol", "over the hub"]
    alice.join("#chain")
    wait_until(lambda: names(carol, "#chain") == ["@alice"], "#chain seen on C")
    carol.join("#chain")
    alice.expect("JOIN")
    carol.send("PRIVMSG #chain :to all")
    assert alice.expect("PRIVMSG").params == ["#chain", "to all"]


def test_the_hub_relays_by_uid(make_server, ts6_peer):
    """A - B - Ts6Peer: what A's user says reaches the far server with its UID."""
    peer_port = free_port()
    ports = {n: free_port() for n in "ab"}
    hub = {"server": {"name": "b.test", "sid": "2BB"},
           "listen servers": {"host": "127.0.0.1", "port": str(ports["b"]), "type": "servers"},
           "link a.test": block(ports["a"], False), "link peer.test": block(peer_port, False)}
    b = make_server(hub)
    a = make_server({"server": {"name": "a.test", "sid": "1AA"},
                     "listen servers": {"host": "127.0.0.1", "port": str(ports["a"]), "type": "servers"},
                     "link b.test": block(ports["b"], True)})
    alice = a.client().register("alice")
    wait_until(lambda: synced(b, "a.test") >= 1, "A linked")
    peer = ts6_peer("peer.test", "9PE", password=PASS)
    zed = peer.user("zed")
    peer.connect(ports["b"]).link(users=[zed])
    alice_uid = peer.uid_of("alice")
    assert alice_uid.startswith("1AA")
    assert "1AA" in peer.servers and peer.uplinks["1AA"] == "2BB"
    wait_until(lambda: "311" in whois(alice, "zed"), "zed seen on A")
    alice.send("PRIVMSG zed :from a")
    assert peer.expect("PRIVMSG", source=alice_uid, params=[zed.uid]).params[-1] == "from a"
    peer.send(":%s PRIVMSG %s :from the peer" % (zed.uid, alice_uid))
    assert alice.expect("PRIVMSG").params == ["alice", "from the peer"]


def test_relink_channel_ts_lower_wins_and_equal_merges(chain):
    alice = chain.a.client().register("alice")
    carol = chain.c.client().register("carol")
    chain.restart_hub()
    # split: each side makes the channels on its own; A's #older a second earlier
    wait_until(lambda: "401" in whois(alice, "carol"), "the split seen on A")
    alice.join("#older")
    alice.send("MODE #older +i")  # A's modes count: C's go
    alice.send("TOPIC #older :A's topic")  # and A's topic: C's goes
    alice.expect("TOPIC")
    time.sleep(1.1)  # a newer TS for C's #older
    carol.join("#older")
    carol.send("MODE #older +m")
    carol.send("TOPIC #older :C's topic")
    carol.expect("TOPIC")
    # equal TS: both create in the same second (a few tries until one is)
    for i in range(5):
        ch = "#same%d" % i
        alice.join(ch)
        carol.join(ch)
        if channel_ts(alice, ch) == channel_ts(carol, ch):
            break
    else:
        pytest.fail("no channel made in the same second on both sides")
    # ...with a key and a limit each: the strcmp-larger key and the larger limit stay
    alice.send("MODE %s +kl aaa 10" % ch)
    carol.send("MODE %s +kl zzz 5" % ch)
    older_ts = channel_ts(alice, "#older")
    assert channel_ts(carol, "#older") > older_ts
    carol.sync()
    chain.b.start()
    chain.wait_linked(2)
    wait_until(lambda: "311" in whois(alice, "carol"), "carol back on A")
    # C's #older took A's TS; carol lost her @ and C's +m, and saw why
    notice = carol.expect(lambda m: m.command == "NOTICE" and "TS for #older changed" in m.params[-1])
    assert "to %d" % older_ts in notice.params[-1]
    mode = carol.expect(lambda m: m.command == "MODE" and m.params[0] == "#older")
    assert "-" in mode.params[1] and "o" in mode.params[1] and "carol" in mode.params
    wait_until(lambda: names(carol, "#older") == ["@alice", "carol"], "NAMES #older on C")
    assert names(alice, "#older") == ["@alice", "carol"]
    assert channel_ts(carol, "#older") == older_ts
    carol.send("MODE #older")
    assert carol.expect("324").params[2].lstrip("+").replace("n", "").replace("t", "") == "i"
    # the older channel's topic everywhere (C's went with its TS)
    watch_b = chain.b.client().register("watchb")
    for observer in (carol, watch_b, alice):
        wait_until(lambda: topic_of(observer, "#older") == "A's topic", "A's topic seen")
    # equal TS merged: both keep their @
    wait_until(lambda: names(alice, ch) == ["@alice", "@carol"], "merged NAMES on A")
    assert names(carol, ch) == ["@alice", "@carol"]
    for observer in (alice, carol):
        observer.send("MODE %s" % ch)
        modes = observer.expect("324").params[2:]
        assert "k" in modes[0] and "l" in modes[0] and "zzz" in modes and "10" in modes, modes


def test_relink_nick_collision_older_survives_everywhere(chain):
    watch_a = chain.a.client().register("watcha")
    watch_c = chain.c.client().register("watchc")
    chain.restart_hub()
    wait_until(lambda: "401" in whois(watch_a, "watchc"), "the split seen on A")
    older = chain.a.client().register("twin", user="fromA")
    time.sleep(1.1)
    newer = chain.c.client().register("twin", user="fromC")
    chain.b.start()
    chain.wait_linked(2)
    # the newer twin (C's) is KILLed; A's is the twin on all three servers
    newer.expect_closed()
    older.send("PING :still")
    assert older.expect("PONG").params[-1] == "still"
    wait_until(lambda: "311" in whois(watch_c, "twin"), "twin seen on C")
    for observer in (watch_a, watch_c, chain.b.client().register("watchb")):
        w = whois(observer, "twin")
        assert w["312"].params[2] == "a.test" and w["311"].params[2].lstrip("~") == "fromA"
    # the relink was a full burst: the watchers see each other again
    assert whois(watch_a, "watchc")["312"].params[2] == "c.test"
    assert whois(watch_c, "watcha")["312"].params[2] == "a.test"
