"""Conformance as clients and suites probe it (issue 12 items 2, 3, 8, secret
channels; issue 11's protocol-level limits)."""
import subprocess

import pytest

from ircclient import MKPASSWD, Server


@pytest.fixture(scope="module")
def osrv(tmp_path_factory):
    """A server with an operator block (admin / sekrit)."""
    pw = subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()
    s = Server(tmp_path_factory.mktemp("conform-oper"),
               "\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n" % pw)
    s.start()
    yield s
    s.stop()


def oper_up(srv, nick):
    c = srv.client().register(nick)
    c.send("OPER admin sekrit")
    c.expect("381")
    return c


def joined(c, ch):
    c.send("JOIN %s" % ch)
    c.expect(lambda m: m.command == "366" and m.params[1] == ch)


def sync(c, token="sync"):
    """Lines before the PONG of a PING: everything the earlier commands caused."""
    c.send("PING %s" % token)
    return c.collect(lambda m: m.command == "PONG" and m.params[-1] == token)[:-1]


# --------------------------------------------------------------------------
# KICK with lists (RFC 2812 3.2.8)


def test_kick_pairs_of_channels_and_users(server):
    op = server.client().register("kpOp")
    a = server.client().register("kpA")
    b = server.client().register("kpB")
    for ch in ("#kp1", "#kp2"):
        joined(op, ch)
    joined(a, "#kp1")
    joined(b, "#kp2")
    sync(op)
    op.send("KICK #kp1,#kp2 kpA,kpB :bye")
    lines = sync(op)
    kicks = [m for m in lines if m.command == "KICK"]
    assert [m.params for m in kicks] == [["#kp1", "kpA", "bye"], ["#kp2", "kpB", "bye"]], lines
    assert not any(m.command.isdigit() for m in lines), lines
    assert a.expect("KICK").params == ["#kp1", "kpA", "bye"]
    assert b.expect("KICK").params == ["#kp2", "kpB", "bye"]
    for x in (op, a, b):
        x.close()


def test_kick_one_channel_several_users_each_its_own_kick(server):
    op = server.client().register("k1Op")
    a = server.client().register("k1A")
    b = server.client().register("k1B")
    for x in (op, a, b):
        joined(x, "#k1")
    sync(op)
    op.send("KICK #k1 k1A,nobody,k1B :out")
    lines = sync(op)
    assert [m.params for m in lines if m.command == "KICK"] == [
        ["#k1", "k1A", "out"], ["#k1", "k1B", "out"]]
    assert [m.params[1] for m in lines if m.command == "401"] == ["nobody"]
    for x in (op, a, b):
        x.close()


def test_kick_errors_per_pair(server):
    op = server.client().register("kePOp")
    a = server.client().register("keA")
    joined(op, "#ke1")
    joined(a, "#ke1")
    joined(a, "#ke2")  # op is not on #ke2
    sync(op)
    op.send("KICK #ke1,#ke2,#kenone keA,keA,keA :x")
    lines = sync(op)
    assert [m.params[:2] for m in lines if m.command == "KICK"] == [["#ke1", "keA"]]
    assert [m.params[1] for m in lines if m.command == "442"] == ["#ke2"]
    assert [m.params[1] for m in lines if m.command == "403"] == ["#kenone"]
    # Pairs that do not pair up: 461.
    op.send("KICK #ke1,#ke2 keA,keA,keA")
    assert op.expect("461").params[1] == "KICK"
    for x in (op, a):
        x.close()


def test_targmax_announces_kick(server):
    c = server.client()
    c.send("NICK tmx")
    c.send("USER u 0 * :r")
    lines = c.collect(lambda m: m.command in ("376", "422"))
    targmax = [t for m in lines if m.command == "005" for t in m.params if t.startswith("TARGMAX=")]
    assert targmax and "KICK:" in targmax[0]
    c.close()


# --------------------------------------------------------------------------
# labeled-response with echo-message, to oneself


@pytest.mark.parametrize("cmd", ["PRIVMSG", "NOTICE", "TAGMSG"])
def test_labeled_message_to_self_labels_only_the_echo(server, cmd):
    nick = "self" + cmd[:3]
    c = server.client().register(nick, caps=["labeled-response", "batch", "echo-message",
                                             "message-tags"])
    text = "" if cmd == "TAGMSG" else " :hi"
    c.send("@label=L1;+x=y %s %s%s" % (cmd, nick, text))
    lines = sync(c, "lbl")
    assert [m.command for m in lines] == [cmd, cmd], lines
    assert sum(1 for m in lines if m.tags.get("label") == "L1") == 1, lines
    assert not any("batch" in m.tags for m in lines), lines
    c.close()


