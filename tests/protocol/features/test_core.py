"""The core client protocol (RFC 2812 / modern.ircdocs.horse): replies and errors."""
import socket
import time


def numeric(c, code):
    return c.expect(code)


def fresh(server, nick, **kw):
    return server.client().register(nick, **kw)


def test_welcome_burst_and_isupport(server):
    c = server.client()
    c.send("NICK burst")
    c.send("USER u 0 * :Real")
    lines = c.collect(lambda m: m.command in ("376", "422"))
    codes = [m.command for m in lines]
    for code in ("001", "002", "003", "004", "005", "251", "255", "265", "266"):
        assert code in codes
    assert codes.index("001") < codes.index("005") < codes.index("251")
    tokens = {}
    for m in lines:
        if m.command == "005":
            for t in m.params[1:-1]:
                k, _, v = t.partition("=")
                tokens[k] = v
    assert tokens["CASEMAPPING"] == "rfc1459"
    assert tokens["CHANMODES"] == "beIq,k,l,COimnpst"
    assert tokens["PREFIX"] == "(ov)@+"
    assert tokens["STATUSMSG"] == "@+"
    for k in ("CHANTYPES", "NICKLEN", "CHANNELLEN", "TOPICLEN", "KICKLEN", "AWAYLEN", "MODES",
              "MAXTARGETS", "TARGMAX", "EXCEPTS", "INVEX", "NETWORK", "ELIST", "CHANLIMIT",
              "MAXLIST"):
        assert k in tokens
    c.close()


def test_registration_errors(server):
    c = server.client()
    c.send("JOIN #x")
    c.expect("451")
    c.send("NICK")
    c.expect("431")
    c.send("NICK 9digit")
    c.expect("432")
    c.send("NICK " + "n" * 40)
    c.expect("432")
    c.send("FOOBAR")
    c.expect("421")
    c.send("NICK regerr")
    c.send("USER u 0 * :r")
    c.expect("001")
    c.send("USER u 0 * :r")
    c.expect("462")
    c.send("PASS late")
    c.expect("462")
    c.close()


def test_nick_in_use_is_case_insensitive(server):
    a = fresh(server, "Case[x]")
    b = server.client()
    b.send("NICK case{X}")
    assert b.expect("433").params[1] == "case{X}"
    a.close()
    b.close()


def test_ping_pong(server):
    c = fresh(server, "pinger")
    c.send("PING :token123")
    pong = c.expect("PONG")
    assert pong.params == ["irc.test", "token123"] and pong.source == "irc.test"
    c.send("PING")
    c.expect("409")
    c.close()


def test_nick_change_seen_once_by_each_shared_member(server):
    a = fresh(server, "nickA")
    b = fresh(server, "nickB")
    for ch in ("#n1", "#n2"):
        for x in (a, b):
            x.send("JOIN %s" % ch)
            x.expect("366")
    a.send("NICK nickA2")
    assert a.expect("NICK").params == ["nickA2"]
    seen = [m for m in b.quiet(0.4) if m.command == "NICK"]
    assert len(seen) == 1 and seen[0].nick == "nickA" and seen[0].params == ["nickA2"]
    a.close()
    b.close()


def test_quit_seen_once_and_error_to_quitter(server):
    a = fresh(server, "quitA")
    b = fresh(server, "quitB")
    for ch in ("#q1", "#q2"):
        for x in (a, b):
            x.send("JOIN %s" % ch)
            x.expect("366")
    a.send("QUIT :see you")
    assert "Quit: see you" in a.expect("ERROR").params[-1]
    quits = [m for m in b.quiet(0.4) if m.command == "QUIT"]
    assert len(quits) == 1 and quits[0].params == ["Quit: see you"]
    b.close()


def test_join_topic_names_and_first_op(server):
    a = fresh(server, "joinA")
    a.send("JOIN #jt")
    assert a.expect("JOIN").params == ["#jt"]
    names = a.expect("353")
    assert names.params[1:] == ["=", "#jt", "@joinA"]
    a.expect("366")
    a.send("TOPIC #jt :the topic")
    assert a.expect("TOPIC").params == ["#jt", "the topic"]
    b = fresh(server, "joinB")
    b.send("JOIN #jt")
    assert b.expect("332").params[-1] == "the topic"
    who = b.expect("333")
    assert who.params[2].startswith("joinA!")
    assert set(b.expect("353").params[-1].split()) == {"@joinA", "joinB"}
    b.send("TOPIC #jt")
    assert b.expect("332").params[-1] == "the topic"
    a.close()
    b.close()


