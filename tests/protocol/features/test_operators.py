"""Operators: OPER, KILL, WALLOPS, REHASH, K/D-lines, STATS, snomasks."""
import os
import signal
import subprocess
import time

import pytest

from ircclient import MKPASSWD


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()


def oper_config(oper_hash, extra=""):
    return ("\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n"
            "snomask = +ckor\n" % oper_hash) + extra


def stats(c, letter):
    c.send("STATS %s" % letter)
    return [m for m in c.collect("219")[:-1] if m.command != "NOTICE"]


def oper_up(srv, nick):
    c = srv.client().register(nick)
    c.send("OPER admin sekrit")
    c.expect("381")
    return c


def test_oper_wrong_password_then_right(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    c = srv.client().register("wannabe")
    c.send("OPER admin wrong")
    c.expect("464")
    c.send("OPER nosuch sekrit")
    c.expect("491")
    c.send("OPER admin sekrit")
    c.expect("381")
    c.send("MODE wannabe")
    assert "o" in c.expect("221").params[-1]
    c.close()


def test_kill_and_privilege_checks(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    user = srv.client().register("user1")
    user.send("KILL user1 :nope")
    user.expect("481")
    op = oper_up(srv, "killer")
    op.send("KILL user1 :enough")
    err = user.expect("ERROR")
    assert "Killed (killer (enough))" in err.params[-1]
    note = op.expect(lambda m: m.command == "NOTICE" and "KILL" in m.params[-1])
    assert "user1" in note.params[-1]
    op.close()


def test_wallops_reaches_plus_w_only(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    w = srv.client().register("wlisten")
    w.send("MODE wlisten +w")
    w.expect("MODE")
    nw = srv.client().register("wdeaf")
    op = oper_up(srv, "wop")
    op.send("WALLOPS :hear ye")
    assert w.expect("WALLOPS").params == ["hear ye"]
    assert not any(m.command == "WALLOPS" for m in nw.quiet(0.3))
    for x in (w, nw, op):
        x.close()


def test_kline_applies_now_and_survives_kill_9(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    victim = srv.client().register("kvictim", user="badguy")
    op = oper_up(srv, "kop")
    op.send("KLINE 10 badguy@127.0.0.1 :spamming")
    err = victim.expect("ERROR")
    assert "K-lined: spamming" in err.params[-1]
    op.send("STATS k")
    k = op.expect("216")
    assert k.params[1:4] == ["K", "127.0.0.1", "*"] and "spamming" in k.params[-1]
    op.expect("219")
    op.close()
    srv.stop(kill=True)
    srv.start()
    again = srv.client()
    again.send("NICK kvictim2")
    again.send("USER badguy 0 * :r")
    assert again.expect("465")
    assert "K-lined" in again.expect("ERROR").params[-1]
    fine = srv.client().register("goodguy", user="goodguy")
    fine.close()


def test_dline_refuses_at_connect(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "dop")
    op.send("DLINE 127.0.0.2 :go away")
    op.expect(lambda m: m.command == "NOTICE" and "D-line" in m.params[-1])
    from ircclient import Client
    c = Client(srv.port, source_ip="127.0.0.2")
    assert "D-lined: go away" in c.expect("ERROR").params[-1]
    op.send("UNDLINE 127.0.0.2")
    op.expect(lambda m: m.command == "NOTICE" and "removed" in m.params[-1])
    Client(srv.port, source_ip="127.0.0.2").register("backagain").close()
    op.close()


def test_rehash_good_and_broken_config_keeps_serving(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "rop")
    user = srv.client().register("bystander")
    op.send("REHASH")
    op.expect("382")
    with open(srv.conf, "a") as f:
        f.write("\n[class default2]\nsendq = notanumber\n")
    op.send("REHASH")
    op.expect("382")
    bad = op.expect(lambda m: m.command == "NOTICE" and "Rehash failed" in m.params[-1])
    assert "sendq" in bad.params[-1] and "ircd.conf:" in bad.params[-1]
    srv.signal(signal.SIGHUP)
    user.send("PING still")
    assert user.expect("PONG").params[-1] == "still"
    op.close()
    user.close()


def test_stats_letters(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    user = srv.client().register("statuser")
    user.send("STATS k")
    user.expect("481")
    user.expect("219")
    user.send("STATS u")
    assert user.expect("242").params[-1].startswith("Server Up")
    user.expect("219")
    user.send("STATS m")
    cmds = {m.params[1]: int(m.params[2]) for m in user.collect("219") if m.command == "212"}
    assert cmds["NICK"] >= 1 and cmds["USER"] >= 1 and cmds["STATS"] >= 2
    op = oper_up(srv, "statop")
    y = stats(op, "y")
    assert y[0].command == "218" and y[0].params[1:3] == ["Y", "default"]
    o = stats(op, "o")
    assert o[0].command == "243" and o[0].params[1:4] == ["O", "*@127.0.0.1", "*"]
    p = stats(op, "p")
    assert any("statop" in m.params[-1] for m in p if m.command == "249")
    links = stats(op, "l statuser")
    assert links[0].command == "211" and links[0].params[1].startswith("statuser[")
    z = stats(op, "z")
    assert any("RSS" in m.params[-1] for m in z)
    t = stats(op, "t")
    assert any("connections" in m.params[-1] for m in t)
    op.send("LUSERS")
    assert op.expect("252").params[1] == "1"
    user.close()
    op.close()


def test_snomask_connect_notices(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "snoop")
    newbie = srv.client().register("newbie")
    note = op.expect(lambda m: m.command == "NOTICE" and "Client connecting" in m.params[-1])
    assert "newbie" in note.params[-1]
    newbie.send("QUIT :leaving")
    note = op.expect(lambda m: m.command == "NOTICE" and "Client exiting" in m.params[-1])
    assert "Quit: leaving" in note.params[-1]
    op.close()


def test_die_needs_confirmation(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "dier")
    op.send("DIE")
    op.expect(lambda m: m.command == "NOTICE" and "needs the server name" in m.params[-1])
    op.send("DIE irc.test")
    assert "Server terminated by dier" in op.expect("ERROR").params[-1]
    assert srv.proc.wait(10) == 0
    srv.proc = None


def test_unkline_with_other_casemapped_spelling_survives_restart(make_server, oper_hash):
    # rfc1459: "[" and "{" are one letter, so UNKLINE of *@x{y} removes *@X[Y],
    # in memory and on disk alike.
    srv = make_server(oper_config(oper_hash))
    op = oper_up(srv, "casop")
    op.send("KLINE bad[guy]@127.0.0.9 :first spelling")
    op.expect(lambda m: m.command == "NOTICE" and "K-line" in m.params[-1])
    op.send("KLINE BAD{GUY}@127.0.0.9 :second spelling")
    op.expect(lambda m: m.command == "NOTICE" and "K-line" in m.params[-1])
    op.send("STATS k")
    assert len([m for m in op.collect("219") if m.command == "216"]) == 1
    op.send("UNKLINE bad{guy}@127.0.0.9")
    op.expect(lambda m: m.command == "NOTICE" and "removed" in m.params[-1])
    op.close()
    srv.stop(kill=True)
    srv.start()
    op = oper_up(srv, "casop")
    op.send("STATS k")
    assert [m for m in op.collect("219") if m.command == "216"] == []
    op.close()


def test_connect_notice_shows_the_real_host(make_server, oper_hash):
    srv = make_server(oper_config(oper_hash, "\n[cloak]\nenabled = yes\nkey = 0123456789abcdef0123\n"))
    op = oper_up(srv, "watcher")
    srv.client().register("newbie").close()
    note = op.expect(lambda m: m.command == "NOTICE" and "Client connecting" in m.params[-1])
    assert "newbie (" in note.params[-1] and "@127.0.0.1) [127.0.0.1]" in note.params[-1]
    op.close()