def test_labeled_message_to_self_without_echo_is_acked(server):
    c = server.client().register("selfNoEcho", caps=["labeled-response", "batch"])
    c.send("@label=L2 PRIVMSG selfNoEcho :hi")
    lines = sync(c, "lbl2")
    assert sorted(m.command for m in lines) == ["ACK", "PRIVMSG"], lines
    ack = [m for m in lines if m.command == "ACK"][0]
    msg = [m for m in lines if m.command == "PRIVMSG"][0]
    assert ack.tags.get("label") == "L2" and "label" not in msg.tags
    c.close()


# --------------------------------------------------------------------------
# Features clients probe for (issue 12 item 8)


def register_isupport(server, nick):
    c = server.client()
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :r")
    lines = c.collect(lambda m: m.command in ("376", "422"))
    c.nick = nick
    tokens = {}
    for m in lines:
        if m.command == "005":
            for t in m.params[1:-1]:
                k, _, v = t.partition("=")
                tokens[k] = v
    return c, tokens


def test_utf8only_announced_and_enforced_by_default(server):
    c, tokens = register_isupport(server, "u8")
    b = server.client().register("u8b")
    assert "UTF8ONLY" in tokens
    c.sock.sendall(b"PRIVMSG u8b :caf\xe9\r\n")
    fail = c.expect("FAIL")
    assert fail.params[:2] == ["PRIVMSG", "INVALID_UTF8"], fail
    c.send("PRIVMSG u8b :caf\u00e9")
    assert b.expect("PRIVMSG").params[-1] == "caf\u00e9"
    c.close()
    b.close()


def test_helpop_is_help(server):
    c = server.client().register("hop")
    c.send("HELPOP")
    lines = c.collect(lambda m: m.command == "706")
    assert lines[0].command == "704" and "705" in [m.command for m in lines]
    c.send("HELPOP KICK")
    start = c.expect("704")
    assert start.params[1] == "KICK"
    c.expect("706")
    c.close()


def test_names_several_channels(server):
    a = server.client().register("nmA")
    joined(a, "#nm1")
    joined(a, "#nm2")
    sync(a)
    a.send("NAMES #nm1,#nm2,#nmnone")
    lines = a.collect(lambda m: m.command == "366" and m.params[1] == "#nmnone")
    got = [(m.command, m.params[2] if m.command == "353" else m.params[1]) for m in lines]
    assert got == [("353", "#nm1"), ("366", "#nm1"), ("353", "#nm2"), ("366", "#nm2"),
                   ("366", "#nmnone")], lines
    a.close()


def test_invite_without_parameters_lists_pending_invites(server):
    op = server.client().register("ivOp")
    b = server.client().register("ivB")
    joined(op, "#iv1")
    joined(op, "#iv2")
    b.send("INVITE")
    assert b.expect("337").params[0] == "ivB"
    for ch in ("#iv1", "#iv2"):
        op.send("INVITE ivB %s" % ch)
        b.expect(lambda m, ch=ch: m.command == "INVITE" and m.params[-1] == ch)
    b.send("INVITE")
    lines = b.collect(lambda m: m.command == "337")
    assert sorted(m.params[1] for m in lines if m.command == "336") == ["#iv1", "#iv2"]
    # Joining uses the invite up.
    joined(b, "#iv1")
    b.send("INVITE")
    lines = b.collect(lambda m: m.command == "337")
    assert [m.params[1] for m in lines if m.command == "336"] == ["#iv2"]
    b.send("INVITE ivOp")
    assert b.expect("461").params[1] == "INVITE"
    op.close()
    b.close()


def test_chanmode_C_blocks_ctcp_but_action(server):
    c, tokens = register_isupport(server, "ctA")
    assert "C" in tokens["CHANMODES"].split(",")[3]
    b = server.client().register("ctB")
    joined(c, "#ct")
    joined(b, "#ct")
    c.send("MODE #ct +C")
    c.expect(lambda m: m.command == "MODE" and m.params[1] == "+C")
    b.send("PRIVMSG #ct :\x01VERSION\x01")
    err = b.expect("404")
    assert err.params[1] == "#ct" and "+C" in err.params[-1]
    b.send("PRIVMSG #ct :\x01ACTION waves\x01")
    b.send("PRIVMSG #ct :plain")
    assert c.expect("PRIVMSG").params[-1] == "\x01ACTION waves\x01"
    assert c.expect("PRIVMSG").params[-1] == "plain"
    c.send("MODE #ct")
    assert "C" in c.expect("324").params[2]
    c.close()
    b.close()


