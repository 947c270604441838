"""Connection registration, NICK rules, PING/PONG, timeouts, PASS and CAP."""
import time


def codes(lines):
    return [m.command for m in lines]


# --------------------------------------------------------------------------
# The welcome burst


def check_burst(c, nick, limits, motd_lines):
    lines = c.welcome
    cs = codes(lines)
    for m in lines:
        if m.command.isdigit():
            assert m.source == "irc.test", m
            assert m.params[0] == nick, m
    for code in ("001", "002", "003", "004", "005", "251", "255", "265", "266", "375", "372", "376"):
        assert code in cs, "%s missing from the welcome burst: %s" % (code, cs)
    # 001..004 in order, then the 005 lines, then LUSERS, then the MOTD.
    first005 = cs.index("005")
    last005 = len(cs) - 1 - cs[::-1].index("005")
    assert cs.index("001") < cs.index("002") < cs.index("003") < cs.index("004") < first005
    assert set(cs[first005:last005 + 1]) == {"005"}, cs
    lusers = [i for i, x in enumerate(cs) if x in ("251", "252", "253", "254", "255", "265", "266")]
    assert last005 < min(lusers) and max(lusers) < cs.index("375")
    assert cs.index("251") < cs.index("255") < cs.index("265") < cs.index("266")
    assert cs.index("375") < cs.index("372") < cs.index("376") == len(cs) - 1
    welcome = lines[cs.index("001")]
    assert nick in welcome.params[-1]
    assert "TestNet" in welcome.params[-1]
    myinfo = lines[cs.index("004")]
    assert myinfo.params[1] == "irc.test"
    assert len(myinfo.params) >= 5, myinfo
    motd = [m.params[-1] for m in lines if m.command == "372"]
    for text in motd_lines:
        assert any(text in line for line in motd), (text, motd)


def test_nick_then_user_gets_full_burst(connect, uniq, limits, conf_tools):
    c = connect()
    nick = uniq("reg")
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :Real Name")
    c.welcome = c.collect_until("376")
    check_burst(c, nick, limits, conf_tools.motd_lines)


def test_user_then_nick_gets_full_burst(connect, uniq, limits, conf_tools):
    c = connect()
    nick = uniq("reg")
    c.send("USER u 0 * :Real Name")
    c.send("NICK %s" % nick)
    c.welcome = c.collect_until("376")
    check_burst(c, nick, limits, conf_tools.motd_lines)


def test_welcome_shows_nick_user_host(connect, uniq):
    c = connect()
    nick = uniq("host")
    c.register(nick, user="ident")
    welcome = [m for m in c.welcome if m.command == "001"][0]
    last = welcome.params[-1].split()[-1]
    name, _, rest = last.partition("!")
    user, _, host = rest.partition("@")
    assert name == nick
    assert user in ("ident", "~ident")
    assert host == "127.0.0.1"


def test_isupport_tokens(user, limits):
    c = user("isup")
    tok = c.isupport()
    assert tok.get("CASEMAPPING") == "rfc1459"
    assert tok.get("CHANTYPES") == "#"
    assert tok.get("CHANMODES") == "beIq,k,l,COimnpst"
    assert tok.get("PREFIX") == "(ov)@+"
    assert tok.get("STATUSMSG") == "@+"
    assert tok.get("NICKLEN") == str(limits["nicklen"])
    assert tok.get("CHANNELLEN") == str(limits["channellen"])
    assert tok.get("TOPICLEN") == str(limits["topiclen"])
    assert tok.get("KICKLEN") == str(limits["kicklen"])
    assert tok.get("AWAYLEN") == str(limits["awaylen"])
    assert tok.get("MODES", "").isdigit() and int(tok["MODES"]) >= 1, tok.get("MODES")
    assert tok.get("MAXTARGETS") == str(limits["max_targets"])
    assert "TARGMAX" in tok
    targmax = dict(item.partition(":")[::2] for item in tok["TARGMAX"].split(","))
    assert targmax.get("PRIVMSG") == str(limits["max_targets"]), tok["TARGMAX"]
    assert targmax.get("NOTICE") == str(limits["max_targets"]), tok["TARGMAX"]
    assert tok.get("EXCEPTS") in ("", "e")
    assert tok.get("INVEX") in ("", "I")
    assert tok.get("NETWORK") == "TestNet"
    assert sorted(tok.get("ELIST", "")) == sorted("CMNTU")
    assert tok.get("CHANLIMIT") == "#:%d" % limits["max_channels"]
    assert tok.get("MAXLIST") == "beIq:%d" % limits["max_list"]
    for m in c.welcome:
        if m.command == "005":
            assert m.params[-1] == "are supported by this server", m
            assert len(m.line.encode()) + 2 <= 512


