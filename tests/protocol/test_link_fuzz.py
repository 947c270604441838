"""Seeded random and truncated TS6 lines into a link: evircd must stay whole.

A Ts6Peer (peer.test, 9PE, with far.test 8FA behind it) links to evircd,
bursts a few users and channels, then sends a few thousand lines made of
the commands servers send, with missing, extra and garbage parameters,
unknown UIDs and SIDs, sources from the wrong direction, empty prefixes,
numerics and oversized lines, in both dialects.  When evircd drops the link
(a SQUIT naming it, a SID collision...) the peer links again and goes on.

Afterwards: a local client is served; every nick in NAMES answers WHOIS; and
once the peer leaves, nothing of its side is left (no ghost user, server or
channel: LUSERS counts only the local users on one server).  evircd then
exits cleanly under ASan/UBSan (conftest's stop()).  Same seed, same lines:
a failure replays.  Longer hunts: LINK_FUZZ_SEEDS=1-50 LINK_FUZZ_LINES=20000.

The regression tests below the fuzzer each pin one bug it found.
"""
import os
import random
import socket
import time

import pytest

from ts6 import Channel, LinkError, Server, User, free_port

EV_NAME, EV_SID = "irc.test", "1EV"
PEER, PEER_SID = "peer.test", "9PE"
FAR, FAR_SID = "far.test", "8FA"
LEAF, LEAF_SID = "leaf.test", "4LF"  # an evircd behind evircd, in the hub tests




def sections(dialect, link_port):
    return {
        "server": {"name": EV_NAME, "sid": EV_SID},
        "listen servers": {"host": "127.0.0.1", "port": str(link_port), "type": "servers"},
        "link %s" % PEER: {"host": "127.0.0.1", "port": str(free_port()), "dialect": dialect,
                           "send_password": "linkpass", "accept_password": "linkpass",
                           "autoconnect": "no"},
    }


class Net:
    """evircd plus the peer's side as the fuzzer builds it."""

    def __init__(self, make_server, ts6_peer, dialect, leaf=False):
        self.link_port = free_port()
        hub = sections(dialect, self.link_port)
        self.leaf = None
        if leaf:  # another evircd behind this one
            leaf_port = free_port()
            hub["link %s" % LEAF] = {"host": "127.0.0.1", "port": str(leaf_port), "dialect": dialect,
                                     "send_password": "leafpass", "accept_password": "leafpass"}
        self.srv = make_server(hub)
        if leaf:
            self.leaf = make_server({
                "server": {"name": LEAF, "sid": LEAF_SID},
                "listen servers": {"host": "127.0.0.1", "port": str(leaf_port), "type": "servers"},
                "link %s" % EV_NAME: {"host": "127.0.0.1", "port": str(self.link_port), "dialect": dialect,
                                      "send_password": "leafpass", "accept_password": "leafpass",
                                      "autoconnect": "yes"}})
            deadline = time.monotonic() + 10
            while "link: %s synchronised" % LEAF not in self.srv.stderr_text():
                assert time.monotonic() < deadline, "the leaf did not link"
                time.sleep(0.05)
        self.ts6_peer, self.dialect = ts6_peer, dialect
        self.peer = None
        self.peers = []

    def link(self, tries=50):
        """(Re)link the peer with its burst; returns it."""
        for _ in range(tries):
            if self.peer is not None:
                self.peer.close()
            self.peer = p = self.ts6_peer(PEER, PEER_SID, dialect=self.dialect)
            self.peers.append(p)
            self.bob = p.user("bob", uid=PEER_SID + "AAAAAA", user="bobu", host="bob.example")
            self.carol = p.user("carol", uid=PEER_SID + "AAAAAB")
            self.dave = p.user("dave", uid=FAR_SID + "AAAAAA", sid=FAR_SID, hops=2)
            try:
                p.connect(self.link_port).link(
                    servers=[Server(FAR, FAR_SID)], users=[self.bob, self.carol, self.dave],
                    channels=[Channel("#shared", ts=int(time.time()) - 100,
                                      members={self.bob: "@", self.carol: "+"}, topic="t",
                                      bans=["*!*@ban.example"]),
                              Channel("#peer", members={self.dave: "@", self.carol: ""})])
                return p
            except (LinkError, OSError):
                time.sleep(0.1)  # the last link's end not yet handled: again
        raise AssertionError("the peer could not link again:\n" + self.srv.stderr_text()[-3000:])