def test_join_errors(server):
    op = fresh(server, "jop")
    op.send("JOIN #locked")
    op.expect("366")
    op.send("MODE #locked +kli sesame 1")
    op.expect("MODE")
    c = fresh(server, "jerr")
    c.send("JOIN nohash")
    c.expect("403")
    c.send("JOIN #bad\x07chan")
    c.expect("476")
    c.send("JOIN #locked")
    c.expect("475")
    c.send("JOIN #locked sesame")
    c.expect("473")
    op.send("MODE #locked -i")
    op.expect("MODE")
    c.send("JOIN #locked sesame")
    c.expect("471")
    op.send("MODE #locked +i-l")
    op.expect("MODE")
    op.send("INVITE jerr #locked")
    op.expect("341")
    assert c.expect("INVITE").params == ["jerr", "#locked"]
    c.send("JOIN #locked")
    c.expect("366")
    c.send("JOIN 0")
    assert c.expect("PART").params[0] == "#locked"
    op.close()
    c.close()


def test_bans_exceptions_and_invex(server):
    op = fresh(server, "bop")
    op.send("JOIN #bans")
    op.expect("366")
    op.send("MODE #bans +b banned")
    assert op.expect("MODE").params == ["#bans", "+b", "banned!*@*"]
    c = fresh(server, "banned")
    c.send("JOIN #bans")
    c.expect("474")
    op.send("MODE #bans +e banned!*@*")
    op.expect("MODE")
    c.send("JOIN #bans")
    c.expect("366")
    op.send("MODE #bans b")
    lst = op.collect("368")
    assert [m.params[2] for m in lst if m.command == "367"] == ["banned!*@*"]
    op.send("MODE #bans e")
    assert op.expect("348").params[2] == "banned!*@*"
    op.expect("349")
    op.send("MODE #bans +iI invited!*@*")
    op.expect("MODE")
    d = fresh(server, "invited")
    d.send("JOIN #bans")
    d.expect("366")
    for x in (op, c, d):
        x.close()


def test_chanlimit_and_maxlist(make_server):
    srv = make_server("\n[limits]\nmax_channels = 2\nmax_list = 2\n")
    c = srv.client().register("limited")
    c.send("JOIN #l1,#l2,#l3")
    c.expect("366")
    c.expect("366")
    assert c.expect("405").params[1] == "#l3"
    c.send("MODE #l1 +bbb a b c")
    full = c.expect("478")
    assert full.params[1:3] == ["#l1", "c!*@*"]
    assert c.expect("MODE").params == ["#l1", "+bb", "a!*@*", "b!*@*"]
    c.close()


def test_part_kick_and_errors(server):
    op = fresh(server, "kop")
    v = fresh(server, "kvictim")
    for x in (op, v):
        x.send("JOIN #kick")
        x.expect("366")
    v.send("KICK #kick kop :nope")
    v.expect("482")
    op.send("KICK #kick nobody")
    op.expect("401")
    op.send("KICK #kick kvictim :" + "r" * 400)
    kick = v.expect("KICK")
    assert kick.params[:2] == ["#kick", "kvictim"] and len(kick.params[2]) == 255
    op.send("NAMES #kick")
    assert op.expect("353").params[-1] == "@kop"
    v.send("PART #kick")
    v.expect("442")
    v.send("PART #nosuch")
    v.expect("403")
    op.send("KICK #kick kvictim")
    op.expect("441")
    op.close()
    v.close()


def test_topic_lock_and_length(server):
    op = fresh(server, "top")
    u = fresh(server, "tuser")
    for x in (op, u):
        x.send("JOIN #topic")
        x.expect("366")
    u.send("TOPIC #topic :mine")
    u.expect("482")
    op.send("TOPIC #topic :" + "t" * 450)
    assert len(op.expect("TOPIC").params[1]) == 390
    op.send("MODE #topic -t")
    op.expect("MODE")
    u.send("TOPIC #topic :now mine")
    assert u.expect(lambda m: m.command == "TOPIC" and m.nick == "tuser").params[1] == "now mine"
    out = fresh(server, "tout")
    out.send("TOPIC #topic :x")
    out.expect("442")
    for x in (op, u, out):
        x.close()


def test_secret_channel_hidden_from_outsiders(server):
    op = fresh(server, "sop")
    op.send("JOIN #hidden")
    op.expect("366")
    op.send("MODE #hidden +s")
    op.expect("MODE")
    out = fresh(server, "sout")
    out.send("LIST")
    listed = [m.params[1] for m in out.collect("323") if m.command == "322"]
    assert "#hidden" not in listed
    out.send("NAMES #hidden")
    assert out.expect(lambda m: m.command in ("353", "366")).command == "366"
    out.send("WHOIS sop")
    lines = out.collect("318")
    assert not any(m.command == "319" and "#hidden" in m.params[-1] for m in lines)
    op.send("NAMES #hidden")
    assert op.expect("353").params[1] == "@"
    op.close()
    out.close()


