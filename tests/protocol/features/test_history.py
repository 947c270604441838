"""Chat history (draft/chathistory): queries, privacy, persistence, redaction."""
import os
import re
import time

HIST_CAPS = ["draft/chathistory", "batch", "server-time", "message-tags"]


def history_batch(c):
    start = c.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    ref = start.params[0][1:]
    lines = c.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)[:-1]
    assert all(m.tags.get("batch") == ref for m in lines)
    return start, lines


def say(c, target, texts):
    for t in texts:
        c.send("PRIVMSG %s :%s" % (target, t))


def test_latest_before_after_between(make_server):
    srv = make_server()
    reader = srv.client().register("reader", caps=HIST_CAPS)
    talker = srv.client().register("talker")
    for x in (reader, talker):
        x.send("JOIN #hist")
        x.expect("366")
    say(talker, "#hist", ["m%d" % i for i in range(10)])
    got = [reader.expect("PRIVMSG") for _ in range(10)]
    reader.send("CHATHISTORY LATEST #hist * 3")
    start, lines = history_batch(reader)
    assert start.params[1:] == ["chathistory", "#hist"]
    assert [m.params[1] for m in lines] == ["m7", "m8", "m9"]
    assert all(re.match(r"\d{4}-\d\d-\d\dT", m.tags["time"]) and m.tags["msgid"] for m in lines)
    reader.send("CHATHISTORY LATEST #hist * 100")
    _, lines = history_batch(reader)
    assert [m.params[1] for m in lines] == ["m%d" % i for i in range(10)]
    first_id = got[0].tags["msgid"] if "msgid" in got[0].tags else lines[0].tags["msgid"]
    reader.send("CHATHISTORY AFTER #hist msgid=%s 2" % lines[4].tags["msgid"])
    _, after = history_batch(reader)
    assert len(after) <= 2 and all(m.params[1] in ("m5", "m6", "m7", "m8", "m9") for m in after)
    reader.send("CHATHISTORY BEFORE #hist timestamp=2999-01-01T00:00:00.000Z 2")
    _, before = history_batch(reader)
    assert [m.params[1] for m in before] == ["m8", "m9"]
    reader.send("CHATHISTORY BETWEEN #hist timestamp=2000-01-01T00:00:00.000Z "
                "timestamp=2999-01-01T00:00:00.000Z 4")
    _, between = history_batch(reader)
    assert [m.params[1] for m in between] == ["m0", "m1", "m2", "m3"]
    assert first_id
    reader.close()
    talker.close()


def test_history_needs_membership_and_cap(make_server):
    srv = make_server()
    member = srv.client().register("member")
    member.send("JOIN #private")
    member.expect("366")
    say(member, "#private", ["secret plans"])
    outsider = srv.client().register("outsider", caps=HIST_CAPS)
    outsider.send("CHATHISTORY LATEST #private * 10")
    fail = outsider.expect("FAIL")
    assert fail.params[:2] == ["CHATHISTORY", "INVALID_TARGET"]
    nocap = srv.client().register("nocap")
    nocap.send("JOIN #private")
    nocap.expect("366")
    nocap.send("CHATHISTORY LATEST #private * 10")
    assert nocap.expect("FAIL").params[:2] == ["CHATHISTORY", "NEED_CAPABILITY"]
    for x in (member, outsider, nocap):
        x.close()


def login(srv, nick, caps):
    c = srv.client().register(nick, caps=caps)
    c.send("REGISTER * * :password-%s" % nick)
    c.expect("900")
    return c


def test_private_history_between_accounts_only(make_server):
    srv = make_server()
    a = login(srv, "pma", HIST_CAPS)
    b = login(srv, "pmb", HIST_CAPS)
    a.send("PRIVMSG pmb :just between us")
    b.expect("PRIVMSG")
    b.send("CHATHISTORY LATEST pma * 10")
    _, lines = history_batch(b)
    assert [m.params for m in lines] == [["pmb", "just between us"]]
    # Someone else, even one later using a's nick, is not an account party.
    a.send("QUIT")
    thief = srv.client().register("pma", caps=HIST_CAPS)
    thief.send("CHATHISTORY LATEST pmb * 10")
    assert thief.expect("FAIL").params[:2] == ["CHATHISTORY", "INVALID_TARGET"]
    b.close()
    thief.close()


def test_history_survives_restart(make_server):
    srv = make_server()
    c = srv.client().register("keeper", caps=HIST_CAPS)
    c.send("JOIN #kept")
    c.expect("366")
    say(c, "#kept", ["before restart"])
    c.send("PING sync")
    c.expect("PONG")
    srv.stop()  # the channel is not emptied by its users: its history stays
    c.close()
    srv.start()
    c = srv.client().register("keeper", caps=HIST_CAPS)
    c.send("JOIN #kept")
    c.expect("366")
    c.send("CHATHISTORY LATEST #kept * 10")
    _, lines = history_batch(c)
    assert [m.params[1] for m in lines] == ["before restart"]
    c.close()