# -- the lines


def words(net, rng, local_uids):
    """Parameter values, good and bad."""
    now = int(time.time())
    uids = [net.bob.uid, net.carol.uid, net.dave.uid, PEER_SID + "ZZZZZZ", FAR_SID + "AAAAAB",
            "7XXAAAAAA"]
    return {
        "uid": uids + local_uids + ["", "*", "9", "0AAAAAAAA", "9PE", "x" * 20],
        "sid": [PEER_SID, FAR_SID, EV_SID, "7XX", "7XX", "7XX", "0", "9pe", "ABC", "", "*"],
        "server": [PEER, FAR, EV_NAME, "new.test", "x.", "*", "."],
        "chan": ["#shared", "#peer", "#new", "#NEW", "#", "&x", "#a,#b", "shared", "#" + "c" * 60,
                 ""],
        "ts": [str(now), str(now - 100), str(now - 1000), str(now + 1000), "0", "-1", "1",
               "99999999999999999999", "-99999999999999999999", "x", "", "1e9", "+5"],
        "nick": ["bob", "carol", "dave", "newbie", "Alice", "alice", "1bad", "a" * 40, "x",
                 "bob2", "-", "[]\\^"],
        "modes": ["+o", "-o", "+ov", "+v", "-v", "+b", "-b", "+e", "+I", "+k", "-k", "+l", "-l",
                  "+nt", "-nt", "+imnpst", "+kl", "+beI", "+ooo", "+x", "+", "-", "o", ""],
        "umodes": ["+i", "+o", "+ow", "+", "-i", "+iow", "x", ""],
        "members": ["@" + net.bob.uid, "+" + net.carol.uid, "@+" + net.dave.uid,
                    "@%s +%s" % (net.bob.uid, net.carol.uid), "@" + PEER_SID + "ZZZZZZ",
                    " ".join(local_uids), "@", "", "@@@@", "~&" + net.bob.uid],
        "text": ["hi", "", ":", "x" * 500, "a b c", "\u00e9t\u00e9"],
        "mask": ["*!*@*", "x!y@z", "*", "", "!@", "a" * 300],
        "host": ["h.example", "127.0.0.1", "0", "*", "", "::1"],
        "any": ["", "*", ":", "0", "x", "TS", "6"],
    }


