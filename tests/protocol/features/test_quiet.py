"""Channel mode +q, the quiet list, as charybdis/Solanum have it: a list like
+b whose matching users (not excepted by +e, not voiced or opped) may join
but not speak (404) nor change nick (437, as for bans); listed with
728/729 naming the letter; counted with b, e and I in MAXLIST.
"""


def joined(c, ch):
    c.send("JOIN %s" % ch)
    c.expect(lambda m: m.command == "366" and m.params[1] == ch)


def quiets(c, ch):
    c.send("MODE %s q" % ch)
    lines = c.collect(lambda m: m.command == "729")
    assert lines[-1].params[1:] == [ch, "q", "End of Channel Quiet List"]
    return [m.params[1:] for m in lines if m.command == "728"]


def test_isupport_lists_q(server):
    c = server.client()
    c.send("NICK qIs")
    c.send("USER u 0 * :r")
    lines = c.collect(lambda m: m.command in ("376", "422"))
    tokens = {}
    for m in lines:
        if m.command == "005":
            for t in m.params[1:-1]:
                k, _, v = t.partition("=")
                tokens[k] = v
    assert tokens["CHANMODES"].split(",")[0] == "beIq"
    assert tokens["MAXLIST"].startswith("beIq:")
    c.close()


def test_set_list_unset(server):
    op = server.client().register("qOp")
    joined(op, "#qlist")
    op.send("MODE #qlist +q qB")
    assert op.expect("MODE").params[1:] == ["+q", "qB!*@*"]
    op.send("MODE #qlist +q qB!*@*")  # already there: no change
    op.send("MODE #qlist +q *!*@q.example")
    assert op.expect("MODE").params[1:] == ["+q", "*!*@q.example"]
    got = quiets(op, "#qlist")
    assert [g[:4] for g in got] == [["#qlist", "q", "qB!*@*", "qOp!~u@127.0.0.1"],
                                   ["#qlist", "q", "*!*@q.example", "qOp!~u@127.0.0.1"]]
    assert all(g[4].isdigit() for g in got)
    # anyone who sees the channel may list it, as +b
    other = server.client().register("qOther")
    assert len(quiets(other, "#qlist")) == 2
    op.send("MODE #qlist -q qB")
    assert op.expect("MODE").params[1:] == ["-q", "qB!*@*"]
    assert [g[2] for g in quiets(op, "#qlist")] == ["*!*@q.example"]
    op.close()
    other.close()


def test_non_operator_gets_482(server):
    op = server.client().register("qOp2")
    b = server.client().register("qNotOp")
    joined(op, "#q482")
    joined(b, "#q482")
    b.send("MODE #q482 +q x!*@*")
    assert b.expect("482").params[1] == "#q482"
    assert quiets(op, "#q482") == []
    op.close()
    b.close()


def test_quieted_user_cannot_speak_until_voiced_or_excepted(server):
    op = server.client().register("qOp3")
    b = server.client().register("qVictim")
    joined(op, "#qtalk")
    joined(b, "#qtalk")
    op.send("MODE #qtalk +q qVictim")
    b.expect("MODE")
    b.send("PRIVMSG #qtalk :hello")
    err = b.expect("404")
    assert err.params[1] == "#qtalk" and "quieted" in err.params[-1]
    # quieted is not banned: may still join
    b.send("PART #qtalk")
    b.expect("PART")
    joined(b, "#qtalk")
    # nick change refused, as for a banned user
    b.send("NICK qVictim2")
    assert b.expect("437").params[1] == "#qtalk"
    # voice lets b speak
    op.send("MODE #qtalk +v qVictim")
    b.expect("MODE")
    b.send("PRIVMSG #qtalk :voiced")
    assert op.expect("PRIVMSG").params[-1] == "voiced"
    op.send("MODE #qtalk -v qVictim")
    b.expect("MODE")
    b.send("PRIVMSG #qtalk :again")
    b.expect("404")
    # +e exempts from quiets, as Solanum
    op.send("MODE #qtalk +e qVictim")
    b.expect("MODE")
    b.send("PRIVMSG #qtalk :excepted")
    assert op.expect("PRIVMSG").params[-1] == "excepted"
    op.send("MODE #qtalk -e qVictim")
    b.expect("MODE")
    op.send("MODE #qtalk -q qVictim")
    b.expect("MODE")
    b.send("PRIVMSG #qtalk :free")
    assert op.expect("PRIVMSG").params[-1] == "free"
    b.send("NICK qFreed")
    assert b.expect("NICK").params[0] == "qFreed"
    op.close()
    b.close()


def test_q_counts_in_max_list(make_server):
    srv = make_server("\n[limits]\nmax_list = 2\n")
    op = srv.client().register("qOp4")
    joined(op, "#qmax")
    op.send("MODE #qmax +bq a!*@* b!*@*")
    op.expect(lambda m: m.command == "MODE" and m.params[-1] == "b!*@*")
    op.send("MODE #qmax +q c!*@*")
    assert op.expect("478").params[1:3] == ["#qmax", "c!*@*"]
    op.close()