def test_no_motd_file_gives_422(make_server, uniq):
    srv = make_server(motd=None)
    c = srv.client()
    c.register(uniq("nomotd"))
    cs = codes(c.welcome)
    assert cs[-1] == "422"
    assert "375" not in cs and "372" not in cs
    c.send("MOTD")
    m = c.expect(("422", "375", "376"))
    assert m.command == "422" and m.params[0] == c.nick
    c.assert_alive()


# --------------------------------------------------------------------------
# Registration errors


def test_commands_before_registration_get_451(connect):
    c = connect()
    for line in ("JOIN #early", "PRIVMSG someone :hi", "MODE x", "WHOIS x", "TOPIC #x"):
        c.send(line)
        m = c.expect("451")
        assert m.params[0] == "*", m
        assert m.source == "irc.test"
    # and registration still works afterwards
    c.register("late451")
    c.assert_alive()


def test_unknown_command_421_before_registration(connect):
    c = connect()
    c.send("FOOBARBAZ x y")
    m = c.expect("421")
    assert m.params[:2] == ["*", "FOOBARBAZ"]


def test_unknown_command_421_after_registration(user):
    c = user("unk")
    c.send("FOOBARBAZ x y")
    m = c.expect("421")
    assert m.params[:2] == [c.nick, "FOOBARBAZ"]
    c.assert_alive()


def test_pass_after_registration_462(user):
    c = user("pass")
    c.send("PASS secret")
    m = c.expect("462")
    assert m.params[0] == c.nick
    c.assert_alive()


def test_user_twice_462(user):
    c = user("usr2")
    c.send("USER u 0 * :Again")
    m = c.expect("462")
    assert m.params[0] == c.nick
    c.assert_alive()


def test_user_without_enough_params_461(connect):
    c = connect()
    c.send("USER onlyone")
    m = c.expect("461")
    assert m.params[:2] == ["*", "USER"]


def test_nick_without_param_431(connect, user):
    c = connect()
    c.send("NICK")
    assert c.expect("431").params[0] == "*"
    r = user("nick431")
    r.send("NICK")
    assert r.expect("431").params[0] == r.nick
    r.assert_alive()


def test_erroneous_nicks_432(connect, limits):
    c = connect()
    bad = ["9startsdigit", "-dashfirst", "has.dot", "has*star", "has@at", "has!bang",
           "has,comma", "n\u00e9ck", "has#hash",
           "x" * (limits["nicklen"] + 1)]
    for nick in bad:
        c.send("NICK %s" % nick)
        m = c.expect(("432", "001", "433"))
        assert m.command == "432", (nick, m)
        assert m.params[:2] == ["*", nick], m
    # The longest allowed nick, with every special character, is fine.
    ok = ("a[]\\`_^{|}-9" + "z" * limits["nicklen"])[: limits["nicklen"]]
    c.register(ok)
    assert [m for m in c.welcome if m.command == "001"][0].params[0] == ok


def test_erroneous_nick_change_after_registration(user):
    c = user("nchg")
    c.send("NICK 1bad")
    m = c.expect("432")
    assert m.params[:2] == [c.nick, "1bad"]
    c.assert_alive()


def test_nick_in_use_433(user, connect, uniq):
    a = user("dup")
    b = connect()
    b.send("NICK %s" % a.nick)
    m = b.expect("433")
    assert m.params[:2] == ["*", a.nick]
    # b can still register with another nick
    b.register(uniq("dupb"))
    b.send("NICK %s" % a.nick)
    m = b.expect("433")
    assert m.params[:2] == [b.nick, a.nick]
    b.assert_alive()


def test_nick_in_use_is_rfc1459_case_insensitive(connect, uniq):
    base = uniq("cm")
    a = connect().register("Foo[%s]\\" % base)
    b = connect()
    other = "fOO{%s}|" % base
    b.send("NICK %s" % other)
    m = b.expect(("433", "001"))
    assert m.command == "433" and m.params[1] == other, m
    b.send("NICK %s" % base.upper())
    b.send("USER u 0 * :r")
    b.expect("001")
    a.assert_alive()


# --------------------------------------------------------------------------
# PING / PONG


def test_ping_gets_pong_from_server(user):
    c = user("ping")
    c.send("PING token123")
    m = c.expect("PONG")
    assert m.source == "irc.test"
    assert m.params == ["irc.test", "token123"]
    c.send("PING :two words")
    m = c.expect("PONG")
    assert m.params == ["irc.test", "two words"]


def test_ping_before_registration(connect):
    c = connect()
    c.send("PING early")
    m = c.expect("PONG")
    assert m.source == "irc.test" and m.params == ["irc.test", "early"]


