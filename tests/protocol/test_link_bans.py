"""K-lines and D-lines across links.

An operator's `KLINE [minutes] <mask> ON <server mask> :<reason>` (and
UNKLINE, DLINE, UNDLINE with ON) goes to the servers the mask names: to a
link with the CAPAB token (KLN, UNKLN, DLN, UNDLN) as hybrid's
`:<UID> KLINE <target> <seconds> <user> <host> :<reason>`, to the others as
`ENCAP <target> KLINE ...` (charybdis); it applies here too when the mask
matches us. A ban received from an operator on a linked server (or a
server, or services) applies here when its target matches us: matching
local users are disconnected and it is stored like a local one (STATS k/d).
A ban too wide for [limits] min_nonwildcard / dline_min_cidr(_ipv6) is
ignored, not passed on, and told to operators (snomask r).
Tested against the scripted Ts6Peer in both dialects and real ircd-hybrid.
"""
import os
import sqlite3
import subprocess
import time

import pytest

from ts6 import CHARYBDIS_CAPAB, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([os.path.join(ROOT, "tools", "mkpasswd"), "sekrit"]) \
        .decode().strip()


def link_block(dialect):
    return {"host": "127.0.0.1", "port": str(free_port()), "dialect": dialect,
            "send_password": "linkpass", "accept_password": "linkpass", "autoconnect": "no"}


