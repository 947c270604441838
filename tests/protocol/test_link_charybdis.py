"""evircd against a charybdis-dialect TS6 peer (Ts6Peer(dialect="charybdis")).

The handshake is charybdis's (PASS pw TS 6 :SID, 3-parameter SERVER), the
burst goes both ways as EUID (UID when the peer lacks EUID), topics as TB,
the burst ends with the PONG to the post-burst PING (no EOB), a nick
collision is settled by KILLs (neither side has SAVE), and ENCAP is passed
on to the other links, never a problem for the link that sent it.
"""
import socket
import time

import pytest

from ts6 import CHARYBDIS_CAPAB, Channel, User, free_port

EV_NAME, EV_SID = "irc.test", "1EV"




def link_block(dialect="charybdis"):
    return {"host": "127.0.0.1", "port": str(free_port()), "dialect": dialect,
            "send_password": "linkpass", "accept_password": "linkpass", "autoconnect": "no"}


@pytest.fixture
def ev(make_server):
    """evircd with a server listener and [link] blocks for peer.test and other.test."""
    port = free_port()
    srv = make_server({
        "server": {"name": EV_NAME, "sid": EV_SID},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link hyb.test": link_block("hybrid"),  # first for 127.0.0.1, but not the peer's
        "link peer.test": link_block(),
        "link other.test": link_block(),
    })
    srv.link_port = port
    return srv


def whois(observer, nick):
    observer.send("WHOIS %s" % nick)
    return {m.command: m for m in observer.collect_until("318")}


def wait_log(srv, text, timeout=10):
    deadline = time.monotonic() + timeout
    while text not in srv.stderr_text():
        assert time.monotonic() < deadline, "no %r in the log:\n%s" % (text, srv.stderr_text())
        time.sleep(0.05)


def test_handshake_euid_burst_tb_and_pong_end_of_burst(ev, ts6_peer):
    alice = ev.client().register("alice", user="alicu")
    alice.join("#ev")
    alice.send("TOPIC #ev :evircd's topic")
    alice.expect("TOPIC")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob = peer.user("bob", user="bobu", host="bob.example", account="bobacct")
    peer.connect(ev.link_port).link(users=[bob], channels=[
        Channel("#peer", members={bob: "@"}, topic="peer's topic", topic_setter="bob!bobu@bob.example")])

    # charybdis's handshake: PASS with TS 6 and our SID, SERVER with 3 params
    assert peer.remote["password"] == "linkpass" and peer.remote["sid"] == EV_SID
    server = next(l for l in peer.lines if l.command == "SERVER")
    assert server.params[:2] == [EV_NAME, "1"] and len(server.params) == 3
    assert {"QS", "EX", "IE", "ENCAP", "TB", "EUID"} <= set(peer.remote["capab"])
    # our burst: EUID (the peer has EUID), TB, and no UID, TBURST or EOB
    euid = next(l for l in peer.lines if l.command == "EUID")
    assert euid.source == EV_SID and euid.params[0] == "alice"
    assert euid.params[4].lstrip("~") == "alicu" and euid.params[7].startswith(EV_SID)
    assert len(euid.params) == 11 and euid.params[9] == "*"  # no account
    tb = next(l for l in peer.lines if l.command == "TB")
    assert tb.params[0] == "#ev" and tb.params[-1] == "evircd's topic"
    assert not [l for l in peer.lines if l.command in ("UID", "TBURST", "EOB")]
    # the peer sent no EOB: our PING's PONG ended its burst
    wait_log(ev, "peer.test synchronised")

    # their burst, as evircd's users see it: the EUID's user and account, the TB topic
    w = whois(alice, "bob")
    assert w["311"].params[1:4] == ["bob", "bobu", "bob.example"]
    assert w["312"].params[2] == "peer.test"
    assert w["330"].params[2] == "bobacct"
    alice.send("JOIN #peer")
    assert alice.expect("332").params[-1] == "peer's topic"
    assert sorted(alice.expect("353").params[-1].split()) == ["@bob", "alice"]

    # messages both ways, by UID
    alice_uid = peer.uid_of("alice")
    alice.send("PRIVMSG bob :hi bob")
    assert peer.expect("PRIVMSG", source=alice_uid, params=[bob.uid]).params[-1] == "hi bob"
    peer.send(":%s PRIVMSG %s :hi alice" % (bob.uid, alice_uid))
    assert alice.expect("PRIVMSG").params == ["alice", "hi alice"]
    # a user introduced after the burst travels as EUID too, and a new local one to the peer
    carol = peer.introduce(User("carol", uid="9PEAAAAAC"))
    peer.sync()
    assert "311" in whois(alice, carol.nick)
    dave = ev.client().register("dave")
    assert peer.expect("EUID", params=["dave"]).source == EV_SID
    dave.close()