# One template per command servers send: {kind} is a parameter drawn from words().
# Bans name a user no local client has (fuzzu, not u): a parameter added or lost
# may shift them, but never onto the clients the test keeps.
TEMPLATES = [
    ":{src} PRIVMSG {uid} :{text}", ":{src} PRIVMSG {chan} :{text}",
    ":{src} NOTICE {uid} :{text}", ":{src} NOTICE {chan} :{text}",
    ":{src} PRIVMSG $${mask} :{text}", ":{src} TAGMSG {chan}",
    ":{src} JOIN {ts} {chan} +", ":{src} JOIN 0", ":{src} JOIN {chan}",
    ":{sid} SJOIN {ts} {chan} {modes} :{members}",
    ":{sid} SJOIN {ts} {chan} +kl key 10 :{members}",
    ":{src} PART {chan} :{text}", ":{src} KICK {chan} {uid} :{text}",
    ":{src} TOPIC {chan} :{text}",
    ":{src} TMODE {ts} {chan} {modes} {uid}", ":{src} TMODE {ts} {chan} {modes} {mask}",
    ":{src} MODE {uid} :{umodes}", ":{src} MODE {chan} {modes} {uid}",
    ":{src} NICK {nick} :{ts}", ":{src} NICK {nick}",
    ":{src} QUIT :{text}", ":{src} KILL {uid} :{server} ({text})", ":{src} AWAY :{text}",
    ":{src} AWAY", ":{src} INVITE {uid} {chan} {ts}",
    ":{sid} UID {nick} 1 {ts} {umodes} u {host} {host} 127.0.0.1 {uid} * :{text}",
    ":{sid} UID {nick} 1 {ts} {umodes} u {host} 127.0.0.1 {uid} :{text}",
    ":{sid} EUID {nick} 1 {ts} {umodes} u {host} 127.0.0.1 {uid} {host} * :{text}",
    ":{sid} SID {server} 2 {sid} + :{text}", ":{sid} SID {server} 2 {sid} :{text}",
    ":{src} SQUIT {sid} :{text}", ":{src} SQUIT {server} :{text}",
    ":{sid} EOB", ":{src} PING {server} :{sid}", ":{src} PONG {server} :{sid}",
    ":{sid} TBURST {ts} {chan} {ts} {mask} :{text}", ":{sid} TB {chan} {ts} {mask} :{text}",
    ":{sid} TB {chan} {ts} :{text}", ":{sid} BMASK {ts} {chan} {any} :{mask}",
    ":{sid} BMASK {ts} {chan} b :{mask} {mask}",
    ":{src} ENCAP * {any} {uid} :{text}", ":{src} ENCAP {server} SU {uid} :{text}",
    ":{src} ENCAP * LOGIN {text}", ":{sid} SAVE {uid} {ts}",
    "SVINFO 6 6 0 :{ts}", ":{sid} SVINFO {any} {any} 0 :{ts}",
    "PASS {text} TS 6 :{sid}", "CAPAB :{text}", "SERVER {server} 1 {sid} + :{text}",
    "SERVER {server} 1 :{text}", "ERROR :{text}",
    ":{src} 001 {uid} :{text}", ":{src} 401 {uid} {nick} :{text}", ":{src} 005",
    ":{src} WALLOPS :{text}", ":{src} OPERWALL :{text}", ":{src} WHOIS {uid} :{nick}",
    ":{src} SVSMODE {uid} {ts} {umodes}", ":{src} SVSNICK {uid} {ts} {nick} {ts}",
    ":{src} KLINE * 0 fuzzu fuzz.example :{text}", ":{src} STATS u :{sid}",
    ":{src} UNKLINE * fuzzu fuzz.example", ":{src} DLINE * {ts} 192.0.2.1 :{text}", ":{src} UNDLINE {server} 192.0.2.1",
    ":{src} ENCAP * KLINE {ts} fuzzu fuzz.example :{text}", ":{src} ENCAP * DLINE 0 192.0.2.1 :{text}",
    ":{src} ENCAP * UNKLINE fuzzu fuzz.example", ":{src} ENCAP * UNDLINE {any}",
    ":{src} ENCAP * SETNAME :{text}", ":{src} ENCAP * CHGHOST {uid} {host}",
    ":{src} LUSERS * :{sid}", ":{src} STATS {any} :{server}",
    ":{sid} SJOIN {ts} {chan} +fjq {any} {any} :{members}",
    ":{src} TMODE {ts} {chan} +qfjh {mask} {any} {any} {uid}",
]


def fuzz_line(net, rng, local_uids):
    w = words(net, rng, local_uids)
    sources = ([net.bob.uid] * 4 + [net.carol.uid] * 2 + [net.dave.uid] * 2 +
               [PEER_SID] * 3 + [FAR_SID, PEER, FAR, "bob", EV_SID, EV_NAME, "7XX",
                                 PEER_SID + "ZZZZZZ", "", "!!"] + local_uids)
    out = []
    for part in rng.choice(TEMPLATES).split(" "):
        while "{" in part:
            i = part.index("{")
            j = part.index("}", i)
            kind = part[i + 1:j]
            if kind == "src":
                value = rng.choice(sources)
            elif kind == "sid" and rng.random() < 0.7:
                value = rng.choice([PEER_SID, FAR_SID])
            else:
                value = rng.choice(w[kind])
            part = part[:i] + value + part[j + 1:]
        out.append(part)
    r = rng.random()
    if r < 0.15:  # a parameter less (or more)
        del out[rng.randrange(len(out))]
    elif r < 0.25:
        out.insert(rng.randrange(1, len(out) + 1), rng.choice(w["any"] + w["uid"]))
    line = " ".join(out)
    r = rng.random()
    if r < 0.1:  # truncated
        line = line[:rng.randrange(len(line) + 1)]
    elif r < 0.13:  # a prefix with nothing after it, or only a prefix
        line = ":" + line.partition(" ")[2] if line.startswith(":") else ": " + line
    elif r < 0.15:
        line = "@a=b;+c=%s %s" % ("v" * rng.choice([1, 600, 9000]), line)
    elif r < 0.17:
        line += " " + "y" * rng.choice([600, 3000])
    if rng.random() < 0.1:
        line = line.lower()
    data = line.encode()
    if rng.random() < 0.02:
        data += b" \xff\xc3\x00x"
    return data + b"\r\n"