def test_redaction_by_author_only(make_server):
    caps = HIST_CAPS + ["draft/message-redaction", "echo-message"]
    srv = make_server()
    op = srv.client().register("redop", caps=caps)
    op.send("JOIN #red")
    op.expect("366")
    author = srv.client().register("author", caps=caps)
    other = srv.client().register("other", caps=caps)
    for x in (author, other):
        x.send("JOIN #red")
        x.expect("366")
    author.send("PRIVMSG #red :oops")
    msgid = author.expect("PRIVMSG").tags["msgid"]
    other.send("REDACT #red %s" % msgid)
    assert other.expect("FAIL").params[:2] == ["REDACT", "REDACT_FORBIDDEN"]
    author.send("REDACT #red %s :typo" % msgid)
    seen = op.expect("REDACT")
    assert seen.params == ["#red", msgid, "typo"] and seen.nick == "author"
    op.send("CHATHISTORY LATEST #red * 10")
    _, lines = history_batch(op)
    assert "oops" not in [m.params[-1] for m in lines]
    for x in (op, author, other):
        x.close()


def test_event_playback_only_for_clients_asking(make_server):
    srv = make_server()
    op = srv.client().register("evop")
    op.send("JOIN #events")
    op.expect("366")
    guest = srv.client().register("evguest")
    guest.send("JOIN #events")
    guest.expect("366")
    op.send("TOPIC #events :new topic")
    op.send("PRIVMSG #events :a message")
    guest.send("PART #events :bye")
    op.expect(lambda m: m.command == "PART")
    with_events = srv.client().register("evreader", caps=HIST_CAPS + ["draft/event-playback"])
    plain = srv.client().register("evplain", caps=HIST_CAPS)
    for x in (with_events, plain):
        x.send("JOIN #events")
        x.expect("366")
    with_events.send("CHATHISTORY LATEST #events * 20")
    _, lines = history_batch(with_events)
    kinds = [(m.command, m.nick) for m in lines]
    assert ("TOPIC", "evop") in kinds and ("PRIVMSG", "evop") in kinds
    assert ("PART", "evguest") in kinds and ("JOIN", "evguest") in kinds
    part = [m for m in lines if m.command == "PART"][0]
    assert part.params == ["#events", "bye"]
    plain.send("CHATHISTORY LATEST #events * 20")
    _, lines = history_batch(plain)
    assert [m.command for m in lines] == ["PRIVMSG"]
    for x in (op, with_events, plain):
        x.close()


def test_channel_history_ends_with_the_channel(make_server):
    srv = make_server()
    a = srv.client().register("first", caps=HIST_CAPS)
    a.send("JOIN #reused")
    a.expect("366")
    say(a, "#reused", ["private words"])
    a.send("PART #reused")
    a.expect("PART")
    a.close()
    b = srv.client().register("second", caps=HIST_CAPS)
    b.send("JOIN #reused")
    b.expect("366")
    b.send("CHATHISTORY LATEST #reused * 10")
    _, lines = history_batch(b)
    assert [m for m in lines if m.command == "PRIVMSG"] == []
    say(b, "#reused", ["new words"])
    b.send("CHATHISTORY LATEST #reused * 10")
    _, lines = history_batch(b)
    assert [m.params[1] for m in lines] == ["new words"]
    b.close()


def test_lines_older_than_max_age_are_not_answered(make_server):
    srv = make_server("[history]\nmax_age = 1\n")
    c = srv.client().register("aging", caps=HIST_CAPS)
    c.send("JOIN #aging")
    c.expect("366")
    say(c, "#aging", ["old news"])
    c.send("CHATHISTORY LATEST #aging * 10")
    _, lines = history_batch(c)
    assert [m.params[1] for m in lines] == ["old news"]
    time.sleep(1.3)
    say(c, "#aging", ["fresh"])
    for query in ("CHATHISTORY LATEST #aging * 10",
                  "CHATHISTORY BEFORE #aging timestamp=2999-01-01T00:00:00.000Z 10"):
        c.send(query)
        _, lines = history_batch(c)
        assert [m.params[1] for m in lines] == ["fresh"], query
    c.close()


def long_text(n):
    """n bytes of text that shows where a cut would be."""
    return "".join("%d%s" % (i % 10, "abcdefghij"[i % 10]) for i in range(n))[:n]


