"""draft/multiline as clients use it: labels, echo, client tags, fallback, invalid batches."""
import itertools

ML_CAPS = ["draft/multiline", "batch", "message-tags", "labeled-response", "echo-message"]
_names = itertools.count()


def _pair(server, sender_caps=ML_CAPS):
    n = next(_names)
    a = server.client().register("mla%d" % n, caps=sender_caps)
    b = server.client().register("mlb%d" % n, caps=["draft/multiline", "batch", "message-tags"])
    plain = server.client().register("mlp%d" % n)
    chan = "#mlt%d" % n
    for x in (a, b, plain):
        x.send("JOIN %s" % chan)
        x.expect("366")
    return a, b, plain, chan


def _close(*clients):
    for x in clients:
        x.close()


def test_labeled_batch_with_echo_labels_the_echoed_batch(server):
    """With echo-message the echoed draft/multiline batch is the response: it carries the label."""
    a, b, plain, chan = _pair(server)
    a.send("@label=ml1 BATCH +x draft/multiline %s" % chan)
    a.send("@batch=x PRIVMSG %s :one" % chan)
    a.send("@batch=x PRIVMSG %s :two" % chan)
    a.send("BATCH -x")
    a.send("PING :after")
    lines = [m for m in a.collect("PONG") if m.command != "JOIN"]
    assert [m.command for m in lines] == ["BATCH", "PRIVMSG", "PRIVMSG", "BATCH", "PONG"], lines
    opening = lines[0]
    assert opening.params[1:] == ["draft/multiline", chan]
    assert opening.tags.get("label") == "ml1"
    assert all("label" not in m.tags for m in lines[1:])
    assert not any(m.command == "ACK" for m in lines)
    _close(a, b, plain)


def test_labeled_batch_without_echo_is_acked_once(server):
    caps = ["draft/multiline", "batch", "message-tags", "labeled-response"]
    a, b, plain, chan = _pair(server, caps)
    a.send("@label=ml2 BATCH +y draft/multiline %s" % chan)
    a.send("@batch=y PRIVMSG %s :one" % chan)
    a.send("BATCH -y")
    a.send("PING :after")
    lines = [m for m in a.collect("PONG") if m.command != "JOIN"]
    assert [(m.command, m.tags.get("label")) for m in lines] == [("ACK", "ml2"), ("PONG", None)]
    assert b.expect("BATCH").params[1] == "draft/multiline"
    _close(a, b, plain)


def test_client_tags_of_the_opening_batch_are_relayed(server):
    a, b, plain, chan = _pair(server)
    tagged = server.client().register("mltag%d" % next(_names), caps=["message-tags"])
    tagged.send("JOIN %s" % chan)
    tagged.expect("366")
    a.send("@+draft/reply=abc;+example.com/x=1 BATCH +z draft/multiline %s" % chan)
    a.send("@batch=z PRIVMSG %s :first" % chan)
    a.send("@batch=z PRIVMSG %s :second" % chan)
    a.send("BATCH -z")
    opening = b.expect("BATCH")
    assert opening.tags.get("+draft/reply") == "abc"
    assert opening.tags.get("+example.com/x") == "1"
    # Without draft/multiline: the tags come on the first line.
    first = tagged.expect("PRIVMSG")
    assert first.tags.get("+draft/reply") == "abc" and first.params[1] == "first"
    second = tagged.expect("PRIVMSG")
    assert "+draft/reply" not in second.tags and second.params[1] == "second"
    _close(a, b, plain, tagged)


def test_fallback_leaves_out_blank_lines(server):
    a, b, plain, chan = _pair(server)
    a.send("BATCH +w draft/multiline %s" % chan)
    a.send("@batch=w PRIVMSG %s :para one" % chan)
    a.send("@batch=w PRIVMSG %s :" % chan)
    a.send("@batch=w PRIVMSG %s :para two" % chan)
    a.send("BATCH -w")
    body = b.collect(lambda m: m.command == "BATCH" and m.params[0].startswith("-"))
    assert [m.params[1] for m in body if m.command == "PRIVMSG"] == ["para one", "", "para two"]
    plain.send("PING :sync")
    got = plain.collect("PONG")
    assert [m.params[1] for m in got if m.command == "PRIVMSG"] == ["para one", "para two"]
    _close(a, b, plain)


