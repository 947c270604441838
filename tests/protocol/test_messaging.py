"""PRIVMSG, NOTICE, AWAY, NICK changes and QUIT as other users see them."""


def is_from(m, c):
    nick, _, rest = (m.source or "").partition("!")
    return nick == c.nick and rest.endswith("@127.0.0.1")


def got(c, command="PRIVMSG"):
    """Lines of command that c received up to a PING round trip."""
    return [m for m in c.sync() if m.command == command]


def settle(*clients):
    for c in clients:
        c.sync()


def members(user, channel, n, prefix="mm"):
    ch = channel(prefix)
    cs = [user(prefix) for _ in range(n)]
    for c in cs:
        c.join(ch)
    settle(*cs)
    return ch, cs


# --------------------------------------------------------------------------
# PRIVMSG delivery


def test_privmsg_to_nick(user):
    a = user("pa")
    b = user("pb")
    a.send("PRIVMSG %s :hello there, b" % b.nick)
    m = b.expect("PRIVMSG")
    assert is_from(m, a) and m.params == [b.nick, "hello there, b"]
    assert got(a) == []


def test_privmsg_to_self(user):
    a = user("self")
    a.send("PRIVMSG %s :note to self" % a.nick)
    msgs = got(a)
    assert len(msgs) == 1 and is_from(msgs[0], a) and msgs[0].params == [a.nick, "note to self"]


def test_privmsg_nick_is_case_insensitive(user):
    a = user("pci")
    b = user("PcI")
    a.send("PRIVMSG %s :case" % b.nick.swapcase())
    m = b.expect("PRIVMSG")
    assert m.params[1] == "case"


def test_privmsg_to_channel_each_member_once_sender_none(user, channel):
    ch, (a, b, c) = members(user, channel, 3)
    a.send("PRIVMSG %s :to the channel" % ch)
    a.sync()
    for x in (b, c):
        msgs = got(x)
        assert len(msgs) == 1, msgs
        assert is_from(msgs[0], a) and msgs[0].params == [ch, "to the channel"]
    assert got(a) == []


def test_notice_to_channel_and_nick(user, channel):
    ch, (a, b) = members(user, channel, 2)
    a.send("NOTICE %s :channel notice" % ch)
    m = b.expect("NOTICE")
    assert is_from(m, a) and m.params == [ch, "channel notice"]
    a.send("NOTICE %s :direct notice" % b.nick)
    m = b.expect("NOTICE")
    assert m.params == [b.nick, "direct notice"]
    assert got(a, "NOTICE") == []


def test_privmsg_statusmsg_ops_only(user, channel):
    op = user("sop")
    v = user("sv")
    plain = user("spl")
    ch = channel("stat")
    op.join(ch)
    v.join(ch)
    plain.join(ch)
    op.send("MODE %s +v %s" % (ch, v.nick))
    settle(op, v, plain)
    plain.send("PRIVMSG @%s :for ops" % ch)
    plain.sync()
    m = op.expect("PRIVMSG")
    assert is_from(m, plain) and m.params == ["@" + ch, "for ops"]
    assert got(v) == []
    assert got(plain) == []
    assert got(op) == []


def test_privmsg_statusmsg_voice_and_ops(user, channel):
    op = user("svop")
    v = user("svv")
    plain = user("svp")
    ch = channel("stv")
    op.join(ch)
    v.join(ch)
    plain.join(ch)
    op.send("MODE %s +v %s" % (ch, v.nick))
    settle(op, v, plain)
    op.send("PRIVMSG +%s :for voiced" % ch)
    op.sync()
    assert [m.params for m in got(v)] == [["+" + ch, "for voiced"]]
    assert got(plain) == []


def test_privmsg_several_targets(user, channel):
    a = user("mt")
    b = user("mtb")
    c = user("mtc")
    d = user("mtd")
    ch = channel("mt")
    a.join(ch)
    d.join(ch)
    settle(a, d)
    a.send("PRIVMSG %s,%s,%s :multi" % (b.nick, c.nick, ch))
    a.sync()
    assert [m.params for m in got(b)] == [[b.nick, "multi"]]
    assert [m.params for m in got(c)] == [[c.nick, "multi"]]
    assert [m.params for m in got(d)] == [[ch, "multi"]]


def test_privmsg_too_many_targets_407(user, limits):
    a = user("tm")
    targets = [user("tmt") for _ in range(limits["max_targets"] + 1)]
    a.send("PRIVMSG %s :too many" % ",".join(t.nick for t in targets))
    m = a.expect("407")
    assert m.params[0] == a.nick
    a.sync()
    # the target past the limit gets nothing
    assert got(targets[-1]) == []
    a.assert_alive()


def test_privmsg_ctcp_and_utf8_pass_through(user):
    a = user("ct")
    b = user("ctb")
    a.send("PRIVMSG %s :\x01ACTION waves\x01" % b.nick)
    assert b.expect("PRIVMSG").params[1] == "\x01ACTION waves\x01"
    a.send("PRIVMSG %s :h\u00e9llo \u2603 w\u00f6rld" % b.nick)
    assert b.expect("PRIVMSG").params[1] == "h\u00e9llo \u2603 w\u00f6rld"