def test_long_message_replays_whole_with_its_tags(make_server):
    srv = make_server()
    reader = srv.client().register("wholereader", caps=HIST_CAPS)
    talker = srv.client().register("wholetalker", caps=HIST_CAPS)
    for x in (reader, talker):
        x.send("JOIN #whole")
        x.expect("366")
    reader.expect(lambda m: m.command == "JOIN" and m.nick == "wholetalker")
    text = long_text(450)
    talker.send("@+example.org/note=kept PRIVMSG #whole :%s" % text)
    live = reader.expect("PRIVMSG")
    assert live.params == ["#whole", text] and live.tags["+example.org/note"] == "kept"
    # LATEST * 1 is answered from memory; the others from the database.
    for query in ("CHATHISTORY LATEST #whole * 1", "CHATHISTORY LATEST #whole * 10",
                  "CHATHISTORY BEFORE #whole timestamp=2999-01-01T00:00:00.000Z 10"):
        reader.send(query)
        start, lines = history_batch(reader)
        msgs = [m for m in lines if m.command == "PRIVMSG"]
        assert len(msgs) == 1, query
        ref = start.params[0][1:]
        # The live line's tags and body, byte for byte, behind the batch tag.
        assert msgs[0].line == "@batch=%s;%s" % (ref, live.line[1:]), query
    reader.close()
    talker.close()


def test_replayed_tags_follow_the_readers_capabilities(make_server):
    srv = make_server()
    talker = login(srv, "captalker", HIST_CAPS)
    talker.send("MODE captalker +B")
    talker.expect("MODE")
    bare = srv.client().register("capbare", caps=["draft/chathistory", "batch"])
    timed = srv.client().register("captimed", caps=["draft/chathistory", "batch", "server-time",
                                                    "account-tag"])
    full = srv.client().register("capfull", caps=HIST_CAPS)
    for x in (talker, bare, timed, full):
        x.send("JOIN #capped")
        x.expect("366")
    talker.send("@+example.org/secret=tag PRIVMSG #capped :tagged words")
    for x in (bare, timed, full):
        x.expect("PRIVMSG")
    expected = {
        bare: {"batch"},
        timed: {"batch", "time", "account"},
        full: {"batch", "time", "msgid", "bot", "+example.org/secret"},
    }
    for x, keys in expected.items():
        for query in ("CHATHISTORY LATEST #capped * 1", "CHATHISTORY LATEST #capped * 10"):
            x.send(query)
            _, lines = history_batch(x)
            msgs = [m for m in lines if m.command == "PRIVMSG"]
            assert [m.params for m in msgs] == [["#capped", "tagged words"]], query
            assert set(msgs[0].tags) == keys, (x.nick, query, msgs[0].line)
    assert msgs[0].tags["+example.org/secret"] == "tag"
    for x in (talker, bare, timed, full):
        x.close()


def until_batches_close(c):
    """Lines up to the one closing the last batch opened (nested ones too)."""
    got, open_refs = [], []
    while True:
        m = c.recv()
        got.append(m)
        if m.command == "BATCH" and m.params[0][0] == "+":
            open_refs.append(m.params[0][1:])
        elif m.command == "BATCH":
            open_refs.remove(m.params[0][1:])
            if not open_refs:
                return got


def test_labeled_chathistory_carries_its_label_once(make_server):
    srv = make_server()
    caps = HIST_CAPS + ["labeled-response"]
    c = srv.client().register("labelled", caps=caps)
    c.send("JOIN #labels")
    c.expect("366")
    say(c, "#labels", ["one"])
    # From memory (LATEST * 1) and from the database (LATEST * 10).
    for n, query in enumerate(("CHATHISTORY LATEST #labels * 1",
                               "CHATHISTORY LATEST #labels * 10")):
        c.send("@label=q%d %s" % (n, query))
        got = until_batches_close(c)
        assert got[0].command == "BATCH" and got[0].tags.get("label") == "q%d" % n, got
        assert [m.params for m in got if m.command == "PRIVMSG"] == [["#labels", "one"]]
        c.send("PING done%d" % n)
        got += c.collect(lambda m: m.command == "PONG")
        assert [m for m in got if "label" in m.tags] == [got[0]], got
    c.close()


def test_history_without_batch_cap_comes_unframed(make_server):
    srv = make_server()
    c = srv.client().register("unbatched", caps=["draft/chathistory", "server-time"])
    c.send("JOIN #plain")
    c.expect("366")
    say(c, "#plain", ["first", "second"])
    for query in ("CHATHISTORY LATEST #plain * 2", "CHATHISTORY LATEST #plain * 10"):
        c.send(query)
        got = c.collect(lambda m: m.command == "PRIVMSG" and m.params[1] == "second")
        c.send("PING after")
        got += c.collect(lambda m: m.command == "PONG")
        msgs = [m for m in got if m.command == "PRIVMSG"]
        assert [m.params[1] for m in msgs] == ["first", "second"], (query, got)
        assert not [m for m in got if m.command == "BATCH" or "batch" in m.tags], got
        assert all(set(m.tags) == {"time"} for m in msgs), got
    c.close()


