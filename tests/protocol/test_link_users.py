"""What changes about a user after its introduction, across links: SETNAME
(`:<UID> ENCAP * SETNAME :<realname>`, as charybdis-family servers carry it),
host changes a server makes to its own users (+x/-x here; `ENCAP * CHGHOST`
from a peer for its own user), and a split user who comes back after its
server's burst ended: its JOINs still come in a netjoin batch.
"""
import time

import pytest

from ts6 import Channel, User, free_port

EV_NAME, EV_SID = "irc.test", "1EV"


def link_block(dialect):
    return {"host": "127.0.0.1", "port": str(free_port()), "dialect": dialect,
            "send_password": "linkpass", "accept_password": "linkpass", "autoconnect": "no"}


@pytest.fixture
def ev(make_server):
    port = free_port()
    srv = make_server({
        "server": {"name": EV_NAME, "sid": EV_SID},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link peer.test": link_block("charybdis"),
        "link hyb.test": link_block("hybrid"),
        "cloak": {"enabled": "no", "key": "0123456789abcdef0123"},
    })
    srv.link_port = port
    return srv


def cap_client(srv, nick, caps):
    c = srv.client()
    c.nick = nick
    c.send("CAP LS 302")
    c.send("CAP REQ :%s" % caps)
    ack = c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
    assert ack.params[1] == "ACK", ack
    c.send("CAP END")
    return c.register(nick)


def whois(observer, nick):
    observer.send("WHOIS %s" % nick)
    return {m.command: m for m in observer.collect_until("318")}


def test_setname_both_ways(ev, ts6_peer):
    alice = cap_client(ev, "alice", "setname")
    alice.join("#c")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob = peer.user("bob")
    peer.connect(ev.link_port).link(users=[bob], channels=[Channel("#c", members={bob: ""})])
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    hyb.connect(ev.link_port).link()
    # a peer's user: shown to those with setname, in WHOIS, passed on as it came
    peer.send(":%s ENCAP * SETNAME :Bob Newname" % bob.uid)
    m = alice.expect("SETNAME")
    assert m.source.startswith("bob!") and m.params == ["Bob Newname"]
    assert whois(alice, "bob")["311"].params[-1] == "Bob Newname"
    assert hyb.expect("ENCAP", source=bob.uid).params == ["*", "SETNAME", "Bob Newname"]
    # ours: to every link
    alice.send("SETNAME :Alice Newname")
    assert alice.expect("SETNAME").params == ["Alice Newname"]
    alice_uid = peer.uid_of("alice")
    assert peer.expect("ENCAP", source=alice_uid).params == ["*", "SETNAME", "Alice Newname"]
    assert hyb.expect("ENCAP", source=alice_uid).params == ["*", "SETNAME", "Alice Newname"]
    # nonsense is dropped: empty, too long, from a server
    for junk in (":%s ENCAP * SETNAME :" % bob.uid, ":%s ENCAP * SETNAME :%s" % (bob.uid, "x" * 300),
                 ":9PE ENCAP * SETNAME :server", ":%s ENCAP * SETNAME" % bob.uid):
        peer.send(junk)
    peer.sync()
    assert whois(alice, "bob")["311"].params[-1] == "Bob Newname"


def test_own_host_changes_travel(make_server, ts6_peer):
    port = free_port()
    ev = make_server({
        "server": {"name": EV_NAME, "sid": EV_SID},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link peer.test": link_block("charybdis"),
        "link other.test": link_block("hybrid"),
        "cloak": {"enabled": "yes", "key": "0123456789abcdef0123"},
    })
    alice = cap_client(ev, "alice", "chghost")
    alice.join("#c")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob = peer.user("bob", host="bob.example")
    carol = peer.user("carol")
    peer.connect(port).link(users=[bob, carol], channels=[Channel("#c", members={bob: ""})])
    other = ts6_peer("other.test", "8OT", dialect="hybrid")
    dave = other.user("dave")
    other.connect(port).link(users=[dave])
    alice_uid = peer.uid_of("alice")
    cloaked = next(l for l in peer.lines if l.command == "EUID" and l.params[0] == "alice").params[5]
    # -x here: the real host, to every link as ENCAP * CHGHOST from us
    alice.send("MODE alice -x")
    real = alice.expect("CHGHOST").params[1]
    assert real != cloaked
    assert peer.expect("ENCAP", source=EV_SID).params == ["*", "CHGHOST", alice_uid, real]
    assert other.expect("ENCAP", source=EV_SID).params == ["*", "CHGHOST", alice_uid, real]
    alice.send("MODE alice +x")
    assert alice.expect("CHGHOST").params[1] == cloaked
    assert peer.expect("ENCAP", source=EV_SID).params == ["*", "CHGHOST", alice_uid, cloaked]
    # the peer changes its own user's host: taken, shown, passed on
    peer.send(":9PE ENCAP * CHGHOST %s cloak.example" % bob.uid)
    m = alice.expect("CHGHOST")
    assert m.source.startswith("bob!") and m.params[1] == "cloak.example"
    assert other.expect("ENCAP", source="9PE").params == ["*", "CHGHOST", bob.uid, "cloak.example"]
    assert whois(alice, "bob")["311"].params[3] == "cloak.example"
    # but not another server's user's (only services may)
    other.send(":8OT ENCAP * CHGHOST %s stolen.example" % carol.uid)
    other.sync()
    assert whois(alice, "carol")["311"].params[3] == "peer.example"
    assert "ignored: not a [services] server" in ev.stderr_text()