def test_a_peer_without_euid_gets_plain_uid(ev, ts6_peer):
    ev.client().register("alice")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis",
                    capab=CHARYBDIS_CAPAB.replace("EUID", "").replace("  ", " "))
    peer.connect(ev.link_port).link()
    uid = next(l for l in peer.lines if l.command == "UID")
    assert uid.params[0] == "alice" and len(uid.params) == 9
    assert not [l for l in peer.lines if l.command == "EUID"]


@pytest.mark.parametrize("case", ["newer-loses", "older-wins", "equal-both-die"])
def test_nick_collision_without_save_kills(ev, ts6_peer, case):
    alice = ev.client().register("alice")
    watcher = ev.client().register("watcher")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(ev.link_port).link()
    ours = peer.uid_of("alice")
    our_ts = int(next(l for l in peer.lines if l.command == "EUID" and l.params[0] == "alice").params[2])
    ts = {"newer-loses": our_ts + 100, "older-wins": our_ts - 100, "equal-both-die": our_ts}[case]
    theirs = peer.introduce(User("alice", uid="9PEAAAAAZ", user="other", host="other.example", ts=ts))
    peer.sync()
    killed = {l.params[0] for l in peer.lines if l.command == "KILL"}
    w = whois(watcher, "alice")
    if case == "newer-loses":  # theirs is KILLed back to the peer; ours stays, unseen by it
        assert killed == {theirs.uid}
        assert w["312"].params[2] == EV_NAME
        alice.assert_alive()
    elif case == "older-wins":  # ours goes, everywhere; theirs is the alice seen here
        assert killed == {ours}
        assert w["312"].params[2] == "peer.test" and w["311"].params[2] == "other"
        alice.expect_closed()
    else:  # equal TS: both go
        assert killed == {ours, theirs.uid}
        assert "401" in w
        alice.expect_closed()
    assert not [l for l in peer.lines if l.command == "SAVE"]


def test_encap_is_passed_on_and_harms_nothing(ev, ts6_peer):
    alice = ev.client().register("alice")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    bob = peer.user("bob")
    peer.connect(ev.link_port).link(users=[bob])
    other = ts6_peer("other.test", "8OT", dialect="charybdis")
    other.connect(ev.link_port).link()
    # (SU is services' and 9PE is none: test_link_services.py has its trust rules)
    peer.send(":9PE ENCAP * NOTOURS %s :some words" % bob.uid)
    peer.send(":%s ENCAP other.test SOMETHING a b :c d" % bob.uid)
    for junk in (":9PE ENCAP", ":9PE ENCAP *", ":9PE ENCAP * :", ":%s ENCAP" % bob.uid,
                 ":9ZZ ENCAP * SU x", ":1EV ENCAP * SU x", "ENCAP * " + "x" * 600):
        peer.send(junk)
    peer.sync()
    wild = other.expect("ENCAP", source="9PE")
    assert wild.params == ["*", "NOTOURS", bob.uid, "some words"]
    assert other.expect("ENCAP", source=bob.uid).params == ["other.test", "SOMETHING", "a", "b", "c d"]
    other.sync()
    assert not peer.closed and not other.closed
    alice.assert_alive()
    assert "311" in whois(alice, "bob")


@pytest.mark.parametrize("svinfo", ["SVINFO 6 6 0 :%d", ":9PE SVINFO 6 6 0 :%d"])
def test_svinfo_without_prefix_is_checked_too(ev, ts6_peer, svinfo):
    """charybdis sends SVINFO with no prefix: its clock was never checked."""
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(ev.link_port)
    peer.intro()
    peer.expect("SERVER")
    peer.send(svinfo % (time.time() + 3600))
    peer.wait_closed()
    assert any(l.command == "ERROR" and "Excessive TS delta" in l.params[-1] for l in peer.lines)


