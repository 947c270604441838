"""The quiet list +q across links, as charybdis/Solanum carry it: BMASK
<ts> <#chan> q :<masks> in a burst and +q/-q in TMODE, taken from
charybdis-dialect links by the TS rules of +b (an older or equal channel
TS applies) and sent to them alone: ircd-hybrid has no +q, so a hybrid-
dialect link gets neither the BMASK q nor the q letters of a TMODE.
"""
import pytest

from ts6 import Channel, free_port


def link_block(dialect):
    return {"host": "127.0.0.1", "port": str(free_port()), "dialect": dialect,
            "send_password": "linkpass", "accept_password": "linkpass", "autoconnect": "no"}


@pytest.fixture
def ev(make_server):
    port = free_port()
    srv = make_server({
        "server": {"name": "irc.test", "sid": "1EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link chy.test": link_block("charybdis"),
        "link chy2.test": link_block("charybdis"),
        "link hyb.test": link_block("hybrid"),
    })
    srv.link_port = port
    return srv


def quiets(c, channel):
    c.send("MODE %s q" % channel)
    return sorted(m.params[3] for m in c.collect_until("729") if m.command == "728")


def quiet_lines(peer, channel):
    """BMASK q and the TMODEs with q a peer received for channel."""
    return [l for l in peer.lines if len(l.params) > 2 and l.params[1] == channel and (
        (l.command == "BMASK" and l.params[2] == "q") or
        (l.command == "TMODE" and "q" in l.params[2]))]


def test_bmask_q_from_charybdis_quiets_a_local_user(ev, ts6_peer):
    alice = ev.client().register("alice")
    chy = ts6_peer("chy.test", "6CH", dialect="charybdis")
    bob = chy.user("bob")
    chy.connect(ev.link_port).link(users=[bob], channels=[
        Channel("#q", members={bob: "@"}, ts=1000)])
    chy2 = ts6_peer("chy2.test", "5CH", dialect="charybdis")
    chy2.connect(ev.link_port).link()
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    hyb.connect(ev.link_port).link()
    alice.join("#q")
    chy.send(":6CH BMASK 1000 #q q :alice!*@* other!*@*")
    m = alice.expect("MODE")
    assert m.source.startswith("chy.test") and m.params[1:] == ["+qq", "alice!*@*", "other!*@*"]
    alice.send("PRIVMSG #q :hello")
    assert "quieted" in alice.expect("404").params[-1]
    assert quiets(alice, "#q") == ["alice!*@*", "other!*@*"]
    # on to the other charybdis link, not to hybrid
    got = chy2.expect("BMASK", source="6CH")
    assert got.params[1:] == ["#q", "q", "alice!*@* other!*@*"]
    hyb.sync()
    assert quiet_lines(hyb, "#q") == []
    # a newer channel TS: ignored
    chy.send(":6CH BMASK 2000 #q q :late!*@*")
    # TMODE -q from the peer lifts it
    chy.send(":%s TMODE 1000 #q -q alice!*@*" % bob.uid)
    assert alice.expect("MODE").params[1:] == ["-q", "alice!*@*"]
    assert quiets(alice, "#q") == ["other!*@*"]
    alice.send("PRIVMSG #q :free")
    assert chy.expect("PRIVMSG").params[-1] == "free"
    assert chy2.expect("TMODE", source=bob.uid).params[1:] == ["#q", "-q", "alice!*@*"]
    hyb.sync()
    assert quiet_lines(hyb, "#q") == []


def test_local_q_goes_to_charybdis_links_only(ev, ts6_peer):
    alice = ev.client().register("alice")
    chy = ts6_peer("chy.test", "6CH", dialect="charybdis")
    bob = chy.user("bob")
    chy.connect(ev.link_port).link(users=[bob])
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    carol = hyb.user("carol")
    hyb.connect(ev.link_port).link(users=[carol])
    alice.join("#loc")
    ts = chy.expect(lambda l: l.command == "SJOIN" and l.params[1] == "#loc").params[0]
    hyb.expect(lambda l: l.command == "SJOIN" and l.params[1] == "#loc")
    chy.send(":%s JOIN %s #loc +" % (bob.uid, ts))
    hyb.send(":%s JOIN %s #loc +" % (carol.uid, ts))
    chy.sync()
    hyb.sync()
    alice.send("MODE #loc +qv quiet!*@* carol")
    assert alice.expect("MODE").params[1:] == ["+qv", "quiet!*@*", "carol"]
    auid = chy.uid_of("alice")
    t = chy.expect("TMODE", source=auid)
    assert t.params[1:] == ["#loc", "+qv", "quiet!*@*", carol.uid]
    t = hyb.expect("TMODE", source=auid)
    assert t.params[1:] == ["#loc", "+v", carol.uid]  # the same change without its q
    alice.send("MODE #loc -q quiet!*@*")
    alice.expect("MODE")
    assert chy.expect("TMODE", source=auid).params[1:] == ["#loc", "-q", "quiet!*@*"]
    hyb.sync()
    assert quiet_lines(hyb, "#loc") == []
    # a charybdis TMODE with q and v reaches hybrid without the q
    chy.send(":%s TMODE %s #loc +q-v again!*@* %s" % (bob.uid, ts, carol.uid))
    assert hyb.expect("TMODE", source=bob.uid).params[2:] == ["-v", carol.uid]
    assert quiets(alice, "#loc") == ["again!*@*"]


def test_burst_carries_q_lists_to_charybdis_only(ev, ts6_peer):
    alice = ev.client().register("alice")
    alice.join("#bq")
    alice.send("MODE #bq +bq ban!*@* quiet!*@*")
    alice.expect("MODE")
    chy = ts6_peer("chy.test", "6CH", dialect="charybdis")
    chy.connect(ev.link_port).link()
    bmasks = [l.params[2:] for l in chy.lines if l.command == "BMASK" and l.params[1] == "#bq"]
    assert sorted(bmasks) == [["b", "ban!*@*"], ["q", "quiet!*@*"]]
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    hyb.connect(ev.link_port).link()
    bmasks = [l.params[2:] for l in hyb.lines if l.command == "BMASK" and l.params[1] == "#bq"]
    assert bmasks == [["b", "ban!*@*"]]