def test_ping_without_token(user):
    c = user("ping0")
    c.send("PING")
    m = c.expect(("409", "461", "PONG"))
    assert m.command in ("409", "461"), m
    assert m.params[0] == c.nick
    c.assert_alive()


# --------------------------------------------------------------------------
# Timeouts (a dedicated server with small timers)


def test_registration_timeout(make_server):
    srv = make_server({"class default": {"connection_timeout": "2", "ping_frequency": "30"}})
    start = time.monotonic()
    idle = srv.client()
    half = srv.client()
    half.send("NICK halfway")
    capper = srv.client()  # negotiation never ended
    capper.send("CAP LS 302")
    capper.send("NICK capper")
    capper.send("USER u 0 * :r")
    for c in (idle, half, capper):
        lines = c.expect_closed(timeout=5)
        errors = [m for m in lines if m.command == "ERROR"]
        assert len(errors) == 1, lines
        assert "timed out" in errors[0].params[-1].lower() or "timeout" in errors[0].params[-1].lower(), errors
        assert not any(m.command == "001" for m in lines)
    assert time.monotonic() - start < 5
    # the server still accepts and registers others
    ok = srv.client()
    ok.register("afterto")
    ok.assert_alive()


def test_ping_timeout(make_server):
    srv = make_server({"class default": {"connection_timeout": "10", "ping_frequency": "1"}})
    silent = srv.client().register("silent")
    polite = srv.client().register("polite")
    silent.auto_pong = False
    lines = []
    closed = False
    deadline = time.monotonic() + 8
    while not closed and time.monotonic() < deadline:
        polite.quiet(0.1)  # answers its PINGs
        try:
            lines.append(silent.recv(0.1))
        except TimeoutError:
            pass
        except ConnectionError:
            closed = True
    assert closed, "silent client still connected after 8 s: %s" % lines
    assert any(m.command == "PING" for m in lines), lines
    errors = [m for m in lines if m.command == "ERROR"]
    assert errors and "Ping timeout" in errors[0].params[-1], lines
    # the client that answered its PINGs is still connected
    polite.assert_alive()


# --------------------------------------------------------------------------
# PASS and [auth] password


def password_server(make_server):
    return make_server({"auth everyone": {"password": "letmein"}})


def test_password_accepted(make_server):
    srv = password_server(make_server)
    c = srv.client().register("goodpw", password="letmein")
    assert any(m.command == "001" for m in c.welcome)
    c.assert_alive()


def test_password_wrong_464_then_error(make_server):
    srv = password_server(make_server)
    c = srv.client()
    c.send("PASS wrong")
    c.send("NICK badpw")
    c.send("USER u 0 * :r")
    lines = c.expect_closed()
    cs = codes(lines)
    assert "464" in cs and "ERROR" in cs, lines
    assert cs.index("464") < cs.index("ERROR")
    assert "001" not in cs
    # the server is fine
    srv.client().register("afterbad", password="letmein").assert_alive()


def test_password_missing_464(make_server):
    srv = password_server(make_server)
    c = srv.client()
    c.send("NICK nopw")
    c.send("USER u 0 * :r")
    lines = c.expect_closed()
    cs = codes(lines)
    assert "464" in cs and "ERROR" in cs and "001" not in cs, lines


# --------------------------------------------------------------------------
# CAP


def cap_ls(c, version="302"):
    """Send CAP LS; return {name: value} from all (multiline) replies."""
    c.send("CAP LS %s" % version if version else "CAP LS")
    caps = {}
    while True:
        m = c.expect("CAP")
        assert m.source == "irc.test"
        assert m.params[1] == "LS", m
        for item in m.params[-1].split():
            k, _, v = item.partition("=")
            caps[k] = v
        if not (len(m.params) == 4 and m.params[2] == "*"):
            return caps


def test_cap_ls_lists_caps(connect):
    c = connect()
    caps = cap_ls(c)
    assert "multi-prefix" in caps
    assert "userhost-in-names" in caps


def test_cap_ls_holds_registration_until_cap_end(connect, uniq):
    c = connect()
    cap_ls(c)
    nick = uniq("capls")
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :r")
    early = c.quiet(0.6)
    assert not any(m.command == "001" for m in early), early
    c.send("CAP END")
    m = c.expect("001")
    assert m.params[0] == nick
    c.expect("376")


def test_cap_req_holds_registration_until_cap_end(connect, uniq):
    c = connect()
    c.send("CAP REQ :multi-prefix")
    nick = uniq("capreq")
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :r")
    ack = c.expect("CAP")
    assert ack.params[1:] == ["ACK", "multi-prefix"], ack
    early = c.quiet(0.6)
    assert not any(m.command == "001" for m in early), early
    c.send("CAP END")
    c.expect("001")
    c.expect("376")