def test_chanmode_O_is_for_irc_operators(server):
    # The default test config has no oper block: a channel operator who is
    # not an IRC operator can neither set +O nor, once set, join.
    c, tokens = register_isupport(server, "coA")
    assert "O" in tokens["CHANMODES"].split(",")[3]
    joined(c, "#co")
    c.send("MODE #co +O")
    assert c.expect("481").params[-1].startswith("Permission Denied")
    c.send("MODE #co")
    assert "O" not in c.expect("324").params[2]
    c.close()


def test_mute_extban(server):
    op, tokens = register_isupport(server, "mtOp")
    assert tokens.get("EXTBAN") == ",m"
    b = server.client().register("mtB")
    joined(op, "#mt")
    joined(b, "#mt")
    op.send("MODE #mt +b m:mtB!*@*")
    assert op.expect("MODE").params[1:] == ["+b", "m:mtB!*@*"]
    b.expect("MODE")
    b.send("PRIVMSG #mt :can I talk")
    err = b.expect("404")
    assert "mute" in err.params[-1]
    # Muted is not banned: b may still join, and voice lets b speak.
    b.send("PART #mt")
    b.expect("PART")
    joined(b, "#mt")
    op.send("MODE #mt +e m:mtB")
    op.expect(lambda m: m.command == "MODE" and m.params[-1] == "m:mtB!*@*")
    b.send("PRIVMSG #mt :excepted")
    assert op.expect("PRIVMSG").params[-1] == "excepted"
    op.send("MODE #mt b")
    lines = op.collect(lambda m: m.command == "368")
    assert [m.params[2] for m in lines if m.command == "367"] == ["m:mtB!*@*"]
    op.close()
    b.close()


def test_exception_lists_are_for_operators(server):
    op = server.client().register("exOp")
    member = server.client().register("exMem")
    outsider = server.client().register("exOut")
    joined(op, "#ex")
    joined(member, "#ex")
    op.send("MODE #ex +eI a!*@* b!*@*")
    op.expect("MODE")
    for c in (member, outsider):
        for letter, end in (("e", "349"), ("I", "347")):
            c.send("MODE #ex %s" % letter)
            got = c.expect(lambda m: m.command in ("482", "348", "346", end))
            assert got.command == "482", got
        # The ban list stays public (RFC 2812).
        c.send("MODE #ex b")
        c.expect("368")
    op.send("MODE #ex e")
    lines = op.collect(lambda m: m.command == "349")
    assert [m.params[2] for m in lines if m.command == "348"] == ["a!*@*"]
    for c in (op, member, outsider):
        c.close()


# --------------------------------------------------------------------------
# Secret channels look absent to outsiders


def test_secret_channel_errors_do_not_reveal_it(osrv):
    op = osrv.client().register("scOp")
    out = osrv.client().register("scOut")
    joined(op, "#sc")
    joined(op, "#pc")
    op.send("MODE #sc +sn")
    op.expect(lambda m: m.command == "MODE" and m.params[0] == "#sc")
    op.send("MODE #pc +pn")
    op.expect(lambda m: m.command == "MODE" and m.params[0] == "#pc")
    probes = ["TOPIC #sc", "TOPIC #sc :new", "MODE #sc", "MODE #sc +m", "PART #sc",
              "PRIVMSG #sc :hi", "KICK #sc scOp", "INVITE scOut #sc"]
    for probe in probes:
        out.send(probe)
        lines = sync(out, "p")
        assert [m.command for m in lines] == ["403"], (probe, lines)
        assert lines[0].params[1] == "#sc"
    out.send("NAMES #sc")
    assert [m.command for m in sync(out, "n")] == ["366"]
    # A +p channel keeps the usual answers.
    out.send("PART #pc")
    assert [m.command for m in sync(out, "q")] == ["442"]
    out.send("PRIVMSG #pc :hi")
    assert [m.command for m in sync(out, "r")] == ["404"]
    # An IRC operator is told the truth.
    oper = oper_up(osrv, "scOper")
    oper.send("PART #sc")
    assert [m.command for m in sync(oper, "s") if m.command != "NOTICE"] == ["442"]
    for c in (op, out, oper):
        c.close()


# --------------------------------------------------------------------------
# Spam limits (issue 11): target changes, host cloak toggles


def limited_server(make_server, extra=""):
    return make_server(extra).restart_with("flood_rate = 0", "flood_rate = 50\nflood_burst = 200")


