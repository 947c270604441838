"""Nick collisions settled by SAVE (charybdis dialect, both sides with CAPAB SAVE).

The loser of a collision is not killed: its nick becomes its UID (nick TS
100), everyone sharing a channel sees the NICK, the user itself gets 043.
We send `:<SID> SAVE <UID> <nickTS>` for a user of the peer's that loses,
and save our own loser everywhere; a SAVE we receive is applied when its TS
is the user's nick TS, and passed on (as NICK <UID> to links without SAVE).
Without SAVE on both sides collisions stay KILLs (test_link_charybdis.py).
"""
import os
import subprocess
import time

import pytest

from ts6 import CHARYBDIS_CAPAB, User, free_port

EV_NAME, EV_SID = "irc.test", "1EV"
SAVE_CAPAB = CHARYBDIS_CAPAB + " SAVE"


def link_block(dialect="charybdis"):
    return {"host": "127.0.0.1", "port": str(free_port()), "dialect": dialect,
            "send_password": "linkpass", "accept_password": "linkpass", "autoconnect": "no"}


@pytest.fixture
def ev(make_server):
    port = free_port()
    srv = make_server({
        "server": {"name": EV_NAME, "sid": EV_SID},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link peer.test": link_block(),
        "link other.test": link_block(),
        "link hyb.test": link_block("hybrid"),
    })
    srv.link_port = port
    return srv


def whois(observer, nick):
    observer.send("WHOIS %s" % nick)
    return {m.command: m for m in observer.collect_until("318")}


def our_user(peer, nick):
    euid = next(l for l in peer.lines if l.command == "EUID" and l.params[0] == nick)
    return euid.params[7], int(euid.params[2])


def test_we_advertise_save_to_charybdis_peers_only(ev, ts6_peer):
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis", capab=SAVE_CAPAB)
    peer.connect(ev.link_port).link()
    assert "SAVE" in peer.remote["capab"]
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    hyb.connect(ev.link_port).link()
    assert "SAVE" not in hyb.remote["capab"]


@pytest.mark.parametrize("case", ["newer-saved", "older-wins", "equal-both-saved"])
def test_introduction_collision_saves(ev, ts6_peer, case):
    alice = ev.client().register("alice")
    watcher = ev.client().register("watcher")
    alice.join("#c")
    watcher.join("#c")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis", capab=SAVE_CAPAB)
    peer.connect(ev.link_port).link()
    ours, our_ts = our_user(peer, "alice")
    ts = {"newer-saved": our_ts + 100, "older-wins": our_ts - 100, "equal-both-saved": our_ts}[case]
    theirs = peer.introduce(User("alice", uid="9PEAAAAAZ", user="other", host="other.example", ts=ts))
    peer.sync()
    saves = {tuple(l.params) for l in peer.lines if l.command == "SAVE"}
    assert not [l for l in peer.lines if l.command == "KILL"]
    if case == "newer-saved":  # theirs is saved back to the peer; ours keeps the nick
        assert saves == {(theirs.uid, str(ts))}
        assert whois(watcher, theirs.uid)["311"].params[1] == theirs.uid
        assert whois(watcher, "alice")["312"].params[2] == EV_NAME
        alice.assert_alive()
    elif case == "older-wins":  # ours is saved, everywhere; theirs is alice now
        assert saves == {(ours, str(our_ts))}
        assert alice.expect("043").params[1] == ours
        nick = alice.expect("NICK")
        assert nick.source.startswith("alice!") and nick.params[-1] == ours
        seen = watcher.expect("NICK")
        assert seen.source.startswith("alice!") and seen.params[-1] == ours
        w = whois(watcher, "alice")
        assert w["312"].params[2] == "peer.test" and w["311"].params[2] == "other"
        alice.assert_alive()
        # the saved user lives on under its UID: messages reach it
        watcher.send("PRIVMSG %s :still there?" % ours)
        assert alice.expect("PRIVMSG").params[-1] == "still there?"
    else:  # equal TS: both saved
        assert saves == {(ours, str(our_ts)), (theirs.uid, str(ts))}
        alice.expect("043")
        assert "401" in whois(watcher, "alice")
        assert whois(watcher, theirs.uid)["311"].params[1] == theirs.uid
    assert ev.running()


def test_nick_change_collision_saves_the_changer(ev, ts6_peer):
    alice = ev.client().register("alice")
    watcher = ev.client().register("watcher")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis", capab=SAVE_CAPAB)
    bob = peer.user("bob", user="bobu", host="bob.example")
    peer.connect(ev.link_port).link(users=[bob])
    ours, our_ts = our_user(peer, "alice")
    # bob takes "alice" with a newer TS: he loses, saved (SAVE back to the peer)
    peer.send(":%s NICK alice :%d" % (bob.uid, our_ts + 50))
    peer.sync()
    assert [l.params for l in peer.lines if l.command == "SAVE"] == [[bob.uid, str(our_ts + 50)]]
    assert not [l for l in peer.lines if l.command == "KILL"]
    assert whois(watcher, "alice")["312"].params[2] == EV_NAME
    assert whois(watcher, bob.uid)["311"].params[2] == "bobu"
    alice.assert_alive()