HANDSHAKE = [
    "PASS linkpass", "PASS linkpass TS 6 :9PE", "PASS wrong TS 6 :8ZZ", "PASS", "PASS :",
    "CAPAB :QS EX IE ENCAP TB EUID", "CAPAB", "CAPAB :" + "X " * 300,
    "SERVER peer.test 1 9PE + :again", "SERVER peer.test 1 :again", "SERVER other.test 1 7OT + :x",
    "SERVER far.test 1 8FA + :x", "SERVER irc.test 1 1EV + :me", "SERVER peer.test", "SERVER",
    "SERVER peer.test 1 9pe + :bad sid", "SVINFO 6 6 0 :1", "ERROR :bye", ":9PE EOB",
    "PING :9PE", ":x NOTICE * :*** Looking up your hostname", "451 * :You have not registered",
]


def handshake_noise(net, rng, local_uids):
    """A second connection on the server port: half handshakes, a name
    already linked, a SID in use, then random lines; evircd refuses or
    ignores it and the real link goes on."""
    try:
        with socket.create_connection(("127.0.0.1", net.link_port), timeout=2) as s:
            for _ in range(rng.randint(1, 12)):
                if rng.random() < 0.6:
                    s.sendall(rng.choice(HANDSHAKE).encode() + b"\r\n")
                else:
                    s.sendall(fuzz_line(net, rng, local_uids))
            s.shutdown(socket.SHUT_WR)
            s.settimeout(0.5)
            while s.recv(4096):
                pass
    except OSError:
        pass


# -- checks


def lusers(client):
    client.send("LUSERS")
    m = client.expect("251")
    n = [int(x) for x in m.params[-1].split() if x.isdigit()]
    return n[0] + n[1], n[2]


def check_consistent(srv, who):
    """Every nick in the NAMES of every channel answers WHOIS."""
    who.send("LIST")
    chans = [m.params[1] for m in who.collect_until("323") if m.command == "322"]
    for ch in chans:
        who.send("NAMES %s" % ch)
        nicks = []
        for m in who.collect_until("366"):
            if m.command == "353":
                nicks += [n.lstrip("@+%~&") for n in m.params[-1].split()]
        for nick in nicks:
            who.send("WHOIS %s" % nick)
            got = who.collect_until("318")
            assert any(m.command == "311" for m in got), \
                "%s is in %s but WHOIS knows nothing of it: %s" % (nick, ch, got)


def check_our_side(net):
    """What evircd sent came from its side of the link and fits a TS6 line."""
    for p in net.peers:
        for l in p.lines:
            body = l.raw.split(" ", 1)[1] if l.raw.startswith("@") else l.raw
            assert len(body.encode()) <= 510, "line too long from evircd: %s" % l.raw
            assert l.source is None or l.source in (EV_SID, EV_NAME, LEAF_SID, LEAF) or \
                (l.source[:3] in (EV_SID, LEAF_SID) and len(l.source) == 9), \
                "evircd sent a line from the peer's side back to it: %s" % l.raw


def check_nothing_left(net, locals_):
    """The peer gone: only our own users on our own server, no channel of theirs."""
    who = net.srv.client().register("checker")
    deadline = time.monotonic() + 10
    while True:
        users, servers = lusers(who)
        if (users, servers) == (len(locals_) + 1, 1) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (users, servers) == (len(locals_) + 1, 1), \
        "ghosts left after the peer left: %d users on %d servers" % (users, servers)
    for nick in ("bob", "carol", "dave"):
        who.send("WHOIS %s" % nick)
        assert who.expect(("311", "401")).command == "401", "%s outlived its server" % nick
    check_consistent(net.srv, who)
    who.send("LIST")
    for m in who.collect_until("323"):
        assert m.command != "322" or int(m.params[2]) > 0, "an empty channel stayed: %s" % m
    who.close()


