"""draft/message-redaction as clients use it: answers, errors, history, who sees REDACT."""
import uuid

CAPS = ["message-tags", "echo-message", "batch", "server-time", "labeled-response",
        "draft/message-redaction", "draft/chathistory"]


def _room(srv, chan, *nicks, caps=CAPS):
    out = []
    for nick in nicks:
        c = srv.client().register(nick, caps=caps)
        c.send("JOIN %s" % chan)
        c.expect("366")
        out.append(c)
    return out


def _say(c, chan, text):
    c.send("PRIVMSG %s :%s" % (chan, text))
    return c.expect(lambda m: m.command == "PRIVMSG" and m.params[1] == text).tags["msgid"]


def _history_texts(c, chan, limit=100):
    c.send("CHATHISTORY LATEST %s * %d" % (chan, limit))
    start = c.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    ref = start.params[0][1:]
    lines = c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)[:-1]
    return [m.params[-1] for m in lines if m.command == "PRIVMSG"]


def test_redact_right_after_the_message_is_answered_in_order(make_server):
    srv = make_server()
    author, member = _room(srv, "#red1", "rauthor", "rmember")
    plain = srv.client().register("rplain")
    plain.send("JOIN #red1")
    plain.expect("366")
    msgid = _say(author, "#red1", "oops")
    # The REDACT and a PING on one write: the labeled REDACT is the answer, before the PONG.
    author.sock.sendall(("@label=rd1 REDACT #red1 %s :typo\r\nPING :after\r\n" % msgid).encode())
    got = [m for m in author.collect("PONG") if m.command != "JOIN"]
    assert [m.command for m in got] == ["REDACT", "PONG"], got
    assert got[0].tags.get("label") == "rd1"
    assert got[0].params == ["#red1", msgid, "typo"]
    assert member.expect("REDACT").params == ["#red1", msgid, "typo"]
    # Clients without the capability never see REDACT.
    plain.send("PING :sync")
    assert not any(m.command == "REDACT" for m in plain.collect("PONG"))
    assert "oops" not in _history_texts(member, "#red1")
    for x in (author, member, plain):
        x.close()


def test_redact_errors_name_target_and_msgid(make_server):
    srv = make_server()
    author, other = _room(srv, "#red2", "eauthor", "eother")
    msgid = _say(author, "#red2", "mine")
    other.send("REDACT #red2 %s :nope" % msgid)
    fail = other.expect("FAIL")
    assert fail.params[:4] == ["REDACT", "REDACT_FORBIDDEN", "#red2", msgid]
    unknown = str(uuid.uuid4())
    author.send("REDACT #red2 %s :nope" % unknown)
    fail = author.expect("FAIL")
    assert fail.params[:4] == ["REDACT", "UNKNOWN_MSGID", "#red2", unknown]
    author.send("REDACT #red2 0TS00000000000ff :nope")
    fail = author.expect("FAIL")
    assert fail.params[:4] == ["REDACT", "UNKNOWN_MSGID", "#red2", "0TS00000000000ff"]
    # Nobody else heard of any of it.
    other.send("PING :sync")
    assert not any(m.command == "REDACT" for m in other.collect("PONG"))
    for x in (author, other):
        x.close()


def test_redacted_line_is_gone_from_the_database_too(make_server):
    srv = make_server()
    author, reader = _room(srv, "#red3", "dauthor", "dreader")
    first = _say(author, "#red3", "old line")
    # Push it out of the in-memory window (64 lines): the lane decides.
    for i in range(70):
        author.send("PRIVMSG #red3 :filler %d" % i)
    author.expect(lambda m: m.command == "PRIVMSG" and m.params[1] == "filler 69")
    author.send("@label=rd3 REDACT #red3 %s" % first)
    got = author.expect("REDACT")
    assert got.tags.get("label") == "rd3" and got.params == ["#red3", first]
    recent = _say(author, "#red3", "new line")
    author.send("REDACT #red3 %s" % recent)
    author.expect("REDACT")
    texts = _history_texts(reader, "#red3")
    assert "old line" not in texts and "new line" not in texts and "filler 69" in texts
    # Stopped with the channel alive: its history is kept across the restart.
    srv.stop()
    for x in (author, reader):
        x.close()
    srv.start()
    again = srv.client().register("dreader", caps=CAPS)
    again.send("JOIN #red3")
    again.expect("366")
    texts = _history_texts(again, "#red3")
    assert "old line" not in texts and "new line" not in texts and "filler 69" in texts
    again.close()


def test_redactions_in_a_row_are_each_answered_in_order(make_server):
    srv = make_server()
    author, reader = _room(srv, "#red4", "sauthor", "sreader")
    ids = [_say(author, "#red4", t) for t in ("one", "two", "three")]
    author.sock.sendall(("REDACT #red4 %s\r\nREDACT #red4 %s\r\nPING :after\r\n"
                         % (ids[0], ids[2])).encode())
    got = [m for m in author.collect("PONG") if m.command != "JOIN"]
    assert [(m.command, m.params[1:2]) for m in got] == \
        [("REDACT", [ids[0]]), ("REDACT", [ids[2]]), ("PONG", ["after"])], got
    assert _history_texts(reader, "#red4") == ["two"]
    for x in (author, reader):
        x.close()