def test_cap_req_ack_nak_and_list(connect, uniq):
    c = connect()
    c.send("CAP LS 302")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "LS" and m.params[2] != "*")
    c.send("CAP REQ :multi-prefix")
    m = c.expect("CAP")
    assert m.params == ["*", "ACK", "multi-prefix"]
    c.send("CAP REQ :bogus-capability")
    m = c.expect("CAP")
    assert m.params == ["*", "NAK", "bogus-capability"]
    # all or nothing: one unknown name refuses the whole request
    c.send("CAP REQ :userhost-in-names bogus-capability")
    m = c.expect("CAP")
    assert m.params[1] == "NAK"
    assert m.params[2].split() == ["userhost-in-names", "bogus-capability"]
    c.send("CAP LIST")
    m = c.expect("CAP")
    assert m.params[1] == "LIST"
    # CAP LS 302 implicitly enables cap-notify (IRCv3 capability negotiation)
    assert set(m.params[-1].split()) - {"cap-notify"} == {"multi-prefix"}
    c.send("CAP END")
    nick = uniq("caplist")
    c.register(nick)
    c.send("CAP LIST")
    m = c.expect("CAP")
    assert m.params[0] == nick and m.params[1] == "LIST"
    assert set(m.params[-1].split()) - {"cap-notify"} == {"multi-prefix"}


def test_cap_unknown_subcommand_410(connect, user):
    c = connect()
    c.send("CAP FROB")
    m = c.expect("410")
    assert m.params[:2] == ["*", "FROB"]
    r = user("cap410")
    r.send("CAP FROB")
    m = r.expect("410")
    assert m.params[:2] == [r.nick, "FROB"]
    r.assert_alive()


def test_cap_after_registration(user):
    c = user("capafter")
    c.send("CAP REQ :userhost-in-names")
    m = c.expect("CAP")
    assert m.params == [c.nick, "ACK", "userhost-in-names"]
    # CAP END outside negotiation is ignored
    c.send("CAP END")
    assert c.sync() == []
    c.assert_alive()


def test_cap_req_minus_disables(connect, uniq):
    c = connect()
    c.send("CAP REQ :multi-prefix userhost-in-names")
    assert c.expect("CAP").params[1] == "ACK"
    c.send("CAP REQ :-multi-prefix")
    m = c.expect("CAP")
    assert m.params == ["*", "ACK", "-multi-prefix"]
    c.send("CAP LIST")
    m = c.expect("CAP")
    assert set(m.params[-1].split()) == {"userhost-in-names"}
    c.send("CAP END")
    c.register(uniq("capm"))


def test_multi_prefix_names(connect, user, uniq, channel):
    op = user("mpop")
    ch = channel("mp")
    op.join(ch)
    op.send("MODE %s +v %s" % (ch, op.nick))
    op.expect("MODE")
    plain = user("mpplain")
    plain.send("NAMES %s" % ch)
    names = plain.expect("353").params[-1].split()
    assert names == ["@" + op.nick], names
    mp = connect()
    mp.send("CAP REQ :multi-prefix")
    mp.expect("CAP")
    mp.send("CAP END")
    mp.register(uniq("mpcap"))
    mp.send("NAMES %s" % ch)
    names = mp.expect("353").params[-1].split()
    assert names == ["@+" + op.nick], names
    # WHO shows every prefix too with multi-prefix, the highest without
    mp.send("WHO %s" % ch)
    row = mp.expect("352")
    assert row.params[5] == op.nick and row.params[6] == "H@+", row
    mp.expect("315")
    plain.send("WHO %s" % ch)
    row = plain.expect("352")
    assert row.params[6] == "H@", row
    plain.expect("315")


def test_userhost_in_names(connect, user, uniq, channel):
    a = user("uhA")
    ch = channel("uh")
    a.join(ch)
    c = connect()
    c.send("CAP REQ :userhost-in-names")
    c.expect("CAP")
    c.send("CAP END")
    c.register(uniq("uhB"), user="bob")
    c.send("JOIN %s" % ch)
    names = c.expect("353").params[-1].split()
    c.expect("366")
    by_nick = {n.lstrip("@+").split("!")[0]: n for n in names}
    assert set(by_nick) == {a.nick, c.nick}
    assert by_nick[a.nick] in ("@%s!u@127.0.0.1" % a.nick, "@%s!~u@127.0.0.1" % a.nick)
    assert by_nick[c.nick] in ("%s!bob@127.0.0.1" % c.nick, "%s!~bob@127.0.0.1" % c.nick)