LINES = int(os.environ.get("LINK_FUZZ_LINES", "2500"))


def seeds():
    lo, _, hi = os.environ.get("LINK_FUZZ_SEEDS", "1-2").partition("-")
    return range(int(lo), int(hi or lo) + 1)


def fuzz(net, rng, alice):
    """LINES random lines from the peer (relinking when evircd drops it)."""
    local_uids = [net.peer.uid_of("alice")]
    for i in range(LINES):
        line = fuzz_line(net, rng, local_uids)
        try:
            if net.peer.closed:
                raise LinkError("closed")
            net.peer.sock.sendall(line)
        except (LinkError, OSError):
            net.link()
        if i % 250 == 125:
            handshake_noise(net, rng, local_uids)
        if i % 200 == 199:
            try:
                net.peer.sync(timeout=10)
            except LinkError:
                pass
            alice.quiet(0.02)  # keep alice's sendq drained (she may have been KILLed)


@pytest.mark.parametrize("dialect", ["hybrid", "charybdis"])
@pytest.mark.parametrize("seed", seeds())
def test_random_ts6_lines_leave_evircd_whole(make_server, ts6_peer, dialect, seed):
    net = Net(make_server, ts6_peer, dialect)
    rng = random.Random("%s-%d" % (dialect, seed))
    alice = net.srv.client().register("alice")
    alice.join("#shared")
    net.link()
    fuzz(net, rng, alice)
    # A newcomer is served; what evircd shows is whole.
    talker = net.srv.client().register("talker")
    talker.join("#safe")
    talker.assert_alive()
    check_consistent(net.srv, talker)
    check_our_side(net)
    # The peer leaves: nothing of its side stays.
    net.peer.close()
    check_nothing_left(net, [talker] + ([alice] if alive(alice) else []))
    net.srv.stop()


global_counts = lusers  # (users, servers) as LUSERS gives them