def test_list_with_elist_filters(server):
    a = fresh(server, "lister")
    for ch in ("#big1", "#small1"):
        a.send("JOIN %s" % ch)
        a.expect("366")
    b = fresh(server, "lister2")
    b.send("JOIN #big1")
    b.expect("366")
    b.send("LIST >1")
    listed = {m.params[1]: m.params[2] for m in b.collect("323") if m.command == "322"}
    assert "#big1" in listed and "#small1" not in listed and listed["#big1"] == "2"
    b.send("LIST #small*")
    listed = [m.params[1] for m in b.collect("323") if m.command == "322"]
    assert listed == ["#small1"]
    a.close()
    b.close()


def test_channel_modes_echo_only_changes(server):
    op = fresh(server, "mop")
    v = fresh(server, "mvoice")
    for x in (op, v):
        x.send("JOIN #modes")
        x.expect("366")
    op.send("MODE #modes +ov-v mvoice mvoice mvoice")
    echo = op.expect("MODE")
    assert echo.params == ["#modes", "+ov-v", "mvoice", "mvoice", "mvoice"]
    assert v.expect("MODE").params == echo.params
    # +n is already set: nothing changes, nothing is echoed.
    op.send("MODE #modes +n")
    op.send("MODE #modes +m")
    assert op.expect("MODE").params[1] == "+m"
    op.send("MODE #modes +Z")
    op.expect("472")
    op.send("MODE #modes +o nobodyhere")
    op.expect("401")
    op.send("MODE #modes +k key1")
    op.expect("MODE")
    op.send("MODE #modes +k key2")
    op.expect("467")
    op.send("MODE #modes")
    mode = op.expect("324")
    assert mode.params[2].startswith("+") and "k" in mode.params[2] and mode.params[3] == "key1"
    op.expect("329")
    op.close()
    v.close()


def test_user_modes(server):
    c = fresh(server, "umoder")
    c.send("MODE umoder +iw")
    assert c.expect("MODE").params == ["umoder", "+iw"]
    c.send("MODE umoder +o")
    c.send("MODE umoder")
    assert c.expect("221").params[1] == "+iw"
    c.send("MODE umoder +Q")
    c.expect("501")
    other = fresh(server, "umother")
    c.send("MODE umother +i")
    c.expect("502")
    c.close()
    other.close()


def test_privmsg_rules(server):
    op = fresh(server, "pop")
    m = fresh(server, "pmember")
    out = fresh(server, "pout")
    for x in (op, m):
        x.send("JOIN #rules")
        x.expect("366")
    out.send("PRIVMSG #rules :from outside")
    out.expect("404")
    out.send("NOTICE #rules :quiet")
    out.send("PRIVMSG")
    out.expect("411")
    out.send("PRIVMSG pmember")
    out.expect("412")
    out.send("PRIVMSG nosuchnick :hi")
    out.expect("401")
    out.send("PRIVMSG a,b,c,d,e :hi")
    out.expect("407")
    op.send("MODE #rules +m")
    op.expect("MODE")
    m.send("PRIVMSG #rules :silenced")
    m.expect("404")
    op.send("MODE #rules +v pmember")
    op.expect("MODE")
    m.send("PRIVMSG #rules :now heard")
    assert op.expect("PRIVMSG").params[1] == "now heard"
    m.send("PRIVMSG @#rules :ops only")
    assert op.expect("PRIVMSG").params == ["@#rules", "ops only"]
    assert not any(x.command == "404" for x in out.quiet(0.2))
    for x in (op, m, out):
        x.close()


def test_channel_message_reaches_each_member_once(server):
    members = [fresh(server, "fan%02d" % i) for i in range(30)]
    for x in members:
        x.send("JOIN #fan")
        x.expect("366")
    members[0].send("PRIVMSG #fan :to all")
    for x in members[1:]:
        got = [m for m in x.quiet(0.3) if m.command == "PRIVMSG"]
        assert len(got) == 1 and got[0].params == ["#fan", "to all"]
    assert not any(m.command == "PRIVMSG" for m in members[0].quiet(0.2))
    for x in members:
        x.close()


def test_away(server):
    a = fresh(server, "awayer")
    b = fresh(server, "asker")
    a.send("AWAY :" + "a" * 400)
    a.expect("306")
    b.send("PRIVMSG awayer :hi")
    assert len(b.expect("301").params[-1]) == 255
    b.send("NOTICE awayer :hi")
    assert not any(m.command == "301" for m in b.quiet(0.3))
    a.send("AWAY")
    a.expect("305")
    a.close()
    b.close()