def test_received_save_is_applied_and_passed_on(ev, ts6_peer):
    alice = ev.client().register("alice")
    watcher = ev.client().register("watcher")
    alice.join("#c")
    watcher.join("#c")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis", capab=SAVE_CAPAB)
    peer.connect(ev.link_port).link()
    other = ts6_peer("other.test", "8OT", dialect="charybdis", capab=SAVE_CAPAB)
    other.connect(ev.link_port).link()
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    hyb.connect(ev.link_port).link()
    ours, our_ts = our_user(peer, "alice")
    # a SAVE with another TS is for an older nick: ignored
    peer.send(":9PE SAVE %s %d" % (ours, our_ts - 1))
    peer.sync()
    assert whois(watcher, "alice")["311"].params[1] == "alice"
    peer.send(":9PE SAVE %s %d" % (ours, our_ts))
    assert alice.expect("043").params[1] == ours
    assert watcher.expect("NICK").params[-1] == ours
    # on as SAVE to the link with SAVE, as NICK <UID> :100 to the one without
    assert other.expect("SAVE", source="9PE").params == [ours, str(our_ts)]
    assert hyb.expect("NICK", source=ours).params == [ours, "100"]
    # never back where it came from, and a second SAVE changes nothing
    peer.send(":9PE SAVE %s 100" % ours)
    peer.sync()
    assert not [l for l in peer.lines if l.command in ("SAVE", "NICK") and ours in l.params]
    watcher.send("PRIVMSG %s :hi" % ours)
    assert alice.expect("PRIVMSG").params[-1] == "hi"
    for junk in (":9PE SAVE", ":9PE SAVE 1EVZZZZZZ 5", ":9PE SAVE %s x" % ours):
        peer.send(junk)
    peer.sync()
    assert not peer.closed


def test_a_saved_user_in_a_burst_keeps_its_uid_nick(ev, ts6_peer):
    watcher = ev.client().register("watcher")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis", capab=SAVE_CAPAB)
    saved = User("9PEAAAAAS", uid="9PEAAAAAS", ts=100)
    peer.connect(ev.link_port).link(users=[saved])
    assert whois(watcher, "9PEAAAAAS")["311"].params[1] == "9PEAAAAAS"
    # a hybrid-dialect peer learns of a save as NICK <UID>: taken too
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    carol = hyb.user("carol")
    hyb.connect(ev.link_port).link(users=[carol])
    hyb.send(":%s NICK %s :100" % (carol.uid, carol.uid))
    hyb.sync()
    assert whois(watcher, carol.uid)["311"].params[1] == carol.uid


def test_a_user_behind_a_link_without_save_is_killed_instead(ev, ts6_peer):
    watcher = ev.client().register("watcher")
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    alice = hyb.user("alice", ts=5000)
    dave = hyb.user("dave", ts=5000)
    hyb.connect(ev.link_port).link(users=[alice, dave])
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis", capab=SAVE_CAPAB)
    peer.connect(ev.link_port).link()
    # the peer's older alice wins; ours is behind hybrid, which knows no SAVE: KILLed
    peer.introduce(User("alice", uid="9PEAAAAAZ", user="other", host="other.example", ts=4000))
    assert hyb.expect("KILL", source="1EV").params[0] == alice.uid
    assert peer.expect("KILL", source="1EV").params[0] == alice.uid
    assert not [l for l in peer.lines + hyb.lines if l.command == "SAVE"]
    assert whois(watcher, "alice")["312"].params[2] == "peer.test"
    # a SAVE received for a user behind hybrid: KILLed the same way
    peer.send(":9PE SAVE %s 5000" % dave.uid)
    assert hyb.expect("KILL", source="1EV").params[0] == dave.uid
    assert "401" in whois(watcher, "dave")


def test_two_evircd_servers_settle_a_collision_by_save(make_server):
    """a.test and b.test, each with an alice, link in the charybdis dialect:
    b's alice (the newer, another user) is saved on both sides alike."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    oper_hash = subprocess.check_output([os.path.join(root, "tools", "mkpasswd"), "sekrit"]).decode().strip()
    port_a, port_b = free_port(), free_port()

    def sections(name, sid, port, peer, peer_port):
        return {
            "server": {"name": name, "sid": sid},
            "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
            "link %s" % peer: {"host": "127.0.0.1", "port": str(peer_port), "dialect": "charybdis",
                               "send_password": "pw", "accept_password": "pw", "autoconnect": "no"},
            "oper admin": {"password": oper_hash, "mask": "*@127.0.0.1", "privileges": "all",
                           "snomask": "+l"},
        }

    a = make_server(sections("a.test", "1AA", port_a, "b.test", port_b))
    b = make_server(sections("b.test", "2BB", port_b, "a.test", port_a))
    alice_a = a.client().register("alice", user="ua")
    time.sleep(1.1)  # nick TSes are seconds: b's alice is the newer
    alice_b = b.client().register("alice", user="ub")
    op = b.client().register("op")
    op.send("OPER admin sekrit")
    op.expect("381")
    op.send("CONNECT a.test")
    saved = alice_b.expect("043").params[1]
    assert saved.startswith("2BB")
    assert alice_b.expect("NICK").params[-1] == saved
    wa, wb = a.client().register("wa"), b.client().register("wb")
    deadline = time.monotonic() + 10
    while "311" not in whois(wa, saved):  # the link carried b's saved alice
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for w in (wa, wb):  # both servers agree: alice is a's, b's is its UID
        assert whois(w, "alice")["312"].params[2] == "a.test"
        seen = whois(w, saved)
        assert seen["311"].params[1] == saved and seen["312"].params[2] == "b.test"
    alice_a.sync()  # both still connected
    alice_b.sync()
