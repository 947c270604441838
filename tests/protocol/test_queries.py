"""WHO, WHOIS, WHOWAS, ISON, USERHOST and the server information commands."""
import re
import time


def who(c, *args):
    """WHO args -> [352 params] up to 315 (checked)."""
    c.send(" ".join(("WHO",) + args))
    lines = c.collect_until("315")
    end = lines[-1]
    assert end.params[0] == c.nick
    if args:
        assert end.params[1] == args[0], end
    rows = []
    for m in lines[:-1]:
        if m.command == "352":
            assert m.source == "irc.test" and m.params[0] == c.nick, m
            assert len(m.params) == 8, m
            rows.append(m.params)
    return rows


def whois(c, *args):
    c.send(" ".join(("WHOIS",) + args))
    lines = c.collect_until("318")
    return lines


def by(lines, code):
    return [m for m in lines if m.command == code]


def user_ok(u, name="u"):
    """USER name was given; the server may show it with a ~ (no ident)."""
    return u in (name, "~" + name)


# --------------------------------------------------------------------------
# WHO


def test_who_channel(user, channel):
    op = user("wo", realname="Op Person")
    v = user("wv", realname="Voice Person")
    p = user("wp", realname="Plain Person")
    ch = channel("who")
    for c in (op, v, p):
        c.join(ch)
    op.send("MODE %s +v %s" % (ch, v.nick))
    op.expect("MODE")
    p.send("AWAY :lunch")
    p.expect("306")
    rows = {r[5]: r for r in who(p, ch)}
    assert set(rows) == {op.nick, v.nick, p.nick}
    for nick, r in rows.items():
        assert r[1] == ch
        assert user_ok(r[2])
        assert r[3] == "127.0.0.1"
        assert r[4] == "irc.test"
    assert rows[op.nick][6] == "H@"
    assert rows[v.nick][6] == "H+"
    assert rows[p.nick][6] == "G"
    assert rows[op.nick][7] == "0 Op Person"
    assert rows[p.nick][7] == "0 Plain Person"


def test_who_mask(user, uniq):
    tag = uniq("wm")
    a = user(tag + "a", realname="Mask A")
    b = user(tag + "b", realname="Mask B")
    asker = user("wmq")
    rows = who(asker, tag + "*")
    assert sorted(r[5] for r in rows) == sorted([a.nick, b.nick])
    for r in rows:
        assert user_ok(r[2]) and r[3] == "127.0.0.1" and r[4] == "irc.test"
        assert r[6].startswith("H")
    rows = who(asker, a.nick)
    assert [r[5] for r in rows] == [a.nick]
    assert rows[0][7] == "0 Mask A"


def test_who_invisible_hidden_unless_sharing_channel(user, uniq, channel):
    tag = uniq("wi")
    inv = user(tag + "i")
    vis = user(tag + "v")
    inv.send("MODE %s +i" % inv.nick)
    inv.expect("MODE")
    stranger = user("wis")
    rows = who(stranger, tag + "*")
    assert [r[5] for r in rows] == [vis.nick]
    friend = user("wif")
    ch = channel("wi")
    inv.join(ch)
    friend.join(ch)
    rows = who(friend, tag + "*")
    assert sorted(r[5] for r in rows) == sorted([inv.nick, vis.nick])
    # the channel query from a member shows the invisible member
    assert sorted(r[5] for r in who(friend, ch)) == sorted([inv.nick, friend.nick])


def test_who_oper_flag_lists_only_opers(user, uniq):
    tag = uniq("wop")
    a = user(tag)
    asker = user("wopq")
    assert [r[5] for r in who(asker, tag + "*")] == [a.nick]
    assert who(asker, tag + "*", "o") == []


# scrypt hash of "operpass" (evircd-mkpasswd)
OPER_HASH = ("$scrypt$ln=14,r=8,p=1$ce454172692d14b9ca76709c1db624c3$"
             "a8674bb6aba7a6d8cc9bcf1ef297f0851e4046e2b3ca2a08bdfc6c51f1e621f5")