def test_who_whois_whowas(server):
    a = fresh(server, "whoA", realname="Who A")
    b = fresh(server, "whoB")
    for x in (a, b):
        x.send("JOIN #who")
        x.expect("366")
    b.send("WHO #who")
    rows = [m for m in b.collect("315") if m.command == "352"]
    row = [r for r in rows if r.params[5] == "whoA"][0]
    assert row.params[1:5] == ["#who", "~u", "127.0.0.1", "irc.test"]
    assert row.params[6] == "H@" and row.params[7] == "0 Who A"
    b.send("WHO whoA o")
    assert not any(m.command == "352" for m in b.collect("315"))
    b.send("WHOIS whoA")
    lines = b.collect("318")
    codes = [m.command for m in lines]
    for code in ("311", "319", "312", "317"):
        assert code in codes
    idle = [m for m in lines if m.command == "317"][0]
    assert int(idle.params[2]) >= 0 and int(idle.params[3]) > 1700000000
    b.send("WHOIS nobodyhere")
    b.expect("401")
    b.expect("318")
    a.send("QUIT")
    time.sleep(0.2)
    b.send("WHOWAS whoA")
    assert b.expect("314").params[1:4] == ["whoA", "~u", "127.0.0.1"]
    b.expect("369")
    b.send("WHOWAS neverwas")
    b.expect("406")
    b.close()


def test_ison_userhost_and_info_commands(server):
    c = fresh(server, "infoer")
    c.send("ISON infoer nobody")
    assert c.expect("303").params[-1] == "infoer"
    c.send("USERHOST infoer")
    assert c.expect("302").params[-1] == "infoer=+~u@127.0.0.1"
    c.send("VERSION")
    assert c.expect("351").params[1].startswith("evircd-")
    c.expect("005")
    c.send("TIME")
    c.expect("391")
    c.send("ADMIN")
    c.expect("423")
    c.send("INFO")
    c.collect("374")
    c.send("MOTD")
    c.expect("422")
    c.send("LUSERS")
    c.expect("251")
    c.expect("266")
    c.send("HELP")
    c.collect("706")
    c.send("HELP PRIVMSG")
    assert c.expect("704").params[1] == "PRIVMSG"
    c.collect("706")
    c.send("HELP nonsense")
    c.expect("524")
    c.close()


def test_long_lines_nul_and_garbage(server):
    c = fresh(server, "garbage")
    c.send("PRIVMSG garbage :" + "x" * 600)
    c.expect("417")
    c.sock.sendall(b"PRIVMSG garbage :nul\x00byte\r\n")
    c.expect(lambda m: m.command == "NOTICE" and "NUL" in m.params[-1])
    for junk in (b":\r\n", b"     \r\n", b"\r\n", b"\xff\xfe\xfd\r\n",
                 b"PRIVMSG " + b" ".join(b"p%d" % i for i in range(20)) + b"\r\n",
                 b"@a=b;c=d PING :tagged\r\n"):
        c.sock.sendall(junk)
    assert c.expect("PONG").params[-1] == "tagged"
    c.send("PING still")
    assert c.expect("PONG").params[-1] == "still"
    c.close()


def test_unterminated_flood_is_dropped(server):
    c = server.client()
    try:
        c.sock.sendall(b"A" * 20000)
    except OSError:
        pass
    assert "RecvQ exceeded" in c.expect("ERROR").params[-1]
    other = fresh(server, "stillhere")
    other.close()


def test_bare_lf_terminator(server):
    c = server.client()
    c.sock.sendall(b"NICK lfonly\nUSER u 0 * :r\n")
    c.expect("001")
    c.close()


def test_password_auth_block(make_server):
    srv = make_server().restart_with("class = default\n", "class = default\npassword = letmein\n")
    bad = srv.client()
    bad.send("PASS wrong")
    bad.send("NICK pw1")
    bad.send("USER u 0 * :r")
    bad.expect("464")
    bad.expect("ERROR")
    good = srv.client()
    good.send("PASS letmein")
    good.register("pw2")
    good.close()


def test_config_check_mode(tmp_path):
    import subprocess
    from ircclient import BINARY, BASE_CONFIG, free_port
    good = tmp_path / "good.conf"
    good.write_text(BASE_CONFIG.format(port=free_port()))
    assert subprocess.run([BINARY, "-t", "-c", str(good)], capture_output=True).returncode == 0
    bad = tmp_path / "bad.conf"
    bad.write_text(BASE_CONFIG.format(port="abc"))
    r = subprocess.run([BINARY, "-t", "-c", str(bad)], capture_output=True, text=True)
    assert r.returncode != 0
    assert "%s:11: port: 'abc' is not a whole number" % bad in r.stderr