def test_concat_on_a_blank_line_is_invalid_and_nothing_is_relayed(server):
    a, b, plain, chan = _pair(server)
    a.send("BATCH +v draft/multiline %s" % chan)
    a.send("@batch=v PRIVMSG %s :hello" % chan)
    a.send("@batch=v;draft/multiline-concat PRIVMSG %s :" % chan)
    a.send("BATCH -v")
    fail = a.expect("FAIL")
    assert fail.params[:2] == ["BATCH", "MULTILINE_INVALID"]
    for x in (a, b, plain):
        x.send("PING :sync")
        got = x.collect("PONG")
        assert not any(m.command in ("PRIVMSG", "BATCH") for m in got), got
    _close(a, b, plain)


def test_labeled_failure_carries_the_label(server):
    a, b, plain, chan = _pair(server)
    a.send("@label=ml3 BATCH +u draft/multiline %s" % chan)
    a.send("@batch=u PRIVMSG #elsewhere :hello")
    a.send("BATCH -u")
    fail = a.expect("FAIL")
    assert fail.params[:4] == ["BATCH", "MULTILINE_INVALID_TARGET", chan, "#elsewhere"]
    assert fail.tags.get("label") == "ml3"
    _close(a, b, plain)


def test_labeled_batch_to_oneself_labels_only_the_echo(server):
    n = next(_names)
    me = server.client().register("mlself%d" % n, caps=ML_CAPS)
    me.send("@label=self1 BATCH +s draft/multiline %s" % me.nick)
    me.send("@batch=s PRIVMSG %s :note one" % me.nick)
    me.send("@batch=s PRIVMSG %s :note two" % me.nick)
    me.send("BATCH -s")
    me.send("PING :after")
    lines = me.collect("PONG")
    openings = [m for m in lines if m.command == "BATCH" and m.params[0].startswith("+")]
    assert [m.params[1] for m in openings] == ["draft/multiline", "draft/multiline"], lines
    assert [m.tags.get("label") for m in openings] == ["self1", None]
    assert not any(m.command == "ACK" for m in lines)
    me.close()


def test_msgid_is_the_batch_s_and_redact_takes_every_line(server):
    caps = ML_CAPS + ["draft/message-redaction", "draft/chathistory", "server-time"]
    n = next(_names)
    a = server.client().register("mlr%d" % n, caps=caps)
    b = server.client().register("mlrb%d" % n, caps=["draft/multiline", "batch", "message-tags"])
    plain = server.client().register("mlrp%d" % n, caps=["message-tags"])
    chan = "#mlr%d" % n
    for x in (a, b, plain):
        x.send("JOIN %s" % chan)
        x.expect("366")
    a.send("BATCH +r draft/multiline %s" % chan)
    for text in ("one", "two", "three"):
        a.send("@batch=r PRIVMSG %s :%s" % (chan, text))
    a.send("BATCH -r")
    opening = a.expect("BATCH")
    msgid = opening.tags["msgid"]
    body = a.collect(lambda m: m.command == "BATCH")
    assert all("msgid" not in m.tags for m in body), body
    seen = b.expect("BATCH")
    assert seen.tags["msgid"] == msgid
    # Without draft/multiline: the batch's msgid on the first line only.
    got = [plain.expect("PRIVMSG") for _ in range(3)]
    assert [m.tags.get("msgid") for m in got] == [msgid, None, None]
    a.send("REDACT %s %s" % (chan, msgid))
    assert a.expect("REDACT").params == [chan, msgid]
    a.send("CHATHISTORY LATEST %s * 10" % chan)
    start = a.expect(lambda m: m.command == "BATCH" and m.params[1] == "chathistory")
    ref = start.params[0][1:]
    lines = a.collect(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    assert not any(m.command == "PRIVMSG" for m in lines), lines
    for x in (a, b, plain):
        x.close()
