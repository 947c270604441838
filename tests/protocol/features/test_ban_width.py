"""Bans too wide to set: [limits] min_nonwildcard, dline_min_cidr(_ipv6).

As in ircd-hybrid, a K-line whose host has a wildcard must hold
min_nonwildcard (default 4) characters other than * ? . : @, and a D-line
(or a K-line's host range) must have at least dline_min_cidr (16) or
dline_min_cidr_ipv6 (48) bits. An operator's too-wide ban is refused with
a notice and nothing applied; a stored one (set under lower limits) is not
enforced at start, and UNKLINE still deletes it. Bans from links:
tests/protocol/test_link_bans.py.
"""
import os
import sqlite3
import subprocess

import pytest

from ircclient import MKPASSWD


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()


def oper_config(oper_hash, extra=""):
    return ("\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n"
            "snomask = +ckor\n" % oper_hash) + extra


def oper_up(srv, nick):
    c = srv.client().register(nick)
    c.send("OPER admin sekrit")
    c.expect("381")
    return c


def notice(c, text):
    return c.expect(lambda m: m.command == "NOTICE" and text in m.params[-1])


def bans(c, letter):
    c.send("STATS %s" % letter)
    return [m.params[2:] for m in c.collect("219") if m.command in ("216", "225")]


def test_too_wide_klines_are_refused(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    bystander = srv.client().register("bystander", user="bystander")
    op = oper_up(srv, "kop")
    for mask in ("*@*", "*@*.*", "a*@*", "*@*.com", "??@*", "*@10.0.0.0/8", "*@2001:db8::/32"):
        op.send("KLINE %s :everyone" % mask)
        n = notice(op, "K-line not added")
        assert n.params[-1].startswith("*** K-line not added: [%s] is too wide." % mask), n
    op.send("KLINE *@* :everyone")
    assert notice(op, "K-line not added").params[-1] == (
        "*** K-line not added: [*@*] is too wide. "
        "Please include at least 4 non-wildcard characters with the mask")
    op.send("KLINE *@10.0.0.0/8 :everyone")
    assert "bitmasks less than /16" in notice(op, "K-line not added").params[-1]
    # ON <servers>: refused before it goes anywhere, this server included
    op.send("KLINE 5 *@* ON * :everyone")
    notice(op, "K-line not added: [*@*] is too wide")
    assert bans(op, "k") == []
    bystander.send("PING alive")
    assert bystander.expect("PONG").params[-1] == "alive"
    # narrow enough: 4 characters, an exact host, a range of /16 or more
    for mask, n in (("bad@host.example", 0), ("*@*.host.example", 0), ("*@192.0.2.*", 0),
                    ("*@::1", 0), ("*@198.51.0.0/16", 0), ("nobody@*", 0)):
        op.send("KLINE %s :narrow" % mask)
        notice(op, "Added K-line [%s]: narrow (%d users)" % (mask, n))
    assert len(bans(op, "k")) == 6
    op.close()


def test_too_wide_dlines_are_refused(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "dop")
    for mask, bits in (("10.0.0.0/8", 16), ("0.0.0.0/0", 16), ("192.0.0.0/15", 16),
                       ("2001:db8::/32", 48), ("0::/0", 48)):
        op.send("DLINE %s :everyone" % mask)
        assert notice(op, "D-line not added").params[-1] == (
            "*** D-line not added: [%s] is too wide. "
            "For safety, bitmasks less than /%d are refused" % (mask, bits))
    assert bans(op, "d") == []
    for mask in ("192.0.2.0/24", "198.51.0.0/16", "2001:db8:1::/48", "192.0.2.77"):
        op.send("DLINE %s :narrow" % mask)
        notice(op, "Added D-line [%s]: narrow" % mask)
    assert len(bans(op, "d")) == 4
    op.close()


def test_lower_limits_by_rehash(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "rop")
    op.send("KLINE a*@* :wide")
    notice(op, "K-line not added: [a*@*] is too wide")
    op.send("DLINE 10.0.0.0/8 :wide")
    notice(op, "D-line not added: [10.0.0.0/8] is too wide")
    with open(srv.conf, "a") as f:
        f.write("\n[limits]\nmin_nonwildcard = 1\ndline_min_cidr = 8\n")
    op.send("REHASH")
    op.expect("382")
    op.send("KLINE a*@* :wide")
    notice(op, "Added K-line [a*@*]: wide")
    op.send("KLINE *@* :wider")
    assert "at least 1 non-wildcard" in notice(op, "K-line not added").params[-1]
    op.send("DLINE 10.0.0.0/8 :wide")
    notice(op, "Added D-line [10.0.0.0/8]: wide")
    op.send("DLINE 10.0.0.0/7 :wider")
    assert "bitmasks less than /8" in notice(op, "D-line not added").params[-1]
    op.close()


def test_min_nonwildcard_zero_checks_nothing(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash, "\n[limits]\nmin_nonwildcard = 0\n"
                                              "dline_min_cidr = 0\n"))
    op = oper_up(srv, "zop")
    # half the IPv4 space, not loopback's half: it disconnects nobody here
    op.send("DLINE 128.0.0.0/1 :half")
    notice(op, "Added D-line [128.0.0.0/1]: half (0 users)")
    op.send("KLINE q*@* :x")
    notice(op, "Added K-line [q*@*]: x (0 users)")
    op.close()


def test_stored_too_wide_ban_is_not_enforced_and_unkline_removes_it(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "sop")
    op.send("KLINE keep@kept.example :kept")
    notice(op, "Added K-line [keep@kept.example]")
    op.close()
    srv.stop()
    db = sqlite3.connect(os.path.join(srv.dir, "evircd.db"))
    with db:
        db.executemany("INSERT INTO xlines VALUES (?, ?, ?, ?, 0, 0)",
                       [("K", "*@*", "everyone", "old{config}"),
                        ("D", "0.0.0.0/0", "everyone", "old{config}"),
                        ("K", "", "empty", "broken{row}")])
    db.close()
    srv.start()
    log = srv.log_text()
    assert "database: K-line [*@*] (set by old{config}) not enforced: [*@*] is too wide" in log
    assert "database: D-line [0.0.0.0/0] (set by old{config}) not enforced" in log
    assert "database: K-line [] (set by broken{row}) not enforced" in log
    # everyone may still connect; the narrow ban is in force, the wide ones are not listed
    op = oper_up(srv, "sop")
    assert bans(op, "k") == [["kept.example", "*", "keep", "kept (sop{admin}, permanent)"]]
    assert bans(op, "d") == []
    op.send("UNKLINE *@*")
    notice(op, "K-line for [*@*] is removed")
    op.send("UNDLINE 0.0.0.0/0")
    notice(op, "D-line for [0.0.0.0/0] is removed")
    op.send("UNKLINE *@*")
    notice(op, "No K-line for [*@*]")
    op.close()
    srv.stop()
    db = sqlite3.connect(os.path.join(srv.dir, "evircd.db"))
    rows = sorted(db.execute("SELECT kind, mask FROM xlines").fetchall())
    db.close()
    assert rows == [("K", ""), ("K", "keep@kept.example")]