def test_target_change_limit_spares_joined_channels_and_replies(make_server):
    srv = limited_server(make_server)
    talker = srv.client().register("talker")
    listener = srv.client().register("listener")
    for i in range(12):
        joined(talker, "#tc%d" % i)
        joined(listener, "#tc%d" % i)
    for i in range(12):
        talker.send("PRIVMSG #tc%d :hello %d" % (i, i))
    lines = sync(talker, "t1")
    assert not any(m.command == "707" for m in lines), lines
    for i in range(12):
        assert listener.expect("PRIVMSG").params == ["#tc%d" % i, "hello %d" % i]
    # Strangers who message talker can be answered without a new target.
    strangers = [srv.client().register("st%d" % i) for i in range(20)]
    for s in strangers[:10]:
        s.send("PRIVMSG talker :hi")
    for _ in range(10):
        talker.expect("PRIVMSG")
    # ...but twenty people who never wrote are too many at once.
    for i in range(20):
        talker.send("PRIVMSG st%d :buy now" % i)
    lines = sync(talker, "t2")
    dropped = [m.params[1] for m in lines if m.command == "707"]
    assert dropped, lines
    # Those who wrote last (the reply ring keeps 8) are never refused.
    assert set(dropped) <= {"st%d" % i for i in range(20)} - {"st6", "st7", "st8", "st9"}
    for x in strangers + [talker, listener]:
        x.close()


def test_cloak_toggles_are_rate_limited(make_server):
    srv = limited_server(make_server, "\n[cloak]\nenabled = yes\nkey = 0123456789abcdef0123\n")
    c = srv.client().register("toggler")
    sync(c, "c0")
    c.send("MODE toggler -x")
    assert c.expect("MODE").params[-1] == "-x"
    c.send("MODE toggler +x")
    assert c.expect("MODE").params[-1] == "+x"
    c.send("MODE toggler -x")
    lines = sync(c, "c1")
    assert not any(m.command == "MODE" for m in lines), lines
    assert any(m.command == "NOTICE" and "too fast" in m.params[-1] for m in lines), lines
    c.close()


# --------------------------------------------------------------------------
# Bounded WHO <mask> and LIST (issue 11)


def test_who_mask_and_list_are_bounded(make_server):
    srv = make_server("\n[limits]\nwho_max = 3\nlist_max = 3\n")
    users = [srv.client().register("wm%d" % i) for i in range(5)]
    for i, u in enumerate(users):
        joined(u, "#wl%d" % i)
    asker = users[0]
    asker.send("WHO wm*")
    lines = asker.collect(lambda m: m.command == "315")
    assert [m.command for m in lines] == ["352"] * 3 + ["416", "315"], lines
    assert lines[3].params[1] == "WHO"
    # An exact nick and a channel are not scans: never truncated.
    asker.send("WHO wm4")
    assert [m.command for m in asker.collect(lambda m: m.command == "315")] == ["352", "315"]
    asker.send("LIST")
    lines = asker.collect(lambda m: m.command == "323")
    cmds = [m.command for m in lines if m.command != "321"]
    assert cmds == ["322"] * 3 + ["416", "323"], lines
    asker.send("LIST #wl4")
    lines = asker.collect(lambda m: m.command == "323")
    assert [m.params[1] for m in lines if m.command == "322"] == ["#wl4"]
    for u in users:
        u.close()


# --------------------------------------------------------------------------
# draft/channel-rename


def test_cap_ls_offers_channel_rename(server):
    c = server.client()
    c.send("CAP LS 302")
    lines = c.collect(lambda m: m.command == "CAP" and m.params[2] != "*")
    offered = set(w for m in lines for w in m.params[-1].split())
    assert "draft/channel-rename" in offered
    c.close()


