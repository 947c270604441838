"""IRCv3 capabilities: negotiation, tags, notifications, labels, batches."""
import re

import pytest

from ircclient import Message


def caps_of(line):
    return set(line.params[-1].split())


def test_cap_ls_302_lists_values_and_ends(server):
    c = server.client()
    c.send("CAP LS 302")
    lines = c.collect(lambda m: m.command == "CAP" and m.params[2] != "*")
    offered = set()
    for m in lines:
        if m.command == "CAP":
            offered |= caps_of(m)
    assert "sasl=PLAIN,EXTERNAL,SCRAM-SHA-256" in offered
    assert "draft/multiline=max-bytes=4096,max-lines=32" in offered
    for cap in ("message-tags", "server-time", "echo-message", "labeled-response", "batch",
                "away-notify", "account-notify", "extended-join", "chghost", "setname",
                "invite-notify", "cap-notify", "multi-prefix", "userhost-in-names",
                "draft/chathistory", "standard-replies", "extended-monitor"):
        assert cap in offered
    c.close()


def test_cap_req_unknown_is_naked_atomically(server):
    c = server.client()
    c.send("CAP LS 302")
    c.send("CAP REQ :server-time bogus-cap")
    nak = c.expect(lambda m: m.command == "CAP" and m.params[1] == "NAK")
    assert nak.params[-1] == "server-time bogus-cap"
    c.send("CAP LIST")
    lst = c.expect(lambda m: m.command == "CAP" and m.params[1] == "LIST")
    assert "server-time" not in lst.params[-1].split()
    c.close()


def test_registration_waits_for_cap_end(server):
    c = server.client()
    c.send("CAP LS 302")
    c.send("NICK waiter")
    c.send("USER u 0 * :r")
    assert not any(m.command == "001" for m in c.quiet(0.5))
    c.send("CAP END")
    c.expect("001")
    c.close()


def test_server_time_msgid_and_client_tags(server):
    a = server.client().register("tagA", caps=["message-tags", "server-time"])
    b = server.client().register("tagB", caps=["message-tags"])
    plain = server.client().register("tagC")
    for x in (a, b, plain):
        x.send("JOIN #tags")
        x.expect("366")
    a.expect(lambda m: m.command == "JOIN" and m.nick == "tagC")
    b.expect(lambda m: m.command == "JOIN" and m.nick == "tagC")
    plain.send("@+draft/react=hi PRIVMSG #tags :hello")
    got_a = a.expect("PRIVMSG")
    got_b = b.expect("PRIVMSG")
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", got_a.tags["time"])
    assert got_a.tags["msgid"] == got_b.tags["msgid"]
    assert "time" not in got_b.tags
    assert got_a.tags["+draft/react"] == "hi"
    # A client without message-tags gets no tags at all.
    a.send("PRIVMSG #tags :back")
    assert plain.expect("PRIVMSG").line.startswith(":tagA!")
    for x in (a, b, plain):
        x.close()


def test_tagmsg_reaches_only_tag_capable_clients(server):
    a = server.client().register("tmA", caps=["message-tags"])
    b = server.client().register("tmB", caps=["message-tags"])
    c = server.client().register("tmC")
    for x in (a, b, c):
        x.send("JOIN #tm")
        x.expect("366")
    a.send("@+typing=active TAGMSG #tm")
    m = b.expect("TAGMSG")
    assert m.tags["+typing"] == "active" and m.params == ["#tm"]
    assert not any(x.command == "TAGMSG" for x in c.quiet(0.4))
    for x in (a, b, c):
        x.close()


def test_echo_message(server):
    a = server.client().register("echoA", caps=["echo-message"])
    b = server.client().register("echoB")
    a.send("PRIVMSG echoB :ping me back")
    echoed = a.expect("PRIVMSG")
    assert echoed.params == ["echoB", "ping me back"] and echoed.nick == "echoA"
    assert b.expect("PRIVMSG").params[1] == "ping me back"
    a.close()
    b.close()


def test_labeled_response_single_multi_and_ack(server):
    c = server.client().register("labeler", caps=["labeled-response", "batch"])
    c.send("@label=one PING token")
    pong = c.expect("PONG")
    assert pong.tags.get("label") == "one"
    c.send("@label=two PONG token")
    ack = c.expect("ACK")
    assert ack.tags.get("label") == "two"
    c.send("@label=three WHOIS labeler")
    start = c.expect("BATCH")
    assert start.tags.get("label") == "three" and start.params[1] == "labeled-response"
    ref = start.params[0][1:]
    lines = c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    assert all(m.tags.get("batch") == ref for m in lines[:-1])
    assert "318" in [m.command for m in lines]
    c.close()