def test_who_oper_flag_with_an_operator(make_server):
    srv = make_server({"oper testop": {"password": OPER_HASH, "mask": "*@*"}})
    op = srv.client().register("whooper")
    srv.client().register("whoplain")
    asker = srv.client().register("whoasker")
    op.send("OPER testop operpass")
    op.expect("381")
    rows = who(asker, "who*", "o")
    assert [r[5] for r in rows] == ["whooper"]
    assert rows[0][6] == "H*"
    rows = {r[5]: r for r in who(asker, "who*")}
    assert set(rows) == {"whooper", "whoplain", "whoasker"}
    assert rows["whoplain"][6] == "H"
    asker.send("LUSERS")
    got = {m.command: m for m in asker.collect_until("266")}
    assert "252" in got and got["252"].params[1] == "1", got.get("252")
    # USERHOST marks operators with *, WHOIS with 313
    asker.send("USERHOST whooper whoplain")
    replies = asker.expect("302").params[-1].split()
    assert replies[0].startswith("whooper*=+") and replies[1].startswith("whoplain=+"), replies
    lines = whois(asker, "whooper")
    assert by(lines, "313") and by(lines, "313")[0].params[:2] == ["whoasker", "whooper"]
    assert not by(whois(asker, "whoplain"), "313")


def test_who_secret_channel_from_outside(user, channel):
    a = user("ws")
    out = user("wsx")
    ch = channel("ws")
    a.join(ch)
    a.send("MODE %s +s" % ch)
    a.expect("MODE")
    assert who(out, ch) == []


# --------------------------------------------------------------------------
# WHOIS


def test_whois_basic(user, channel):
    t = user("wt", user="ident", realname="Whois Target")
    before = int(time.time())
    q = user("wq")
    ch = channel("wi")
    t.join(ch)
    lines = whois(q, t.nick)
    assert lines[0].command == "311"
    assert lines[-1].params[:2] == [q.nick, t.nick]
    m = by(lines, "311")[0]
    assert m.params[:3] == [q.nick, t.nick, m.params[2]] and user_ok(m.params[2], "ident")
    assert m.params[3:] == ["127.0.0.1", "*", "Whois Target"]
    m = by(lines, "312")[0]
    assert m.params[:3] == [q.nick, t.nick, "irc.test"]
    assert m.params[3] == "evircd protocol test server"
    m = by(lines, "319")[0]
    assert m.params[:2] == [q.nick, t.nick]
    assert m.params[2].split() == ["@" + ch]
    m = by(lines, "317")[0]
    assert m.params[:2] == [q.nick, t.nick]
    idle, signon = int(m.params[2]), int(m.params[3])
    assert 0 <= idle <= 5
    assert before - 5 <= signon <= time.time() + 2
    assert not by(lines, "301")
    assert not by(lines, "313")


def test_whois_channel_prefixes(user, channel):
    op = user("wpo")
    t = user("wpt")
    c1, c2, c3 = channel("wp"), channel("wp"), channel("wp")
    op.join(c1, c2)
    t.join(c1, c2, c3)
    op.send("MODE %s +v %s" % (c1, t.nick))
    op.expect("MODE")
    lines = whois(op, t.nick)
    got = []
    for m in by(lines, "319"):
        got += m.params[-1].split()
    assert sorted(got) == sorted(["+" + c1, c2, "@" + c3])


def test_whois_is_case_insensitive(user):
    t = user("WcI")
    q = user("wcq")
    lines = whois(q, t.nick.upper())
    assert by(lines, "311")[0].params[1] == t.nick


def test_whois_away_301(user):
    t = user("wa")
    q = user("waq")
    t.send("AWAY :brb")
    t.expect("306")
    m = by(whois(q, t.nick), "301")
    assert m and m[0].params == [q.nick, t.nick, "brb"]


def test_whois_hides_secret_and_private_channels(user, channel):
    t = user("wh")
    out = user("who")
    ins = user("whi")
    pub, sec, priv = channel("whp"), channel("whs"), channel("whv")
    t.join(pub, sec, priv)
    t.send("MODE %s +s" % sec)
    t.expect("MODE")
    t.send("MODE %s +p" % priv)
    t.expect("MODE")
    ins.join(sec)

    def chans(c):
        got = []
        for m in by(whois(c, t.nick), "319"):
            got += [x.lstrip("@+") for x in m.params[-1].split()]
        return sorted(got)

    assert chans(out) == [pub]
    assert chans(ins) == sorted([pub, sec])
    assert chans(t) == sorted([pub, sec, priv])