def test_rename_keeps_state_and_falls_back_for_plain_clients(server):
    op = server.client().register("rnOp", caps=["draft/channel-rename"])
    aware = server.client().register("rnAware", caps=["draft/channel-rename"])
    plain = server.client().register("rnPlain")
    for x in (op, aware, plain):
        joined(x, "#rnold")
    op.send("TOPIC #rnold :the topic")
    op.send("MODE #rnold +mb bad!*@*")
    op.send("MODE #rnold +v rnPlain")
    sync(op, "r0")
    sync(plain, "r0")
    sync(aware, "r0")
    op.send("RENAME #rnold #rnnew :tidy up")
    got = op.expect("RENAME")
    assert got.nick == "rnOp" and got.params == ["#rnold", "#rnnew", "tidy up"]
    assert aware.expect("RENAME").params == ["#rnold", "#rnnew", "tidy up"]
    lines = plain.collect(lambda m: m.command == "366")
    assert [m.command for m in lines] == ["PART", "JOIN", "332", "333", "353", "366"], lines
    assert lines[0].nick == "rnPlain" and lines[0].params == ["#rnold", "tidy up"]
    assert lines[1].nick == "rnPlain" and lines[1].params == ["#rnnew"]
    assert lines[2].params[-1] == "the topic"
    assert sorted(lines[4].params[-1].split()) == ["+rnPlain", "@rnOp", "rnAware"]
    # Modes and lists came along; the old name is free.
    op.send("MODE #rnnew")
    assert op.expect("324").params[2].startswith("+m")
    op.send("MODE #rnnew b")
    assert [m.params[2] for m in op.collect(lambda m: m.command == "368")
            if m.command == "367"] == ["bad!*@*"]
    plain.send("PRIVMSG #rnnew :still here")
    assert aware.expect("PRIVMSG").params == ["#rnnew", "still here"]
    plain.send("JOIN #rnold")
    assert plain.expect("353").params[-1] == "@rnPlain"
    # Without a reason the third parameter is still there, empty.
    joined(op, "#rnx")
    op.send("RENAME #rnx #rny")
    assert op.expect("RENAME").params == ["#rnx", "#rny", ""]
    for x in (op, aware, plain):
        x.close()


def test_rename_case_only_sends_no_fallback(server):
    op = server.client().register("rcOp", caps=["draft/channel-rename"])
    plain = server.client().register("rcPlain")
    joined(op, "#rcase")
    joined(plain, "#rcase")
    sync(plain, "rc0")
    op.send("RENAME #rcase #RCase")
    assert op.expect("RENAME").params == ["#rcase", "#RCase", ""]
    assert not any(m.command in ("PART", "JOIN") for m in sync(plain, "rc1"))
    op.send("NAMES #rcase")
    assert op.expect("366").params[1] == "#RCase"
    op.close()
    plain.close()


def test_rename_errors(server):
    op = server.client().register("reOp", caps=["draft/channel-rename"])
    member = server.client().register("reMem")
    outsider = server.client().register("reOut")
    joined(op, "#re1")
    joined(op, "#re2")
    joined(member, "#re1")
    member.send("RENAME #re1 #re3")
    assert member.expect("482").params[1] == "#re1"
    outsider.send("RENAME #re1 #re3")
    assert outsider.expect("442").params[1] == "#re1"
    outsider.send("RENAME #renone #re3")
    assert outsider.expect("403").params[1] == "#renone"
    outsider.send("RENAME #re1")
    assert outsider.expect("461").params[1] == "RENAME"
    op.send("RENAME #re1 #re2")
    fail = op.expect("FAIL")
    assert fail.params[:4] == ["RENAME", "CHANNEL_NAME_IN_USE", "#re1", "#re2"]
    op.send("RENAME #re1 nohash")
    fail = op.expect("FAIL")
    assert fail.params[:4] == ["RENAME", "CANNOT_RENAME", "#re1", "nohash"]
    op.send("RENAME #re1 #re3")
    op.expect("RENAME")
    op.send("RENAME #re3 #re4")
    fail = op.expect("FAIL")
    assert fail.params[:2] == ["RENAME", "CANNOT_RENAME"] and "recently" in fail.params[-1]
    for x in (op, member, outsider):
        x.close()


def test_rename_keeps_history(make_server):
    srv = make_server()
    caps = ["draft/chathistory", "batch", "server-time", "message-tags", "draft/channel-rename"]
    op = srv.client().register("rhOp", caps=caps)
    talker = srv.client().register("rhTalk")
    joined(op, "#rh1")
    joined(talker, "#rh1")
    for i in range(3):
        talker.send("PRIVMSG #rh1 :before %d" % i)
    for i in range(3):
        op.expect("PRIVMSG")
    op.send("RENAME #rh1 #rh2")
    op.expect("RENAME")
    talker.expect("JOIN")
    talker.send("PRIVMSG #rh2 :after")
    op.expect("PRIVMSG")
    op.send("CHATHISTORY LATEST #rh2 * 10")
    start = op.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    lines = op.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + start.params[0][1:])
    texts = [m.params[-1] for m in lines if m.command == "PRIVMSG"]
    assert texts == ["before 0", "before 1", "before 2", "after"], lines
    op.close()
    talker.close()