@pytest.mark.parametrize("dialect", ["hybrid", "charybdis"])
@pytest.mark.parametrize("seed", seeds())
def test_random_ts6_lines_through_a_hub_leave_no_desync(make_server, ts6_peer, dialect, seed):
    """evircd is a hub: leaf.test (another evircd, linked in the same
    dialect) behind it must end up seeing the same network as the hub, and
    nothing of the peer's once it leaves."""
    net = Net(make_server, ts6_peer, dialect, leaf=True)
    rng = random.Random("hub-%s-%d" % (dialect, seed))
    alice = net.srv.client().register("alice")
    alice.join("#shared")
    lena = net.leaf.client().register("lena")
    lena.join("#shared")
    net.link()
    fuzz(net, rng, alice)
    try:
        net.peer.sync(timeout=10)
    except LinkError:
        pass
    on_hub = net.srv.client().register("hubwatch")
    on_leaf = net.leaf.client().register("leafwatch")
    check_consistent(net.srv, on_hub)
    check_consistent(net.leaf, on_leaf)
    check_our_side(net)
    deadline = time.monotonic() + 10
    while global_counts(on_hub) != global_counts(on_leaf) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert global_counts(on_hub) == global_counts(on_leaf), "the leaf sees another network"
    # every channel the same on both: member counts, visible members and statuses, modes, TS
    lists = []
    for w in (on_hub, on_leaf):
        w.send("LIST")
        lists.append(sorted((m.params[1], m.params[2]) for m in w.collect_until("323")
                            if m.command == "322"))
    assert lists[0] == lists[1], "LIST differs between hub and leaf: %s" % lists
    for ch, _ in lists[0]:
        seen = [(names_of(w, ch), modes_of(w, ch)) for w in (on_hub, on_leaf)]
        assert seen[0] == seen[1], "%s differs between hub and leaf: %s" % (ch, seen)
    net.peer.close()
    hub_locals = 1 + alive(alice)
    leaf_locals = 1 + alive(lena)
    deadline = time.monotonic() + 10
    while global_counts(on_leaf) != (hub_locals + leaf_locals, 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert global_counts(on_leaf) == (hub_locals + leaf_locals, 2), "ghosts left on the leaf"
    check_consistent(net.leaf, on_leaf)
    net.leaf.stop()
    net.srv.stop()


def alive(client):
    try:
        client.send("PING :alive")
        return client.expect("PONG").params[-1] == "alive"
    except (AssertionError, OSError):
        return False


# -- regressions, one per bug the fuzzer (or reading its findings) turned up


@pytest.fixture
def linked(make_server, ts6_peer):
    """linked(dialect="hybrid") -> a Net: evircd with a [link] block for the
    peer; its link() then links the peer with bob, carol and dave."""
    def make(dialect="hybrid"):
        return Net(make_server, ts6_peer, dialect)
    return make


def mode_changes(lines, channel):
    """(sign+letter, param) of every MODE on channel among lines, in order."""
    out = []
    for m in lines:
        if m.command != "MODE" or m.params[0] != channel:
            continue
        sign, args = "+", m.params[2:]
        for ch in m.params[1]:
            if ch in "+-":
                sign = ch
            else:
                out.append((sign + ch, args.pop(0) if ch in "ovbeIk" or (ch == "l" and sign == "+") else None))
    return out


def test_lower_ts_strips_many_bans_and_ops_all_shown(linked):
    """channel_strip freed each ban's mask before showing it (use after free),
    and changes past one MODE line's room were applied but never shown."""
    net = linked()
    op = net.srv.client().register("op")
    op.join("#big")
    for i in range(0, 30, 3):
        op.send("MODE #big +bbb %s" % " ".join("*!*@b%02d.%s.example" % (j, "x" * 40)
                                               for j in range(i, i + 3)))
    friends = [net.srv.client().register("fr%d" % i) for i in range(12)]
    for f in friends:
        f.join("#big")
    op.send("MODE #big +oooo fr0 fr1 fr2 fr3")
    op.send("MODE #big +oooo fr4 fr5 fr6 fr7")
    op.send("MODE #big +oooo fr8 fr9 fr10 fr11")
    op.send("MODE #big +b")
    masks = [m.params[2] for m in op.collect_until("368") if m.command == "367"]
    assert len(masks) >= 5
    p = net.link()
    p.send(":%s SJOIN %d #big +nt :@%s" % (PEER_SID, int(time.time()) - 5000, net.bob.uid))
    p.sync()
    got = mode_changes(op.sync(), "#big")
    assert sorted(x for s, x in got if s == "-b") == sorted(masks)
    assert sorted(x for s, x in got if s == "-o") == sorted(["op"] + ["fr%d" % i for i in range(12)])
    op.send("MODE #big +b")
    assert [m.command for m in op.collect_until("368")] == ["368"]


def test_bmask_with_no_letter_or_overlong_masks_is_dropped(linked):
    """BMASK's letter was found by strchr("beI", letter), which matches "\\0"."""
    net = linked()
    alice = net.srv.client().register("alice")
    p = net.link()
    ts = int(time.time()) + 100
    p.send(":%s SJOIN %d #bm +nt :@%s" % (PEER_SID, ts, net.bob.uid))
    p.send(":%s BMASK %d #bm :*!*@x" % (PEER_SID, ts))
    p.send(":%s BMASK %d #bm bb :*!*@y" % (PEER_SID, ts))
    p.send(":%s BMASK %d #bm b :%s *!*@ok" % (PEER_SID, ts, "a" * 300))
    p.sync()
    alice.send("MODE #bm +b")
    bans = [m.params[2] for m in alice.collect_until("368") if m.command == "367"]
    assert bans == ["*!*@ok"]


def test_uid_must_be_a_whole_uid(linked):
    """A UID of just the SID (or lowercase, or too long) was taken as a user,
    and so was a username or host that breaks nick!user@host."""
    net = linked()
    alice = net.srv.client().register("alice")
    p = net.link()
    for uid in (PEER_SID, PEER_SID + "aaaaaa", PEER_SID + "AAAAAAA", PEER_SID + "1AAAAA"):
        p.introduce(User("odd", uid=uid))
        assert p.expect("KILL").params[0] == uid
    for i, (user, host) in enumerate([("a@b", "h.example"), ("u", "x!y"), ("u", "a@b")]):
        uid = PEER_SID + "ODD00" + str(i)
        p.introduce(User("odd", uid=uid, user=user, host=host))
        assert p.expect("KILL").params[0] == uid
    alice.send("WHOIS odd")
    assert alice.expect(("311", "401")).command == "401"


@pytest.mark.parametrize("dialect", ["hybrid", "charybdis"])
def test_nick_change_collision_equal_ts_kills_both(linked, dialect):
    """A remote NICK onto a nick of equal TS kept the old holder (TS6: both go)."""
    net = linked(dialect)
    alice = net.srv.client().register("alice")
    watcher = net.srv.client().register("watcher")
    p = net.link()
    alice_uid = p.uid_of("alice")
    alice_ts = next(l for l in p.lines if l.params and l.params[0] == "alice"
                    and l.command in ("UID", "EUID")).params[2]
    p.send(":%s NICK alice :%s" % (net.bob.uid, alice_ts))
    p.sync()
    assert {l.params[0] for l in p.lines if l.command == "KILL"} == {alice_uid, net.bob.uid}
    alice.expect_closed()
    for nick in ("alice", "bob"):
        watcher.send("WHOIS %s" % nick)
        assert watcher.expect(("311", "401")).command == "401"


def test_invite_between_users_behind_one_link_is_not_sent_back(linked):
    """An INVITE from bob to dave (both behind the peer) went back to the peer."""
    net = linked()
    alice = net.srv.client().register("alice")
    alice.join("#shared")
    p = net.link()
    alice.send("MODE #shared")
    ts = alice.expect("329").params[2]  # the peer's, lower
    p.send(":%s INVITE %s #shared %s" % (net.bob.uid, net.dave.uid, ts))
    p.send(":%s INVITE %s #shared %s" % (net.bob.uid, p.uid_of("alice"), ts))
    got = alice.expect("INVITE")
    assert got.source.startswith("bob!") and got.params == ["alice", "#shared"]
    p.sync()
    assert not [l for l in p.lines if l.command == "INVITE"]


@pytest.mark.parametrize("line", [
    ":9PE SJOIN -99999999999999999999 #shared +nt :@9PEAAAAAA",
    ":9PE SJOIN x #shared +nt :@9PEAAAAAA",
    ":9PE SJOIN 0 #shared +nt :@9PEAAAAAA",
    ":9PEAAAAAA JOIN -1 #shared +",
])
def test_a_bad_channel_ts_changes_nothing(linked, line):
    """SJOIN/JOIN with a TS of 0, negative or not a number took it as the oldest."""
    net = linked()
    alice = net.srv.client().register("alice")
    alice.join("#shared")
    net.link()
    alice.send("MODE #shared +o bob")
    alice.send("MODE #shared")
    ts = alice.expect("329").params[2]
    alice.sync()
    net.peer.send(line)
    p = net.peer
    p.sync()
    alice.send("MODE #shared")
    assert alice.expect("329").params[2] == ts
    assert "@bob" in names_of(alice, "#shared")


def names_of(client, channel):
    client.send("NAMES %s" % channel)
    return sorted(n for m in client.collect_until("366") if m.command == "353"
                  for n in m.params[-1].split())


def modes_of(client, channel):
    """Channel modes and TS (key and limit values only shown to members: left out)."""
    client.send("MODE %s" % channel)
    modes = client.expect(("324", "403")).params[2:3]
    ts = client.expect(("329",)).params[2] if modes else None
    return (modes, ts)


@pytest.mark.parametrize("dialect", ["hybrid", "charybdis"])
def test_a_line_with_svinfo_in_its_text_is_not_cut_up(linked, dialect):
    """Any line with " SVINFO " in it was parsed in place as a maybe-SVINFO,
    then handed on cut up and dropped: a message, or the SQUIT a hub relays
    for a link dropped with "Bad SVINFO time" (the leaf then kept a ghost
    server, and refused the next link of that name)."""
    net = linked(dialect)
    alice = net.srv.client().register("alice")
    p = net.link()
    p.send(":%s PRIVMSG %s :about SVINFO and such" % (net.bob.uid, p.uid_of("alice")))
    assert alice.expect("PRIVMSG").params == ["alice", "about SVINFO and such"]
    p.send(":%s SQUIT %s :no SVINFO here" % (PEER_SID, FAR_SID))
    p.sync()
    alice.send("WHOIS dave")
    assert alice.expect(("311", "401")).command == "401"  # far.test went, with dave


@pytest.mark.parametrize("name,sid", [("nodot", "7XX"), (".lead.test", "7XX"), ("x!y.test", "7XX"),
                                      ("ok.test", "ABC"), ("ok.test", "9pe"), ("ok.test", "7X")])
def test_sid_with_a_bad_name_or_sid_closes_the_link(linked, name, sid):
    """Any name and any 3-byte SID were taken (a server "nodot" reads as a nick)."""
    net = linked()
    alice = net.srv.client().register("alice")
    p = net.link()
    p.send(":%s SID %s 2 %s + :bad" % (PEER_SID, name, sid))
    p.wait_closed()
    assert any(l.command == "ERROR" and "Invalid SID or server name" in l.params[-1] for l in p.lines)
    deadline = time.monotonic() + 5
    while lusers(alice)[1] != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lusers(alice)[1] == 1  # the peer, far.test and the bad one all gone


def test_channel_changes_reach_servers_with_no_member_there(make_server, ts6_peer):
    """PART, KICK and TMODE went only to links with a member of the channel,
    but every server holds every channel: a leaf with no member in #peer kept
    users who had left it and modes that had changed."""
    net = Net(make_server, ts6_peer, "hybrid", leaf=True)
    lw = net.leaf.client().register("lw")
    p = net.link()
    ts = next(l.split()[2] for l in p.sent if " SJOIN " in l and " #peer " in l)

    def seen_on_leaf(count, modes):
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lw.send("LIST #peer")
            got = [m.params[2] for m in lw.collect_until("323") if m.command == "322"]
            if got == [str(count)] and modes_of(lw, "#peer")[0] == [modes]:
                return
            time.sleep(0.05)
        raise AssertionError("#peer on the leaf: %s %s" % (got, modes_of(lw, "#peer")))

    seen_on_leaf(2, "+nt")
    p.send(":%s TMODE %s #peer +m" % (net.dave.uid, ts))
    seen_on_leaf(2, "+mnt")
    p.send(":%s KICK #peer %s :out" % (net.dave.uid, net.carol.uid))
    seen_on_leaf(1, "+mnt")
    p.send(":%s JOIN %s #peer +" % (net.carol.uid, ts))
    seen_on_leaf(2, "+mnt")
    p.send(":%s PART #peer" % net.carol.uid)
    seen_on_leaf(1, "+mnt")
    net.leaf.stop()


def test_a_uid_introduced_twice_kills_both(linked):
    """A second user with a UID in use was KILLed back by that UID alone: the
    peer then dropped its only user of that UID, and evircd kept a ghost."""
    net = linked()
    alice = net.srv.client().register("alice")
    p = net.link()
    p.introduce(User("zed", uid=net.bob.uid))
    assert p.expect("KILL").params[0] == net.bob.uid
    p.sync()
    for nick in ("bob", "zed"):
        alice.send("WHOIS %s" % nick)
        assert alice.expect(("311", "401")).command == "401"


def test_an_introduction_with_our_users_uid_kills_no_one(linked):
    """A UID line carrying one of evircd's own UIDs was KILLed back by that
    UID: a KILL of evircd's own user, which the peer then dropped."""
    net = linked()
    alice = net.srv.client().register("alice")
    p = net.link()
    alice_uid = p.uid_of("alice")
    p.introduce(User("fake", uid=alice_uid))
    p.sync()
    assert not [l for l in p.lines if l.command == "KILL"]
    alice.assert_alive()
    alice.send("WHOIS fake")
    assert alice.expect(("311", "401")).command == "401"


def test_uids_are_exact(linked):
    """UIDs were looked up folding case, as nicks: a KILL of "1evaaaaab" killed
    1EVAAAAAB, and a UID line for 9PEaaaaaa met bob (9PEAAAAAA) as its twin."""
    net = linked()
    alice = net.srv.client().register("alice")
    p = net.link()
    p.send(":%s KILL %s :peer.test (case)" % (PEER_SID, p.uid_of("alice").lower()))
    p.sync()
    alice.assert_alive()
    alice.send("WHOIS bob")
    assert alice.expect(("311", "401")).command == "311"