def test_whois_idle_resets_on_privmsg(user):
    t = user("wid")
    q = user("widq")
    t.send("PRIVMSG %s :activity" % q.nick)
    q.expect("PRIVMSG")
    idle = int(by(whois(q, t.nick), "317")[0].params[2])
    assert idle <= 1


def test_whois_unknown_nick_401_318(user):
    q = user("wu")
    q.send("WHOIS nobody_whois")
    lines = q.collect_until("318")
    assert [m.command for m in lines] == ["401", "318"]
    assert lines[0].params[:2] == [q.nick, "nobody_whois"]
    assert lines[1].params[:2] == [q.nick, "nobody_whois"]


def test_whois_no_params_431(user):
    q = user("wn")
    q.send("WHOIS")
    m = q.expect(("431", "461"))
    assert m.command == "431" and m.params[0] == q.nick
    q.assert_alive()


# --------------------------------------------------------------------------
# WHOWAS


def test_whowas_after_quit(user, connect, uniq):
    nick = uniq("ww")
    gone = connect().register(nick, user="wuser", realname="Gone User")
    gone.send("QUIT :bye")
    gone.expect_closed()
    q = user("wwq")
    q.sync()
    q.send("WHOWAS %s" % nick)
    lines = q.collect_until("369")
    cs = [m.command for m in lines]
    assert cs == ["314", "312", "369"], lines
    assert lines[0].params[:3] == [q.nick, nick, lines[0].params[2]]
    assert user_ok(lines[0].params[2], "wuser")
    assert lines[0].params[3:] == ["127.0.0.1", "*", "Gone User"]
    assert lines[1].params[:3] == [q.nick, nick, "irc.test"]
    assert lines[2].params[:2] == [q.nick, nick]


def test_whowas_count_limits_entries_newest_first(user, connect, uniq):
    nick = uniq("wc")
    for real in ("First Holder", "Second Holder"):
        c = connect().register(nick, realname=real)
        c.send("QUIT")
        c.expect_closed()
    q = user("wcq")
    q.send("WHOWAS %s" % nick)
    rows = by(q.collect_until("369"), "314")
    assert [r.params[-1] for r in rows] == ["Second Holder", "First Holder"]
    q.send("WHOWAS %s 1" % nick)
    rows = by(q.collect_until("369"), "314")
    assert [r.params[-1] for r in rows] == ["Second Holder"]


def test_whowas_after_nick_change(user, uniq):
    a = user("wnc")
    old = a.nick
    a.send("NICK %sx" % old)
    a.expect("NICK")
    q = user("wncq")
    q.send("WHOWAS %s" % old)
    lines = q.collect_until("369")
    assert by(lines, "314") and by(lines, "314")[0].params[1] == old


def test_whowas_unknown_406_369(user):
    q = user("wwu")
    q.send("WHOWAS never_was_here")
    lines = q.collect_until("369")
    assert [m.command for m in lines] == ["406", "369"]
    assert lines[0].params[:2] == [q.nick, "never_was_here"]
    q.send("WHOWAS")
    assert q.expect(("431", "461")).command == "431"


# --------------------------------------------------------------------------
# ISON, USERHOST


def test_ison(user):
    a = user("is")
    b = user("isb")
    a.send("ISON %s nobody_ison %s" % (b.nick, a.nick.upper()))
    m = a.expect("303")
    assert m.params[0] == a.nick
    assert sorted(m.params[1].split()) == sorted([b.nick, a.nick])
    a.send("ISON nobody_ison")
    assert a.expect("303").params[1].strip() == ""


def test_userhost(user):
    a = user("uh")
    b = user("uhb")
    b.send("AWAY :away")
    b.expect("306")
    a.send("USERHOST %s %s nobody_uh" % (a.nick, b.nick))
    m = a.expect("302")
    assert m.params[0] == a.nick
    replies = m.params[1].split()
    assert len(replies) == 2
    pat = r"^%s=([+-])(~?u)@127\.0\.0\.1$"
    ma = re.match(pat % re.escape(a.nick), replies[0])
    mb = re.match(pat % re.escape(b.nick), replies[1])
    assert ma and ma.group(1) == "+", replies
    assert mb and mb.group(1) == "-", replies


# --------------------------------------------------------------------------
# Server information