@pytest.fixture
def ev(make_server, oper_hash):
    port = free_port()
    srv = make_server({
        "server": {"name": "irc.test", "sid": "1EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link hyb.test": link_block("hybrid"),
        "link chy.test": link_block("charybdis"),
        "oper admin": {"password": oper_hash, "mask": "*@127.0.0.1",
                       "privileges": "all", "snomask": "+r"},
    })
    srv.link_port = port
    return srv


def oper_up(srv, nick):
    c = srv.client().register(nick)
    c.send("OPER admin sekrit")
    c.expect("381")
    return c


def notice(c, text):
    return c.expect(lambda m: m.command == "NOTICE" and text in m.params[-1])


def stats(c, letter):
    c.send("STATS %s" % letter)
    return [m.params[1:] for m in c.collect_until("219") if m.command in ("216", "225")]


@pytest.fixture
def linked(ev, ts6_peer):
    """evircd with an operator, a hybrid-dialect peer (with KLN...) and a
    charybdis-dialect one (ENCAP only), each with an operator and a plain user."""
    op = oper_up(ev, "op")
    hyb = ts6_peer("hyb.test", "7HY", dialect="hybrid")
    hop, hplain = hyb.user("hop", umodes="+o"), hyb.user("hplain")
    hyb.connect(ev.link_port).link(users=[hop, hplain])
    chy = ts6_peer("chy.test", "6CH", dialect="charybdis", capab=CHARYBDIS_CAPAB)
    cop = chy.user("cop", umodes="+o")
    chy.connect(ev.link_port).link(users=[cop])
    return op, hyb, hop, hplain, chy, cop


def test_kline_on_all_servers_goes_to_links_and_applies_here(ev, linked):
    op, hyb, hop, hplain, chy, cop = linked
    victim = ev.client().register("victim", user="victim")
    op_uid = hyb.uid_of("op")
    op.send("KLINE 60 victim@127.0.0.1 ON * :go away")
    notice(op, "Added temporary 60 min. K-line [victim@127.0.0.1]: go away (1 user)")
    victim.expect_closed()
    assert hyb.expect("KLINE", source=op_uid).params == ["*", "3600", "victim", "127.0.0.1", "go away"]
    assert chy.expect("ENCAP", source=op_uid).params == [
        "*", "KLINE", "3600", "victim", "127.0.0.1", "go away"]
    assert stats(op, "k") == [["K", "127.0.0.1", "*", "victim", "go away (op{admin}, temporary)"]]
    op.send("UNKLINE victim@127.0.0.1 ON *")
    notice(op, "K-line for [victim@127.0.0.1] is removed")
    assert hyb.expect("UNKLINE", source=op_uid).params == ["*", "victim", "127.0.0.1"]
    assert chy.expect("ENCAP", source=op_uid).params == ["*", "UNKLINE", "victim", "127.0.0.1"]
    assert stats(op, "k") == []


def test_ban_on_one_server_goes_there_only(ev, linked):
    op, hyb, hop, hplain, chy, cop = linked
    op_uid = hyb.uid_of("op")
    op.send("KLINE bad@bad.example ON hyb.test :not here")
    notice(op, "K-line for [bad@bad.example] sent to hyb.test")
    assert hyb.expect("KLINE", source=op_uid).params == ["hyb.test", "0", "bad", "bad.example", "not here"]
    op.send("DLINE 10 192.0.2.7 ON chy.test :dl")
    notice(op, "D-line for [192.0.2.7] sent to chy.test")
    assert chy.expect("ENCAP", source=op_uid).params == ["chy.test", "DLINE", "600", "192.0.2.7", "dl"]
    op.send("UNDLINE 192.0.2.7 ON hyb.test")
    notice(op, "Removal of the D-line for [192.0.2.7] sent to hyb.test")
    assert hyb.expect("UNDLINE", source=op_uid).params == ["hyb.test", "192.0.2.7"]
    hyb.sync()
    chy.sync()
    assert not [l for l in hyb.lines if l.command in ("KLINE", "ENCAP") and "chy.test" in l.params]
    assert not [l for l in chy.lines if l.command != "SID" and "hyb.test" in l.params]
    assert stats(op, "k") == [] and stats(op, "d") == []
    op.send("KLINE x@y.example ON nowhere.test :r")
    assert op.expect("402").params[1] == "nowhere.test"


def test_received_klines_apply_here_and_travel_on(ev, linked):
    op, hyb, hop, hplain, chy, cop = linked
    victim = ev.client().register("victim", user="victim")
    bystander = ev.client().register("bystander", user="other")
    hyb.send(":%s KLINE * 0 victim 127.0.0.1 :from hybrid" % hop.uid)
    victim.expect_closed()
    notice(op, "hop{hyb.test} added K-line for [victim@127.0.0.1]: from hybrid (1 user)")
    # on to the other link, in its form
    assert chy.expect("ENCAP", source=hop.uid).params == [
        "*", "KLINE", "0", "victim", "127.0.0.1", "from hybrid"]
    assert stats(op, "k") == [["K", "127.0.0.1", "*", "victim", "from hybrid (hop{hyb.test}, permanent)"]]
    # a new connection matching it is refused
    again = ev.client()
    again.send("NICK victim2")
    again.send("USER victim 0 * :r")
    again.expect("465")
    # the charybdis form: ENCAP, routed by encap and applied
    chy.send(":%s ENCAP * UNKLINE victim 127.0.0.1" % cop.uid)
    notice(op, "cop removed the K-line for [victim@127.0.0.1]")
    assert hyb.expect("ENCAP", source=cop.uid).params == ["*", "UNKLINE", "victim", "127.0.0.1"]
    chy.send(":%s ENCAP * DLINE 60 192.0.2.9 :dl" % cop.uid)
    notice(op, "cop{chy.test} added temporary D-line for [192.0.2.9]: dl (0 users)")
    assert stats(op, "d") == [["D", "192.0.2.9", "dl (cop{chy.test}, temporary)"]]
    hyb.send(":%s UNDLINE irc.test 192.0.2.9" % hop.uid)
    notice(op, "hop removed the D-line for [192.0.2.9]")
    assert stats(op, "d") == []
    bystander.assert_alive()


def test_received_bans_not_for_us_or_not_from_operators(ev, linked):
    op, hyb, hop, hplain, chy, cop = linked
    victim = ev.client().register("victim", user="victim")
    # for another server: passed on to it, not applied here
    hyb.send(":%s KLINE chy.test 0 victim 127.0.0.1 :theirs" % hop.uid)
    assert chy.expect("ENCAP", source=hop.uid).params == [
        "chy.test", "KLINE", "0", "victim", "127.0.0.1", "theirs"]
    # from a user who is not an operator: ignored
    hyb.send(":%s KLINE * 0 victim 127.0.0.1 :nope" % hplain.uid)
    # malformed: ignored
    for junk in (":%s KLINE" % hop.uid, ":%s KLINE * x victim 127.0.0.1 :r" % hop.uid,
                 ":%s KLINE * 0 a@b c :r" % hop.uid, ":%s DLINE * 0" % hop.uid,
                 ":%s ENCAP * KLINE 0 victim" % cop.uid, ":%s UNKLINE *" % hop.uid):
        hyb.send(junk)
    hyb.sync()
    victim.assert_alive()
    assert stats(op, "k") == []
    assert "not an operator, ignored" in ev.stderr_text()
    assert not hyb.closed and not chy.closed


def ban_lines(peer):
    """The bans (plain or ENCAP) a peer received, as (command, params...)."""
    out = []
    for l in peer.lines:
        if l.command in ("KLINE", "DLINE"):
            out.append(tuple([l.command] + l.params))
        elif l.command == "ENCAP" and len(l.params) > 1 and l.params[1] in ("KLINE", "DLINE"):
            out.append(tuple(l.params[1:]))
    return out


def test_too_wide_bans_from_links_are_ignored_and_not_passed_on(ev, linked):
    """[limits] min_nonwildcard / dline_min_cidr: a linked server's K-line of
    *@* (the fuzz input tests/fuzz/corpus/ts6/kline-everyone) is neither
    applied nor relayed, whatever its form and target; operators are told
    which server sent it. A narrow one still applies and travels on."""
    op, hyb, hop, hplain, chy, cop = linked
    victim = ev.client().register("victim", user="victim")
    chy.send(":%s ENCAP * KLINE 0 * * :r" % cop.uid)
    notice(op, "K-line for [*@*] from cop{chy.test} ignored: [*@*] is too wide. "
               "Please include at least 4 non-wildcard characters with the mask")
    chy.send(":6CH ENCAP * DLINE 0 10.0.0.0/8 :r")
    notice(op, "D-line for [10.0.0.0/8] from chy.test ignored: [10.0.0.0/8] is too wide. "
               "For safety, bitmasks less than /16 are refused")
    chy.send(":%s ENCAP hyb.test KLINE 0 * *.* :r" % cop.uid)
    notice(op, "K-line for [*@*.*] from cop{chy.test} ignored")
    hyb.send(":%s KLINE * 0 a* * :r" % hop.uid)
    notice(op, "K-line for [a*@*] from hop{hyb.test} ignored")
    hyb.send(":%s KLINE chy.test 0 * *.com :r" % hop.uid)
    notice(op, "K-line for [*@*.com] from hop{hyb.test} ignored")
    hyb.send(":%s DLINE * 0 2001:db8::/32 :r" % hop.uid)
    notice(op, "D-line for [2001:db8::/32] from hop{hyb.test} ignored")
    # an operator here: refused before it is sent anywhere
    op.send("KLINE *@* ON * :r")
    notice(op, "K-line not added: [*@*] is too wide")
    victim.assert_alive()
    assert stats(op, "k") == [] and stats(op, "d") == []
    # a narrow one applies and travels on
    chy.send(":%s ENCAP * KLINE 0 victim 127.0.0.1 :narrow" % cop.uid)
    victim.expect_closed()
    notice(op, "cop{chy.test} added K-line for [victim@127.0.0.1]: narrow (1 user)")
    assert hyb.expect("ENCAP", source=cop.uid).params == [
        "*", "KLINE", "0", "victim", "127.0.0.1", "narrow"]
    hyb.sync()
    chy.sync()
    assert ban_lines(hyb) == [("KLINE", "0", "victim", "127.0.0.1", "narrow")]
    assert ban_lines(chy) == []
    assert stats(op, "k") == [["K", "127.0.0.1", "*", "victim", "narrow (cop{chy.test}, permanent)"]]
    log = ev.stderr_text()
    assert "link chy.test: K-line [*@*] from cop{chy.test} ignored" in log
    assert "link hyb.test: K-line [*@*.com] from hop{hyb.test} ignored" in log
    assert not hyb.closed and not chy.closed


def test_bans_with_ircd_hybrid(hybrid, make_server, oper_hash):
    ev_port = free_port()
    h = hybrid(name="hub.test", sid="1HY", shared="ev.test",
               connect={"name": "ev.test", "port": ev_port,
                        "send_password": "hub-to-ev", "accept_password": "ev-to-hub"})
    ev = make_server({
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(ev_port), "type": "servers"},
        "link hub.test": {"host": "127.0.0.1", "port": str(h.port), "dialect": "hybrid",
                          "send_password": "ev-to-hub", "accept_password": "hub-to-ev",
                          "autoconnect": "yes"},
        "oper admin": {"password": oper_hash, "mask": "*@127.0.0.1",
                       "privileges": "all", "snomask": "+r"},
    })
    deadline = time.monotonic() + 15
    while "hub.test synchronised" not in ev.stderr_text():
        assert time.monotonic() < deadline, ev.stderr_text() + h.log()
        time.sleep(0.05)
    op = oper_up(ev, "evop")
    hvictim = h.client().register("hvictim", user="hvictim")
    # ours on hybrid: hybrid applies it (shared {} names us) and drops its user
    op.send("KLINE 5 *hvictim@* ON hub.test :banned from evircd")
    notice(op, "K-line for [*hvictim@*] sent to hub.test")
    hvictim.expect_closed()
    # hybrid's operator's on us: applied here
    hop = h.oper(h.client().register("hop", user="hop"))
    victim = ev.client().register("evictim", user="evictim")
    hop.send("KLINE 5 evictim@127.0.0.1 ON ev.test :banned from hybrid")
    victim.expect_closed()
    notice(op, "added temporary K-line for [evictim@127.0.0.1]: banned from hybrid (1 user)")
    hop.send("UNKLINE evictim@127.0.0.1 ON ev.test")
    notice(op, "removed the K-line for [evictim@127.0.0.1]")
    assert stats(op, "k") == []
    hop.send("DLINE 5 192.0.2.44 ON ev.test :hybrid dline")
    notice(op, "added temporary D-line for [192.0.2.44]: hybrid dline")
    assert stats(op, "d") == [["D", "192.0.2.44", "hybrid dline (hop{hub.test}, temporary)"]]


def test_a_received_ban_is_stored_and_survives_a_restart(ev, linked):
    op, hyb, hop, hplain, chy, cop = linked
    hyb.send(":%s KLINE * 0 kept kept.example :stored" % hop.uid)
    notice(op, "added K-line for [kept@kept.example]")
    ev.stop()
    db = sqlite3.connect(os.path.join(ev.dir, "evircd.db"))
    rows = db.execute("SELECT mask, reason FROM xlines").fetchall()
    db.close()
    assert ("kept@kept.example", "stored") in rows
    ev.start()
    op = oper_up(ev, "op2")
    assert stats(op, "k") == [["K", "kept.example", "*", "kept", "stored (hop{hyb.test}, permanent)"]]