@pytest.mark.parametrize("ts", ["-99999999999999999999", "x", "0", "1e9"])
def test_svinfo_with_a_bad_time_drops_the_link(ev, ts6_peer, ts):
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(ev.link_port)
    peer.intro()
    peer.expect("SERVER")
    peer.send("SVINFO 6 6 0 :%s" % ts)
    peer.wait_closed()
    assert any(l.command == "ERROR" and "SVINFO" in l.params[-1] for l in peer.lines)


def test_a_second_kill_for_a_local_user_is_not_relayed_again(ev, ts6_peer):
    """A local victim lingers until the tick ends: a second KILL was relayed again."""
    alice = ev.client().register("alice")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(ev.link_port).link()
    other = ts6_peer("other.test", "8OT", dialect="charybdis")
    other.connect(ev.link_port).link()
    uid = peer.uid_of("alice")
    peer.send(":9PE KILL %s :peer.test (one)\r\n:9PE KILL %s :peer.test (two)" % (uid, uid))
    peer.sync()
    alice.expect_closed()
    other.sync()
    assert [l.params[-1] for l in other.lines if l.command == "KILL"] == ["peer.test (one)"]


def test_an_sjoin_of_no_one_with_a_lower_ts_is_passed_on(ev, ts6_peer):
    """An empty SJOIN that lowered a channel's TS stopped here: the other links kept the old TS."""
    alice = ev.client().register("alice")
    alice.join("#c")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(ev.link_port).link()
    other = ts6_peer("other.test", "8OT", dialect="charybdis")
    other.connect(ev.link_port).link()
    lower = int(time.time()) - 1000
    peer.send(":9PE SJOIN %d #c +nt :" % lower)
    peer.sync()
    assert other.expect("SJOIN", source="9PE", params=[str(lower), "#c"]).params[-1] == ""
    alice.send("MODE #c")
    assert alice.expect("329").params[2] == str(lower)


def test_tb_keeps_the_oldest_topic_and_passes_it_on(ev, ts6_peer):
    """TB was taken by hybrid's TBURST rule (a newer topic won) and went no further."""
    alice = ev.client().register("alice")
    alice.join("#c")
    alice.send("TOPIC #c :ours")
    alice.expect("TOPIC")
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    peer.connect(ev.link_port).link()
    other = ts6_peer("other.test", "8OT", dialect="charybdis")
    other.connect(ev.link_port).link()
    ours = int(next(l for l in peer.lines if l.command == "TB").params[1])
    peer.send(":9PE TB #c %d newer!x@y :newer" % (ours + 100))
    peer.send(":9PE TB #c %d :" % (ours - 200))
    peer.sync()
    alice.send("TOPIC #c")
    assert alice.expect("332").params[-1] == "ours"
    peer.send(":9PE TB #c %d older!x@y :older" % (ours - 100))
    assert alice.expect("TOPIC").params == ["#c", "older"]
    tb = other.expect(lambda l: l.command == "TB" and l.params[-1] == "older")
    assert tb.params[:3] == ["#c", str(ours - 100), "older!x@y"]
    other.sync()
    assert [l.params[-1] for l in other.lines if l.command == "TB"] == ["ours", "older"]


def test_evircd_dials_a_charybdis_peer(make_server, ts6_peer):
    """The dialling side speaks first: charybdis's PASS and SERVER, then EUID."""
    peer = ts6_peer("peer.test", "9PE", dialect="charybdis")
    port = peer.listen()
    block = link_block()
    block.update(port=str(port), autoconnect="yes")
    ev = make_server({"server": {"name": EV_NAME, "sid": EV_SID}, "link peer.test": block})
    alice = ev.client().register("alice")
    bob = peer.user("bob")
    peer.accept(timeout=10).link(users=[bob])
    first = [l for l in peer.lines if l.command in ("PASS", "CAPAB", "SERVER")][:3]
    assert [l.command for l in first] == ["PASS", "CAPAB", "SERVER"]
    assert first[0].params == ["linkpass", "TS", "6", EV_SID]
    assert first[2].params[:2] == [EV_NAME, "1"] and len(first[2].params) == 3
    assert any(l.command == "EUID" and l.params[0] == "alice" for l in peer.lines)
    wait_log(ev, "peer.test synchronised")
    assert whois(alice, "bob")["312"].params[2] == "peer.test"
