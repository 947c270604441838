"""Channel modes across links at the edges: letters we do not have (Solanum's
+f and +j, hybrid's +h/+q/+a statuses) are skipped with their
parameter so the ones after them stay in step; SJOIN, BMASK and TMODE lines
stay within 510 bytes with the longest channel names (200) and long masks,
split as needed, losing no member or mask; channels other than `#` ones
(`&local`) never cross a link.
"""
import time

import pytest

from ts6 import Channel, User, free_port

LONG = "#" + "x" * 199  # CHANNELLEN_MAX: the longest name a link may carry


def link_block(dialect):
    return {"host": "127.0.0.1", "port": str(free_port()), "dialect": dialect,
            "send_password": "linkpass", "accept_password": "linkpass", "autoconnect": "no"}


@pytest.fixture
def ev(make_server):
    port = free_port()
    srv = make_server({
        "server": {"name": "irc.test", "sid": "1EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "limits": {"channellen": "200", "max_list": "100"},
        "link peer.test": link_block("charybdis"),
        "link hyb.test": link_block("hybrid"),
        "link other.test": link_block("hybrid"),
        "link late.test": link_block("hybrid"),
    })
    srv.link_port = port
    return srv


def modes(c, channel):
    c.send("MODE %s" % channel)
    return c.expect("324").params[2:]


def bans(c, channel):
    c.send("MODE %s +b" % channel)
    return sorted(m.params[2] for m in c.collect_until("368") if m.command == "367")


def names(c, channel):
    c.send("NAMES %s" % channel)
    return sorted(" ".join(m.params[-1] for m in c.collect_until("366")
                           if m.command == "353").split())


def test_unknown_charybdis_modes_keep_the_parameters_in_step(ev, ts6_peer):
    alice = ev.client().register("alice")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob, carol = peer.user("bob"), peer.user("carol")
    peer.connect(ev.link_port).link(users=[bob, carol], channels=[
        Channel("#s", members={bob: "@", carol: ""}, modes="+ntfjkl #fwd 3:5 sekrit 10", ts=1000)])
    assert modes(alice, "#s") == ["+ntkl", "*", "10"]
    alice.send("JOIN #s 3:5")  # j's parameter, not the key
    alice.expect("475")
    alice.send("JOIN #s sekrit")
    alice.expect("366")
    assert modes(alice, "#s") == ["+ntkl", "sekrit", "10"]
    assert names(alice, "#s") == ["@bob", "alice", "carol"]
    # TMODE: f/j (parameters when set) skipped; q (the quiet list, ours), b and o applied
    peer.send(":%s TMODE 1000 #s +qbfov quiet!*@* ban!*@* #elsewhere %s %s" % (
        bob.uid, carol.uid, carol.uid))
    peer.send(":%s TMODE 1000 #s -qj+b quiet!*@* other!*@*" % bob.uid)
    peer.send(":%s TMODE 1000 #s -f+b last!*@*" % bob.uid)
    peer.send(":9PE BMASK 1000 #s q :q1!*@* q2!*@*")  # Solanum's quiet list
    peer.sync()
    assert bans(alice, "#s") == ["ban!*@*", "last!*@*", "other!*@*"]
    alice.send("MODE #s q")
    assert sorted(m.params[3] for m in alice.collect_until("729") if m.command == "728") == [
        "q1!*@*", "q2!*@*"]
    assert names(alice, "#s") == ["@bob", "@carol", "alice"]


def test_hybrid_statuses_we_lack_keep_the_parameters_in_step(ev, ts6_peer):
    alice = ev.client().register("alice")
    peer = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    bob, carol = peer.user("bob"), peer.user("carol")
    peer.connect(ev.link_port).link(users=[bob, carol], channels=[
        Channel("#h", members={bob: "@", carol: ""}, ts=1000)])
    peer.send(":%s TMODE 1000 #h +hbaqv %s ban!*@* %s %s %s" % (
        bob.uid, carol.uid, carol.uid, carol.uid, carol.uid))
    peer.sync()
    assert bans(alice, "#h") == ["ban!*@*"]
    alice.join("#h")
    assert names(alice, "#h") == ["+carol", "@bob", "alice"]


def long_masks(n):
    # near BANMASK_MAX: nick 60, user 10, host 60
    return ["%s%02d!%s@%s" % ("n" * 58, i, "u" * 10, "h" * 60) for i in range(n)]


def test_long_channel_lines_fit_and_lose_nothing(ev, ts6_peer):
    watcher = ev.client().register("watcher")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    users = [peer.user("m%02d" % i, umodes="+") for i in range(40)]
    masks = long_masks(7)
    peer.connect(ev.link_port).link(users=users)
    other = ts6_peer("other.test", "8OT", dialect="hybrid")
    other.connect(ev.link_port).link()
    # one SJOIN per few members (a long name leaves little room), then bans
    for i in range(0, 40, 10):
        peer.send(":9PE SJOIN 1000 %s +nt :%s" % (LONG, " ".join("@" + u.uid for u in users[i:i + 10])))
    for i in range(0, len(masks), 2):  # two long masks fill a line with this name
        peer.send(":9PE BMASK 1000 %s b :%s" % (LONG, " ".join(masks[i:i + 2])))
    peer.sync()
    other.sync()
    relayed = [l for l in other.lines if l.command in ("SJOIN", "BMASK")]
    assert all(len(l.raw.encode()) <= 510 for l in relayed), max(len(l.raw) for l in relayed)
    members = {m.lstrip("@+") for l in relayed if l.command == "SJOIN" for m in l.params[-1].split()}
    assert members == {u.uid for u in users}
    relayed_masks = {m for l in relayed if l.command == "BMASK" for m in l.params[-1].split()}
    assert relayed_masks == set(masks)
    assert len(names(watcher, LONG)) == 40
    assert bans(watcher, LONG) == sorted(masks)

    # a local operator's mode change: MODE to members, TMODE to links, each fitting
    alice = ev.client().register("alice" + "a" * 10)
    alice.send("JOIN %s" % LONG)
    alice.expect("366")
    peer.expect(lambda l: l.command == "EUID" and l.params[0] == alice.nick)
    peer.send(":9PE TMODE 1000 %s +o %s" % (LONG, peer.uid_of(alice.nick)))
    alice.expect("MODE")
    more = long_masks(11)[7:]
    for i in range(0, len(more), 2):  # as many as a client's line holds
        alice.send("MODE %s +bb %s" % (LONG, " ".join(more[i:i + 2])))
    shown = []
    while sum(len(m.params) - 2 for m in shown) < len(more):
        m = alice.expect("MODE")
        assert len(m.line.encode()) <= 510, m.line
        shown.append(m)
    assert sorted(p for m in shown for p in m.params[2:]) == sorted(more)
    peer.sync()
    tmodes = [l for l in peer.lines if l.command == "TMODE" and l.params[1] == LONG
              and l.params[2].startswith("+b")]
    assert all(len(l.raw.encode()) <= 510 for l in tmodes)
    assert sorted(p for l in tmodes for p in l.params[3:]) == sorted(more)

    # a burst to a new link: the same, every line fitting, nothing lost
    late = ts6_peer("late.test", "5LA", dialect="hybrid")
    late.connect(ev.link_port).link()
    burst = [l for l in late.lines if l.command in ("SJOIN", "BMASK") and l.params[1] == LONG]
    assert all(len(l.raw.encode()) <= 510 for l in burst)
    got = {m.lstrip("@+") for l in burst if l.command == "SJOIN" for m in l.params[-1].split()}
    assert got == {u.uid for u in users} | {late.uid_of(alice.nick)}
    assert {m for l in burst if l.command == "BMASK" for m in l.params[-1].split()} == set(masks + more)


def test_local_channels_never_cross(ev, ts6_peer):
    alice = ev.client().register("alice")
    alice.send("JOIN &local")
    assert alice.expect(("403", "479", "JOIN")).command != "JOIN"
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob = peer.user("bob")
    peer.connect(ev.link_port).link(users=[bob])
    other = ts6_peer("other.test", "8OT", dialect="hybrid")
    other.connect(ev.link_port).link()
    peer.send(":9PE SJOIN 1000 &theirs +nt :@%s" % bob.uid)
    peer.send(":%s JOIN 1000 &theirs +" % bob.uid)
    peer.send(":%s TMODE 1000 &theirs +m" % bob.uid)
    peer.sync()
    other.sync()
    assert not [l for l in peer.lines + other.lines if "&" in " ".join(l.params[:2])]
    alice.send("NAMES &theirs")
    assert not [m for m in alice.collect_until("366") if m.command == "353"]
    assert not peer.closed and not other.closed


def test_hybrid_halfop_in_tmode_with_ircd_hybrid(hybrid, make_server):
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
    })
    deadline = time.monotonic() + 15
    while "hub.test synchronised" not in ev.stderr_text():
        assert time.monotonic() < deadline, ev.stderr_text() + h.log()
        time.sleep(0.05)
    hop = h.client().register("hop")
    hop.join("#hm")
    alice = ev.client().register("alice")
    alice.join("#hm")
    hop.expect(lambda m: m.command == "JOIN" and m.source.startswith("alice!"))
    # hybrid's halfop (a status we lack) before a ban and a voice: both still land
    hop.send("MODE #hm +hbv alice ban!*@* alice")
    m = alice.expect("MODE")
    assert m.source.startswith("hop!") and m.params[1:] == ["+bv", "ban!*@*", "alice"]
    assert bans(alice, "#hm") == ["ban!*@*"]