def test_privmsg_text_with_leading_colon_and_spaces(user):
    a = user("sp")
    b = user("spb")
    a.send("PRIVMSG %s ::-)  two  spaces " % b.nick)
    assert b.expect("PRIVMSG").params[1] == ":-)  two  spaces "
    a.send("PRIVMSG %s single" % b.nick)
    assert b.expect("PRIVMSG").params[1] == "single"


# --------------------------------------------------------------------------
# PRIVMSG errors


def test_privmsg_no_such_nick_401(user):
    a = user("e401")
    a.send("PRIVMSG nobody_here :hi")
    m = a.expect("401")
    assert m.params[:2] == [a.nick, "nobody_here"]
    a.assert_alive()


def test_privmsg_no_such_channel(user, channel):
    a = user("e403")
    ch = channel("none")
    a.send("PRIVMSG %s :hi" % ch)
    m = a.expect(("403", "401", "404"))
    assert m.command in ("403", "401") and m.params[:2] == [a.nick, ch], m


def test_privmsg_no_recipient_411(user):
    a = user("e411")
    a.send("PRIVMSG")
    m = a.expect(("411", "461"))
    assert m.command == "411" and m.params[0] == a.nick
    a.assert_alive()


def test_privmsg_no_text_412(user):
    a = user("e412")
    b = user("e412b")
    a.send("PRIVMSG %s" % b.nick)
    m = a.expect(("412", "461"))
    assert m.command == "412" and m.params[0] == a.nick
    a.send("PRIVMSG %s :" % b.nick)
    assert a.expect(("412", "461")).command == "412"
    assert got(b) == []


def test_privmsg_no_external_messages_404(user, channel):
    op = user("n404")
    out = user("n404o")
    ch = channel("n404")
    op.join(ch)
    op.send("MODE %s +n" % ch)
    op.sync()
    out.send("PRIVMSG %s :from outside" % ch)
    m = out.expect("404")
    assert m.params[:2] == [out.nick, ch]
    assert got(op) == []
    op.send("MODE %s -n" % ch)
    op.expect("MODE")
    out.send("PRIVMSG %s :now allowed" % ch)
    assert op.expect("PRIVMSG").params == [ch, "now allowed"]


def test_privmsg_moderated_404_voice_and_op_speak(user, channel):
    op = user("m404")
    mem = user("m404m")
    ch = channel("m404")
    op.join(ch)
    mem.join(ch)
    op.send("MODE %s +m" % ch)
    mem.expect("MODE")
    op.sync()
    mem.send("PRIVMSG %s :muted" % ch)
    m = mem.expect("404")
    assert m.params[:2] == [mem.nick, ch]
    assert got(op) == []
    op.send("PRIVMSG %s :op speaks" % ch)
    assert mem.expect("PRIVMSG").params == [ch, "op speaks"]
    op.send("MODE %s +v %s" % (ch, mem.nick))
    mem.expect("MODE")
    op.sync()
    mem.send("PRIVMSG %s :voiced now" % ch)
    assert op.expect("PRIVMSG").params == [ch, "voiced now"]
    assert not any(x.command == "404" for x in mem.sync())


def test_privmsg_banned_404_exception_lets_through(user, channel):
    op = user("b404")
    mem = user("b404m")
    ch = channel("b404")
    op.join(ch)
    mem.join(ch)
    op.send("MODE %s +b %s!*@*" % (ch, mem.nick))
    mem.expect("MODE")
    op.sync()
    mem.send("PRIVMSG %s :banned talk" % ch)
    m = mem.expect("404")
    assert m.params[:2] == [mem.nick, ch]
    assert got(op) == []
    op.send("MODE %s +e %s!*@*" % (ch, mem.nick))
    mem.expect("MODE")
    op.sync()
    mem.send("PRIVMSG %s :excepted talk" % ch)
    assert op.expect("PRIVMSG").params == [ch, "excepted talk"]


def test_privmsg_banned_but_voiced_speaks(user, channel):
    op = user("bv")
    mem = user("bvm")
    ch = channel("bv")
    op.join(ch)
    mem.join(ch)
    op.send("MODE %s +bv %s!*@* %s" % (ch, mem.nick, mem.nick))
    mem.expect("MODE")
    op.sync()
    mem.send("PRIVMSG %s :voice beats ban" % ch)
    assert op.expect("PRIVMSG").params == [ch, "voice beats ban"]


def test_notice_never_gets_errors(user, channel):
    op = user("nn")
    out = user("nno")
    ch = channel("nn")
    op.join(ch)
    op.send("MODE %s +nm" % ch)
    op.sync()
    for line in ("NOTICE nobody_nn :x", "NOTICE %s :outside" % ch, "NOTICE %s :no such" % channel("nnx"),
                 "NOTICE %s" % op.nick, "NOTICE %s :" % op.nick):
        out.send(line)
    lines = out.sync()
    assert not any(m.command.isdigit() for m in lines), lines
    assert got(op, "NOTICE") == []