def test_a_user_back_after_the_burst_comes_in_a_netjoin_batch(ev, ts6_peer):
    alice = cap_client(ev, "alice", "batch")
    alice.join("#c")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob = peer.user("bob", user="bobu", host="bob.example")
    peer.connect(ev.link_port).link(users=[bob], channels=[Channel("#c", members={bob: ""})])
    alice.expect(lambda m: m.command == "JOIN" and m.source.startswith("bob!"))
    peer.squit()
    alice.expect(lambda m: m.command == "QUIT" and m.source.startswith("bob!"))
    alice.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("-"))
    # the link comes back without bob; its burst ends
    again = ts6_peer("peer.test", "9PE", dialect="charybdis")
    again.connect(ev.link_port).link()
    ts = int(next(l for l in again.lines if l.command == "SJOIN" and l.params[1] == "#c").params[0])
    # bob (the same user@host, his nick held) comes back after it
    again.introduce(User("bob", user="bobu", host="bob.example", uid=bob.uid))
    again.send(":%s JOIN %d #c +" % (bob.uid, ts))
    lines = alice.collect_until(lambda m: m.command == "BATCH" and m.params[0].startswith("-"))
    opened = [m for m in lines if m.command == "BATCH" and m.params[0].startswith("+")]
    assert len(opened) == 1 and opened[0].params[1:] == ["netjoin", EV_NAME, "peer.test"]
    ref = opened[0].params[0][1:]
    join = next(m for m in lines if m.command == "JOIN")
    assert join.source.startswith("bob!") and join.tags.get("batch") == ref
    assert lines[-1].params[0] == "-" + ref
    # someone new is no return: a plain JOIN
    dan = again.introduce(User("dan", uid="9PEAAAAAD"))
    again.send(":%s JOIN %d #c +" % (dan.uid, ts))
    m = alice.expect(lambda m: m.command == "JOIN" and m.source.startswith("dan!"))
    assert "batch" not in m.tags


def test_ircd_hybrid_takes_our_setname_and_chghost_without_harm(hybrid, make_server):
    """ircd-hybrid 8.2 has neither SETNAME nor CHGHOST from a server that is
    not services: it passes the ENCAPs on unread and the link stays whole."""
    ev_port = free_port()
    h = hybrid(name="hub.test", sid="1HY",
               connect={"name": "ev.test", "port": ev_port,
                        "send_password": "hub-to-ev", "accept_password": "ev-to-hub"})
    ev = make_server({
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(ev_port), "type": "servers"},
        "link hub.test": {"host": "127.0.0.1", "port": str(h.port), "dialect": "hybrid",
                          "send_password": "ev-to-hub", "accept_password": "hub-to-ev",
                          "autoconnect": "yes"},
        "cloak": {"enabled": "yes", "key": "0123456789abcdef0123"},
    })
    deadline = time.monotonic() + 15
    while "hub.test synchronised" not in ev.stderr_text():
        assert time.monotonic() < deadline, ev.stderr_text() + h.log()
        time.sleep(0.05)
    alice = cap_client(ev, "alice", "setname")
    hy = h.client().register("hy")
    alice.send("SETNAME :New Real")
    alice.expect("SETNAME")
    alice.send("MODE alice -x")
    alice.expect("MODE")
    hy.send("PRIVMSG alice :still linked?")
    assert alice.expect("PRIVMSG").params[-1] == "still linked?"
    assert whois(hy, "alice")["312"].params[2] == "ev.test"
    assert "hub.test split" not in ev.stderr_text()