def test_away_notify_and_extended_join(server):
    watcher = server.client().register("awW", caps=["away-notify", "extended-join"])
    other = server.client().register("awO", realname="Other Person")
    watcher.send("JOIN #aw")
    watcher.expect("366")
    other.send("JOIN #aw")
    join = watcher.expect("JOIN")
    assert join.params == ["#aw", "*", "Other Person"]
    other.send("AWAY :lunch")
    away = watcher.expect("AWAY")
    assert away.nick == "awO" and away.params == ["lunch"]
    other.send("AWAY")
    back = watcher.expect("AWAY")
    assert back.params == []
    watcher.close()
    other.close()


def test_setname_and_chghost_notifications(make_server):
    srv = make_server("\n[cloak]\nenabled = yes\nkey = 0123456789abcdef0123\n")
    a = srv.client().register("snA", caps=["setname", "chghost"])
    b = srv.client().register("snB", caps=["setname", "chghost"])
    for x in (a, b):
        x.send("JOIN #sn")
        x.expect("366")
    a.expect(lambda m: m.command == "JOIN" and m.nick == "snB")
    a.send("SETNAME :New Real Name")
    assert a.expect("SETNAME").params == ["New Real Name"]
    assert b.expect("SETNAME").params == ["New Real Name"]
    a.send("MODE snA -x")
    chg = b.expect("CHGHOST")
    assert chg.params == ["~u", "127.0.0.1"]
    a.close()
    b.close()


def test_monitor_online_offline(server):
    w = server.client().register("monW")
    w.send("MONITOR + monTarget,monNobody")
    off = w.expect("731")
    assert set(off.params[-1].split(",")) == {"monTarget", "monNobody"}
    t = server.client().register("monTarget")
    on = w.expect("730")
    assert on.params[-1].startswith("monTarget!")
    w.send("MONITOR L")
    lst = w.collect("733")
    names = ",".join(m.params[-1] for m in lst if m.command == "732")
    assert set(names.split(",")) == {"monTarget", "monNobody"}
    t.send("QUIT :bye")
    assert w.expect("731").params[-1] == "monTarget"
    w.close()


def test_whox_fields_and_token(server):
    c = server.client().register("whoxer", realname="Who X")
    c.send("WHO whoxer %tnuhar,42")
    r = c.expect("354")
    assert r.params[1:] == ["42", "~u", "127.0.0.1", "whoxer", "0", "Who X"]
    c.expect("315")
    c.close()


def test_bot_mode(server):
    bot = server.client().register("botty", caps=["message-tags"])
    human = server.client().register("human", caps=["message-tags"])
    bot.send("MODE botty +B")
    bot.expect("MODE")
    human.send("WHOIS botty")
    assert human.expect("335").params[1] == "botty"
    bot.send("PRIVMSG human :beep")
    assert "bot" in human.expect("PRIVMSG").tags
    bot.close()
    human.close()


def test_multiline_batch(server):
    a = server.client().register("mlA", caps=["draft/multiline", "batch", "message-tags"])
    b = server.client().register("mlB", caps=["draft/multiline", "batch", "message-tags"])
    c = server.client().register("mlC")
    for x in (a, b, c):
        x.send("JOIN #ml")
        x.expect("366")
    a.send("BATCH +b1 draft/multiline #ml")
    a.send("@batch=b1 PRIVMSG #ml :first")
    a.send("@batch=b1;draft/multiline-concat PRIVMSG #ml :second")
    a.send("BATCH -b1")
    start = b.expect("BATCH")
    assert start.params[1:] == ["draft/multiline", "#ml"]
    ref = start.params[0][1:]
    body = b.collect(lambda m: m.command == "BATCH")
    assert [m.params[1] for m in body[:-1]] == ["first", "second"]
    assert all(m.tags["batch"] == ref for m in body[:-1])
    assert "draft/multiline-concat" in body[1].tags
    plain = [c.expect("PRIVMSG").params[1], c.expect("PRIVMSG").params[1]]
    assert plain == ["first", "second"]
    for x in (a, b, c):
        x.close()


def test_standard_replies_on_bad_setname(server):
    c = server.client().register("failer", caps=["setname"])
    c.send("SETNAME :" + "x" * 200)
    f = c.expect("FAIL")
    assert f.params[:2] == ["SETNAME", "INVALID_REALNAME"]
    c.close()


def test_cloak_is_announced_at_registration(make_server):
    """With [cloak] on, registration ends with MODE nick :+x, from the cloaked host."""
    srv = make_server("\n[cloak]\nenabled = yes\nkey = 0123456789abcdef0123\n")
    c = srv.client().register("clk")
    mode = c.expect("MODE")
    assert mode.params == ["clk", "+x"]
    assert mode.source.startswith("clk!~u@") and not mode.source.endswith("@127.0.0.1")
    c.close()
    plain = make_server()
    p = plain.client().register("plain")
    p.send("PING :sync")
    assert all(m.command != "MODE" for m in p.collect("PONG"))
    p.close()