# --------------------------------------------------------------------------
# AWAY


def test_away_set_unset_and_301(user, limits):
    a = user("aw")
    b = user("awb")
    a.send("AWAY :gone fishing")
    m = a.expect(("306", "305"))
    assert m.command == "306" and m.params[0] == a.nick
    b.send("PRIVMSG %s :are you there?" % a.nick)
    m = b.expect("301")
    assert m.params == [b.nick, a.nick, "gone fishing"]
    # the message is still delivered
    assert a.expect("PRIVMSG").params == [a.nick, "are you there?"]
    # no 301 for NOTICE
    b.send("NOTICE %s :psst" % a.nick)
    assert not any(m.command == "301" for m in b.sync())
    a.send("AWAY")
    m = a.expect(("305", "306"))
    assert m.command == "305" and m.params[0] == a.nick
    b.send("PRIVMSG %s :back?" % a.nick)
    assert not any(m.command == "301" for m in b.sync())


def test_away_message_truncated_to_awaylen(user, limits):
    a = user("awl")
    b = user("awlb")
    a.send("AWAY :%s" % ("z" * (limits["awaylen"] + 30)))
    a.expect("306")
    b.send("PRIVMSG %s :hi" % a.nick)
    assert b.expect("301").params[2] == "z" * limits["awaylen"]


def test_away_empty_message_unsets(user):
    a = user("awe")
    a.send("AWAY :away")
    a.expect("306")
    a.send("AWAY :")
    assert a.expect(("305", "306")).command == "305"


# --------------------------------------------------------------------------
# NICK change and QUIT as seen by others


def test_nick_change_seen_once_per_user(user, channel):
    a = user("nc")
    both = user("ncb")   # shares two channels with a
    one = user("nco")    # shares one channel
    none = user("ncn")   # shares none
    c1, c2 = channel("nc"), channel("nc")
    a.join(c1, c2)
    both.join(c1, c2)
    one.join(c2)
    settle(a, both, one, none)
    old = a.nick
    new = old + "x"
    a.send("NICK %s" % new)
    m = a.expect("NICK")
    assert m.nick == old and m.params == [new]
    a.nick = new
    for c in (both, one):
        nicks = got(c, "NICK")
        assert len(nicks) == 1, nicks
        assert nicks[0].source.split("!")[0] == old
        assert nicks[0].source.endswith("@127.0.0.1")
        assert nicks[0].params == [new]
    assert got(none, "NICK") == []
    assert got(a, "NICK") == []
    # and the new nick is what everyone sees now
    both.send("NAMES %s" % c1)
    assert "@" + new in both.expect("353").params[-1].split()
    both.send("PRIVMSG %s :to new nick" % new)
    assert a.expect("PRIVMSG").params == [new, "to new nick"]


def test_nick_change_case_only(user):
    a = user("cs")
    a.send("NICK %s" % a.nick.upper())
    m = a.expect(("NICK", "433"))
    assert m.command == "NICK" and m.params == [a.nick.upper()]


def test_old_nick_free_after_change(user, connect):
    a = user("fr")
    old = a.nick
    a.send("NICK %sz" % old)
    a.expect("NICK")
    b = connect()
    b.register(old)
    assert b.welcome[0].params[0] == old


def test_quit_seen_once_and_quitter_gets_error(user, channel):
    a = user("q")
    both = user("qb")
    one = user("qo")
    none = user("qn")
    c1, c2 = channel("q"), channel("q")
    a.join(c1, c2)
    both.join(c1, c2)
    one.join(c1)
    settle(a, both, one, none)
    a.send("QUIT :see you later")
    lines = a.expect_closed()
    errors = [m for m in lines if m.command == "ERROR"]
    assert len(errors) == 1, lines
    for c in (both, one):
        quits = got(c, "QUIT")
        assert len(quits) == 1, quits
        assert is_from(quits[0], a)
        assert quits[0].params == ["Quit: see you later"]
    assert got(none, "QUIT") == []
    both.send("NAMES %s" % c1)
    assert a.nick not in [x.lstrip("@+") for x in both.expect("353").params[-1].split()]


def test_quit_without_reason(user, channel):
    ch, (a, b) = members(user, channel, 2, "qnr")
    a.send("QUIT")
    assert any(m.command == "ERROR" for m in a.expect_closed())
    quits = got(b, "QUIT")
    assert len(quits) == 1 and is_from(quits[0], a)


def test_dropped_connection_seen_as_quit(user, channel):
    ch, (a, b) = members(user, channel, 2, "qdrop")
    a.close()
    m = b.expect("QUIT")
    assert is_from(m, a)
    assert got(b, "QUIT") == []