def test_targets_lists_what_the_asker_may_read(make_server):
    srv = make_server()
    a = login(srv, "TgA", HIST_CAPS)
    b = login(srv, "tgb", HIST_CAPS)
    a.send("JOIN #tg")
    a.expect("366")
    say(a, "#tg", ["in the channel"])
    a.send("PRIVMSG tgb :between us")
    b.expect("PRIVMSG")
    span = "timestamp=2000-01-01T00:00:00.000Z timestamp=2999-01-01T00:00:00.000Z"
    for x, names in ((a, ["#tg", "tgb"]), (b, ["tga"])):
        x.send("CHATHISTORY TARGETS %s 10" % span)
        start, lines = history_batch(x)
        assert start.params[1:] == ["draft/chathistory-targets"]
        assert [m.params[:2] for m in lines] == [["TARGETS", n] for n in names], lines
        assert all(m.command == "CHATHISTORY" for m in lines)
    a.send("CHATHISTORY TARGETS %s 1" % span)
    _, lines = history_batch(a)
    assert [m.params[1] for m in lines] == ["#tg"]
    a.close()
    b.close()


def test_targets_when_one_account_name_begins_the_other(make_server):
    srv = make_server()
    short = login(srv, "al", HIST_CAPS)
    longer = login(srv, "alice", HIST_CAPS)
    short.send("PRIVMSG alice :hi")
    longer.expect("PRIVMSG")
    span = "timestamp=2000-01-01T00:00:00.000Z timestamp=2999-01-01T00:00:00.000Z"
    for x, other in ((short, "alice"), (longer, "al")):
        x.send("CHATHISTORY TARGETS %s 10" % span)
        _, lines = history_batch(x)
        assert [m.params[1] for m in lines] == [other]
    short.close()
    longer.close()


def test_history_written_before_schema_7_replays(make_server):
    import sqlite3
    srv = make_server()
    srv.stop()
    db = sqlite3.connect(os.path.join(srv.dir, "evircd.db"))
    now_ms = int(time.time() * 1000)
    db.executescript(
        "DROP TABLE history;"
        "CREATE TABLE history (id INTEGER PRIMARY KEY, target TEXT NOT NULL,"
        " recipient TEXT NOT NULL, msgid TEXT NOT NULL, time_ms INTEGER NOT NULL,"
        " command TEXT NOT NULL, source TEXT NOT NULL, uid TEXT, account TEXT,"
        " text TEXT, tags TEXT);"
        "CREATE INDEX history_target_time ON history (target, time_ms);"
        "CREATE INDEX history_time ON history (time_ms);"
        # ...and what schema 8 added to accounts, so the database is a true 6
        "DROP INDEX accounts_id; ALTER TABLE accounts DROP COLUMN id;"
        "ALTER TABLE accounts DROP COLUMN verify_attempts; DROP TABLE secrets;"
        "PRAGMA user_version = 6;")
    rows = [
        ("JOIN", "#Old", None, None),
        ("PRIVMSG", "#Old", "hello from before", "+example.org/t=1"),
        ("TOPIC", "#Old", ":a topic", None),
        ("QUIT", "#Old", ":gone", None),
    ]
    for i, (cmd, recipient, text, tags) in enumerate(rows):
        db.execute("INSERT INTO history (target, recipient, msgid, time_ms, command, source,"
                   " uid, account, text, tags) VALUES (?,?,?,?,?,?,?,?,?,?)",
                   ("#old", recipient, "oldid%d" % i, now_ms - 1000 + i, cmd,
                    "elder!u@host", None, "elder", text, tags))
    db.commit()
    db.close()
    srv.start()
    c = srv.client().register("younger", caps=HIST_CAPS + ["draft/event-playback"])
    c.send("JOIN #old")
    c.expect("366")
    c.send("CHATHISTORY BEFORE #old timestamp=2999-01-01T00:00:00.000Z 10")
    _, lines = history_batch(c)
    bodies = [m.line.split(" ", 1)[1] for m in lines][:4]
    assert bodies == [":elder!u@host JOIN #Old",
                      ":elder!u@host PRIVMSG #Old :hello from before",
                      ":elder!u@host TOPIC #Old :a topic",
                      ":elder!u@host QUIT :gone"]
    assert [m.tags["msgid"] for m in lines][:4] == ["oldid%d" % i for i in range(4)]
    assert lines[1].tags["+example.org/t"] == "1"
    c.close()