def test_motd_command(user, conf_tools):
    c = user("motd")
    c.send("MOTD")
    lines = c.collect_until(("376", "422"))
    cs = [m.command for m in lines]
    assert cs[0] == "375" and cs[-1] == "376" and set(cs[1:-1]) == {"372"}, cs
    for m in lines:
        assert m.source == "irc.test" and m.params[0] == c.nick
    texts = [m.params[-1] for m in lines[1:-1]]
    assert len(texts) == len(conf_tools.motd_lines)
    for want, got in zip(conf_tools.motd_lines, texts):
        assert want in got


def test_lusers_counts(make_server):
    srv = make_server()
    a = srv.client().register("lua")
    b = srv.client().register("lub")
    c = srv.client().register("luc")
    c.send("MODE luc +i")
    c.expect("MODE")
    a.send("JOIN #lu1")
    a.expect("366")
    a.send("JOIN #lu2")
    a.expect("366")
    pending = srv.client()  # connected, not registered
    pending.send("NICK pend")
    pending.sync()
    a.send("LUSERS")
    lines = a.collect_until("266")
    got = {m.command: m for m in lines}
    for code in ("251", "255", "265", "266"):
        assert code in got, lines
    nums = lambda m: [int(x) for x in re.findall(r"\d+", m.params[-1])]
    users, invisible, servers = nums(got["251"])
    assert (users + invisible, invisible, servers) == (3, 1, 1), got["251"]
    assert "252" not in got  # no operators
    assert got["253"].params[1] == "1", got.get("253")
    assert got["254"].params[1] == "2", got.get("254")
    clients = nums(got["255"])
    assert clients[0] == 3 and clients[1] == 0, got["255"]
    for code in ("265", "266"):
        m = got[code]
        if len(m.params) >= 4:
            assert m.params[1:3] == ["3", "3"], m
        assert nums(m)[:2] == [3, 3], m
    # one leaves: counts follow, the maximum stays
    b.send("QUIT")
    b.expect_closed()
    a.send("LUSERS")
    lines = a.collect_until("266")
    got = {m.command: m for m in lines}
    assert nums(got["255"])[0] == 2
    assert nums(got["265"])[:2] == [2, 3]
    assert nums(got["266"])[:2] == [2, 3]


def test_version(user):
    c = user("ver")
    c.send("VERSION")
    m = c.expect("351")
    assert m.source == "irc.test" and m.params[0] == c.nick
    assert m.params[2] == "irc.test"
    assert m.params[1]
    lines = c.collect_until("005")
    tok = c.isupport(lines + c.sync())
    assert tok.get("NETWORK") == "TestNet"


def test_time(user):
    c = user("time")
    c.send("TIME")
    m = c.expect("391")
    assert m.source == "irc.test"
    assert m.params[:2] == [c.nick, "irc.test"]
    assert m.params[-1]


def test_admin(user, conf_tools):
    c = user("adm")
    c.send("ADMIN")
    lines = c.collect_until("259")
    cs = [m.command for m in lines if m.command.isdigit()]
    assert cs == ["256", "257", "258", "259"]
    got = {m.command: m for m in lines}
    assert got["256"].params[:2] == [c.nick, "irc.test"]
    assert conf_tools.admin["name"] in got["257"].params[-1]
    assert conf_tools.admin["location"] in got["258"].params[-1]
    assert conf_tools.admin["email"] in got["259"].params[-1]


def test_info(user):
    c = user("inf")
    c.send("INFO")
    lines = c.collect_until("374")
    cs = [m.command for m in lines]
    assert cs[-1] == "374" and "371" in cs
    assert set(cs[:-1]) == {"371"}, cs
    for m in lines:
        assert m.params[0] == c.nick


def test_help(user):
    c = user("hlp")
    c.send("HELP")
    lines = c.collect_until("706")
    cs = [m.command for m in lines]
    assert cs[0] == "704" and "705" in cs and set(cs[1:-1]) == {"705"}, cs
    c.send("HELP PRIVMSG")
    lines = c.collect_until("706")
    cs = [m.command for m in lines]
    assert cs[0] == "704" and set(cs[1:-1]) <= {"705"}
    assert lines[0].params[1].upper() == "PRIVMSG"
    assert lines[-1].params[1].upper() == "PRIVMSG"
    c.send("HELP privmsg")
    assert c.expect(("704", "524")).command == "704"
    c.collect_until("706")
    c.send("HELP bogus_topic")
    m = c.expect(("524", "704"))
    assert m.command == "524" and m.params[:2] == [c.nick, "bogus_topic"]
    c.assert_alive()
