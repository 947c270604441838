"""IRCv3 draft/metadata-3: METADATA, notifications, synchronization, persistence."""
import base64

CAPS = ["draft/metadata-3", "batch"]
CAP_VALUE = ("draft/metadata-3=before-connect,max-subs=50,max-keys=20,max-key-bytes=64,"
             "max-value-bytes=300")


def aware(server, nick, extra=()):
    """A registered metadata-aware client (draft/metadata-3 and batch)."""
    return server.client().register(nick, caps=CAPS + list(extra))


def batch(c, kind="metadata", timeout=5.0):
    """The next batch of type kind: (its parameters after the type, its lines)."""
    start = c.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+")
                     and m.params[1] == kind, timeout)
    ref = start.params[0][1:]
    lines = []
    while True:
        m = c.recv()
        if m.command == "BATCH" and m.params[0] == "-" + ref:
            return start.params[2:], lines
        assert m.tags.get("batch") == ref, m
        lines.append(m)


def fail(c):
    return c.expect(lambda m: m.command == "FAIL").params


def joined(c, channel):
    c.send("JOIN %s" % channel)
    c.expect("366")


def kv(lines):
    """(target, key, value) of each 761, value None for a 766."""
    out = []
    for m in lines:
        if m.command == "761":
            out.append((m.params[1], m.params[2], m.params[4]))
        elif m.command == "766":
            out.append((m.params[1], m.params[2], None))
    return out


def subscribe(c, *keys):
    """SUB keys: the answer is 770, and 774 *ALL 0 when some are set (never a batch)."""
    c.send("METADATA * SUB %s" % " ".join(keys))
    c.send("PING :subscribed")
    lines = c.collect("PONG")[:-1]
    assert lines and lines[0].command == "770", lines
    assert all(m.command in ("770", "774") for m in lines), lines
    return lines


# -- capability ---------------------------------------------------------------


def test_cap_value_and_no_metadata_2(server):
    c = server.client()
    c.send("CAP LS 302")
    offered = set()
    for m in c.collect(lambda m: m.command == "CAP" and m.params[2] != "*"):
        offered |= set(m.params[-1].split())
    assert CAP_VALUE in offered
    assert not any(x.startswith("draft/metadata-2") for x in offered)
    c.send("CAP REQ :draft/metadata-2")
    nak = c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
    assert nak.params[1] == "NAK"
    c.close()


def test_command_needs_metadata_3_and_batch(server):
    plain = server.client().register("mdPlain")
    half = server.client().register("mdHalf", caps=["draft/metadata-3"])
    for c in (plain, half):
        c.send("METADATA * LIST")
        assert fail(c)[:3] == ["METADATA", "NEED_CAPABILITY", "*"]
        c.close()


# -- SET, GET, LIST, CLEAR ----------------------------------------------------


def test_set_get_list_and_remove(server):
    a = aware(server, "mdSet")
    a.send("METADATA * SET avatar :https://example.org/a.png")
    assert a.expect("761").params == ["mdSet", "mdSet", "avatar", "*",
                                      "https://example.org/a.png"]
    a.send("METADATA mdset SET status :out to lunch")
    assert a.expect("761").params[1:] == ["mdSet", "status", "*", "out to lunch"]
    a.send("METADATA mdSet GET status Bad! missing avatar")
    params, lines = batch(a)
    assert params == ["mdSet"]
    assert [m.command for m in lines] == ["761", "WARN", "766", "761"]
    assert lines[1].params[:3] == ["METADATA", "INVALID_KEY", "Bad!"]
    assert kv(lines) == [("mdSet", "status", "out to lunch"), ("mdSet", "missing", None),
                         ("mdSet", "avatar", "https://example.org/a.png")]
    a.send("METADATA * LIST")
    params, lines = batch(a)
    assert params == ["mdSet"]
    assert kv(lines) == [("mdSet", "avatar", "https://example.org/a.png"),
                         ("mdSet", "status", "out to lunch")]
    # An empty value removes the key; removing it again is no error.
    a.send("METADATA * SET status :")
    assert a.expect("766").params[1:3] == ["mdSet", "status"]
    a.send("METADATA * SET status")
    assert a.expect("766").params[1:3] == ["mdSet", "status"]
    a.send("METADATA * SET avatar :https://example.org/a.png")
    assert a.expect("761").params[-1] == "https://example.org/a.png"
    a.close()


def test_others_can_read_but_not_write(server):
    a = aware(server, "mdOwner")
    b = aware(server, "mdReader")
    a.send("METADATA * SET url :https://a.example")
    a.expect("761")
    b.send("METADATA mdOwner GET url")
    assert kv(batch(b)[1]) == [("mdOwner", "url", "https://a.example")]
    b.send("METADATA mdOwner SET url :https://evil.example")
    assert fail(b) == ["METADATA", "KEY_NO_PERMISSION", "mdOwner", "url", "Permission denied"]
    b.send("METADATA mdOwner CLEAR")
    assert fail(b)[:4] == ["METADATA", "KEY_NO_PERMISSION", "mdOwner", "*"]
    a.send("METADATA * GET url")
    assert kv(batch(a)[1]) == [("mdOwner", "url", "https://a.example")]
    a.close()
    b.close()


def test_clear_answers_766_per_key_in_a_batch(server):
    a = aware(server, "mdClear")
    for k in ("one", "two", "three"):
        a.send("METADATA * SET %s :v" % k)
        a.expect("761")
    a.send("METADATA * CLEAR")
    params, lines = batch(a)
    assert params == ["mdClear"]
    assert kv(lines) == [("mdClear", k, None) for k in ("one", "two", "three")]
    a.send("METADATA * LIST")
    assert batch(a)[1] == []
    a.close()


def test_invalid_params(server):
    a = aware(server, "mdParams")
    for line, sub in (("METADATA", "*"), ("METADATA *", "*"), ("METADATA * GET", "GET"),
                      ("METADATA * SNEEZE", "SNEEZE"), ("METADATA * :: hi!", "*"),
                      ("METADATA * LIST extra", "LIST"), ("METADATA * SET", "SET"),
                      ("METADATA * SET k v extra", "SET"), ("METADATA * SUB", "SUB"),
                      ("METADATA * SUBS x", "SUBS"), ("METADATA * sync now", "sync")):
        a.send(line)
        assert fail(a)[:3] == ["METADATA", "INVALID_PARAMS", sub], line
    a.close()


def test_invalid_target(server):
    a = aware(server, "mdTarget")
    b = aware(server, "mdOther")
    for line, target in (("METADATA nobody GET k", "nobody"),
                         ("METADATA #nowhere LIST", "#nowhere"),
                         ("METADATA $a:user SET url :x", "$a:user"),
                         ("METADATA mdOther SUB k", "mdOther"),
                         ("METADATA mdOther SUBS", "mdOther"),
                         ("METADATA mdOther UNSUB k", "mdOther")):
        a.send(line)
        assert fail(a) == ["METADATA", "INVALID_TARGET", target, "Invalid metadata target"]
    a.close()
    b.close()


def test_invalid_key_and_value(server):
    a = aware(server, "mdBad")
    for key in ("Upper", "sp$ce", "k" * 65):
        a.send("METADATA * SET %s :v" % key)
        assert fail(a)[:3] == ["METADATA", "INVALID_KEY", key]
    a.send("METADATA * SET %s :ok" % ("k" * 64))
    a.expect("761")
    a.send("METADATA * SET long :%s" % ("x" * 301))
    assert fail(a)[:3] == ["METADATA", "INVALID_VALUE", "long"]
    a.send("METADATA * SET long :%s" % ("é" * 150))
    assert a.expect("761").params[-1] == "é" * 150
    a.sock.sendall(b"METADATA * SET latin :caf\xe9\r\n")
    # UTF8ONLY (the default) refuses the whole line before METADATA looks at it.
    assert fail(a)[:2] == ["METADATA", "INVALID_UTF8"]
    a.close()


def test_key_limit(server):
    a = aware(server, "mdLimit")
    for i in range(20):
        a.send("METADATA * SET k%d :%d" % (i, i))
        a.expect("761")
    a.send("METADATA * SET k20 :one too many")
    assert fail(a)[:6] == ["METADATA", "LIMIT_REACHED", "SET", "mdLimit", "20",
                           "Too many keys"]
    # Changing or removing an existing key is still fine.
    a.send("METADATA * SET k3 :changed")
    assert a.expect("761").params[-1] == "changed"
    a.send("METADATA * SET k4")
    a.expect("766")
    a.send("METADATA * SET k20 :fits now")
    a.expect("761")
    a.close()


# -- subscriptions ------------------------------------------------------------


def test_sub_unsub_subs(server):
    a = aware(server, "mdSubs")
    a.send("METADATA * SUBS")
    assert batch(a, "metadata-subs") == ([], [])
    a.send("METADATA * SUB avatar Bad$ website avatar")
    warn = a.expect("WARN")
    assert warn.params[:3] == ["METADATA", "INVALID_KEY", "Bad$"]
    ok = a.expect("770")
    assert ok.params == ["mdSubs", "avatar", "website", "avatar"]
    a.send("METADATA * SUBS")
    params, lines = batch(a, "metadata-subs")
    assert [m.command for m in lines] == ["772"]
    assert sorted(lines[0].params[1:]) == ["avatar", "website"]
    a.send("METADATA * UNSUB website nothere")
    assert a.expect("771").params == ["mdSubs", "website", "nothere"]
    a.send("METADATA mdSubs SUBS")
    assert batch(a, "metadata-subs")[1][0].params[1:] == ["avatar"]
    # Subscribing again to a key already held sends no new sync.
    a.send("METADATA * SUB avatar")
    assert a.expect("770").params[1:] == ["avatar"]
    assert not any(m.command == "BATCH" for m in a.quiet(0.3))
    a.close()


def test_subscription_limit_stops_at_the_first_refused_key(server):
    a = aware(server, "mdSubMax")
    for start in range(0, 50, 10):
        subscribe(a, *("key%d" % i for i in range(start, start + 10)))
    a.send("METADATA * SUB key0 extra1 extra2")
    assert a.expect("770").params[1:] == ["key0"]
    assert fail(a)[:5] == ["METADATA", "LIMIT_REACHED", "SUB", "extra1", "50"]
    a.send("METADATA * SUBS")
    keys = set()
    for m in batch(a, "metadata-subs")[1]:
        assert len(m.params) <= 13
        keys |= set(m.params[1:])
    assert len(keys) == 50 and "extra1" not in keys and "extra2" not in keys
    a.close()


def test_sub_asks_to_sync_new_keys_of_visible_targets(server):
    a = aware(server, "mdSubA")
    b = aware(server, "mdSubB")
    watched = aware(server, "mdSubW")
    stranger = aware(server, "mdSubX")
    for c in (a, b):
        joined(c, "#mdsub")
        batch(c)
    a.send("METADATA #mdsub SET topic-url :https://t.example")
    a.expect("761")
    for c, v in ((a, "a"), (b, "b"), (watched, "w"), (stranger, "x")):
        c.send("METADATA * SET display-name :%s" % v)
        c.expect("761")
    b.send("MONITOR + mdSubW")
    b.expect("730")
    batch(b)
    lines = subscribe(b, "display-name", "topic-url")
    assert [(m.command, m.params[1:3]) for m in lines[1:]] == [("774", ["*ALL", "0"])]
    got = {("mdSubB", "display-name", "b"), ("#mdsub", "topic-url", "https://t.example"),
           ("mdSubA", "display-name", "a"), ("mdSubW", "display-name", "w")}
    b.send("METADATA *ALL SYNC")
    params, lines = batch(b)
    assert params == ["*ALL"] and set(kv(lines)) == got
    for c in (a, b, watched, stranger):
        c.close()


def test_before_connect_and_registration_burst(server):
    c = server.client()
    c.cap_req("draft/metadata-3 batch")
    c.send("METADATA * SUB display-name")
    assert c.expect("770").params == ["*", "display-name"]
    c.send("METADATA * SET display-name :a b c")
    assert c.expect("761").params == ["*", "*", "display-name", "*", "a b c"]
    c.send("METADATA someone GET display-name")
    assert fail(c)[:3] == ["METADATA", "INVALID_TARGET", "someone"]
    c.send("NICK mdEarly")
    c.send("USER u 0 * :r")
    c.send("CAP END")
    lines = c.collect(lambda m: m.command in ("376", "422"))
    commands = [m.command for m in lines]
    assert "001" in commands and "BATCH" not in commands[:commands.index("001")]
    start = next(i for i, m in enumerate(lines) if m.command == "BATCH")
    assert lines[start].params[1:] == ["metadata", "mdEarly"]
    ref = lines[start].params[0][1:]
    assert lines[start + 1].tags["batch"] == ref
    assert lines[start + 1].params == ["mdEarly", "mdEarly", "display-name", "*", "a b c"]
    assert lines[start + 2].params == ["-" + ref]
    c.send("METADATA * SUBS")
    assert batch(c, "metadata-subs")[1][0].params == ["mdEarly", "display-name"]
    c.send("METADATA * LIST")
    assert kv(batch(c)[1]) == [("mdEarly", "display-name", "a b c")]
    c.close()


def test_registration_burst_empty_batch_and_none_without_cap(server):
    c = server.client()
    c.cap_req("draft/metadata-3 batch")
    c.send("CAP END")
    c.send("NICK mdEmpty")
    c.send("USER u 0 * :r")
    lines = c.collect(lambda m: m.command in ("376", "422"))
    starts = [m for m in lines if m.command == "BATCH" and m.params[0].startswith("+")]
    assert [m.params[1:] for m in starts] == [["metadata", "mdEmpty"]]
    plain = server.client()
    plain.send("NICK mdNoCap")
    plain.send("USER u 0 * :r")
    assert not any(m.command == "BATCH" for m in
                   plain.collect(lambda m: m.command in ("376", "422")))
    c.close()
    plain.close()


def test_removing_a_capability_clears_subscriptions(server):
    for cap in ("draft/metadata-3", "batch"):
        a = aware(server, "mdCapOff")
        subscribe(a, "avatar", "status")
        a.send("CAP REQ :-%s" % cap)
        a.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
        a.send("CAP REQ :%s" % cap)
        a.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
        a.send("METADATA * SUBS")
        assert batch(a, "metadata-subs")[1] == [], cap
        a.close()


# -- notifications ------------------------------------------------------------


def test_notifications_reach_subscribers_sharing_a_channel(server):
    a = aware(server, "mdNoteA")
    b = aware(server, "mdNoteB")       # shares #mdnote, subscribed
    d = aware(server, "mdNoteD")       # shares #mdnote, not subscribed
    far = aware(server, "mdNoteFar")   # subscribed, shares nothing
    old = server.client().register("mdNoteOld")  # in the channel, no capability
    for c in (b, far):
        subscribe(c, "avatar")
    for c in (a, b, d):
        joined(c, "#mdnote")
        batch(c)
    joined(old, "#mdnote")
    a.send("METADATA * SET avatar :https://example.org/a.png")
    assert a.expect("761").params[1:] == ["mdNoteA", "avatar", "*", "https://example.org/a.png"]
    note = b.expect("761")
    assert note.source == "irc.test"
    assert note.params == ["mdNoteB", "mdNoteA", "avatar", "*", "https://example.org/a.png"]
    a.send("METADATA * SET other :not subscribed")
    a.expect("761")
    a.send("METADATA * SET avatar")
    a.expect("766")
    assert b.expect("766").params == ["mdNoteB", "mdNoteA", "avatar", "Key not set"]
    for c in (d, far, old):
        assert not any(m.command in ("761", "766", "METADATA") for m in c.quiet())
    # The one who changed it hears only its own answer.
    assert not any(m.command in ("761", "766") for m in a.quiet())
    for c in (a, b, d, far, old):
        c.close()


def test_channel_metadata_needs_operator_and_reaches_members(server):
    op = aware(server, "mdChanOp")
    member = aware(server, "mdChanMember")
    outsider = aware(server, "mdChanOut")
    for c in (member, outsider):
        subscribe(c, "url")
    for c in (op, member):
        joined(c, "#mdchan")
        batch(c)
    member.send("METADATA #mdchan SET url :https://evil.example")
    assert fail(member) == ["METADATA", "KEY_NO_PERMISSION", "#mdchan", "url",
                            "Permission denied"]
    member.send("METADATA #mdchan CLEAR")
    assert fail(member)[:4] == ["METADATA", "KEY_NO_PERMISSION", "#mdchan", "*"]
    op.send("METADATA #MDchan SET url :https://chan.example")
    assert op.expect("761").params[1:] == ["#mdchan", "url", "*", "https://chan.example"]
    assert member.expect("761").params[1:] == ["#mdchan", "url", "*", "https://chan.example"]
    assert not any(m.command == "761" for m in outsider.quiet())
    outsider.send("METADATA #mdchan GET url")
    assert kv(batch(outsider)[1]) == [("#mdchan", "url", "https://chan.example")]
    op.send("METADATA #mdchan CLEAR")
    assert kv(batch(op)[1]) == [("#mdchan", "url", None)]
    assert member.expect("766").params[1:3] == ["#mdchan", "url"]
    for c in (op, member, outsider):
        c.close()


def test_secret_channel_metadata_stays_private(server):
    op = aware(server, "mdSecOp")
    spy = aware(server, "mdSecSpy")
    subscribe(spy, "url", "status")
    joined(op, "#mdsecret")
    batch(op)
    op.send("MODE #mdsecret +s")
    op.expect("MODE")
    op.send("METADATA #mdsecret SET url :hidden")
    op.expect("761")
    for line in ("METADATA #mdsecret GET url", "METADATA #mdsecret LIST",
                 "METADATA #mdsecret SYNC", "METADATA #mdsecret SET url :x"):
        spy.send(line)
        assert fail(spy)[:3] == ["METADATA", "INVALID_TARGET", "#mdsecret"], line
    op.send("METADATA #mdsecret SET url :still hidden")
    op.send("METADATA * SET status :busy")
    op.expect("761")
    assert not any(m.command in ("761", "766") for m in spy.quiet())
    op.close()
    spy.close()


def test_monitor_brings_metadata_and_notifications(server):
    target = aware(server, "mdMonT")
    target.send("METADATA * SET status :here")
    target.expect("761")
    w = aware(server, "mdMonW")
    subscribe(w, "status")
    w.send("MONITOR + mdMonT,mdMonGone")
    assert w.expect("730").params[-1].startswith("mdMonT!")
    params, lines = batch(w)
    assert params == ["mdMonT"] and kv(lines) == [("mdMonT", "status", "here")]
    target.send("METADATA * SET status :away")
    assert w.expect("761").params[1:] == ["mdMonT", "status", "*", "away"]
    target.close()
    w.expect("731")
    # Coming back online with metadata set before registration.
    c = server.client()
    c.cap_req("draft/metadata-3 batch")
    c.send("METADATA * SET status :back")
    c.expect("761")
    c.send("NICK mdMonT")
    c.send("USER u 0 * :r")
    c.send("CAP END")
    assert w.expect("730").params[-1].startswith("mdMonT!")
    assert kv(batch(w)[1]) == [("mdMonT", "status", "back")]
    w.send("MONITOR S")
    w.expect("730")
    assert kv(batch(w)[1]) == [("mdMonT", "status", "back")]
    c.close()
    w.close()


# -- synchronization ----------------------------------------------------------


def test_join_sends_a_metadata_batch_of_channel_and_members(server):
    op = aware(server, "mdJoinOp")
    other = aware(server, "mdJoinOther")
    inv = aware(server, "mdJoinInv")
    for c, v in ((op, "op"), (other, "other"), (inv, "inv")):
        c.send("METADATA * SET display-name :%s" % v)
        c.expect("761")
    joined(op, "#mdjoin")
    batch(op)
    op.send("METADATA #mdjoin SET url :https://j.example")
    op.expect("761")
    inv.send("MODE mdJoinInv +i")
    inv.expect("MODE")
    for c in (other, inv):
        joined(c, "#mdjoin")
        batch(c)
    late = aware(server, "mdJoinLate")
    late.send("METADATA * SET display-name :late")
    late.expect("761")
    subscribe(late, "display-name", "url")
    late.send("JOIN #mdjoin")
    late.expect("366")
    params, lines = batch(late)
    assert params == ["#mdjoin"]
    assert set(kv(lines)) == {("#mdjoin", "url", "https://j.example"),
                              ("mdJoinOp", "display-name", "op"),
                              ("mdJoinOther", "display-name", "other"),
                              ("mdJoinInv", "display-name", "inv")}
    # SYNC of the channel gives the same; an outsider does not see +i members.
    late.send("METADATA #mdjoin SYNC")
    assert set(kv(batch(late)[1])) == set(kv(lines))
    outsider = aware(server, "mdJoinOut")
    subscribe(outsider, "display-name")
    outsider.send("METADATA #mdjoin SYNC")
    names = {t for t, _, _ in kv(batch(outsider)[1])}
    assert names == {"mdJoinOp", "mdJoinOther", "mdJoinLate"}
    # A client without subscriptions gets an empty batch; one without the capability none.
    bare = aware(server, "mdJoinBare")
    bare.send("JOIN #mdjoin")
    bare.expect("366")
    assert batch(bare) == (["#mdjoin"], [])
    plain = server.client().register("mdJoinPlain")
    plain.send("JOIN #mdjoin")
    plain.expect("366")
    assert not any(m.command == "BATCH" for m in plain.quiet())
    for c in (op, other, inv, late, outsider, bare, plain):
        c.close()


def test_sync_of_a_user(server):
    a = aware(server, "mdSyncA")
    a.send("METADATA * SET x :1")
    a.expect("761")
    a.send("METADATA * SET y :2")
    a.expect("761")
    b = aware(server, "mdSyncB")
    subscribe(b, "y")
    b.send("METADATA mdSyncA SYNC")
    params, lines = batch(b)
    assert params == ["mdSyncA"] and kv(lines) == [("mdSyncA", "y", "2")]
    a.close()
    b.close()


def test_large_join_sync_is_postponed_then_sync_works(server):
    keys = ["k%d" % i for i in range(20)]
    fillers = []
    for n in range(3):
        c = aware(server, "mdBig%d" % n)
        joined(c, "#mdbig")
        batch(c)
        for k in keys:
            c.send("METADATA * SET %s :%s" % (k, "v" * 300))
            c.expect("761")
        fillers.append(c)
    late = aware(server, "mdBigLate")
    subscribe(late, *keys[:12])
    subscribe(late, *keys[12:])
    late.send("JOIN #mdbig")
    late.expect("366")
    later = late.expect("774")
    assert later.params[1:3] == ["#mdbig", "0"]
    late.send("METADATA #mdbig SYNC")
    params, lines = batch(late)
    assert params == ["#mdbig"] and len(lines) == 60
    for c in fillers + [late]:
        c.close()


def test_labeled_get_nests_the_metadata_batch(server):
    a = aware(server, "mdLabel", extra=["labeled-response", "message-tags"])
    a.send("METADATA * SET k :v")
    a.expect("761")
    a.send("@label=abc METADATA * GET k")
    outer = a.expect("BATCH")
    assert outer.tags["label"] == "abc" and outer.params[1] == "labeled-response"
    inner = a.expect("BATCH")
    assert inner.tags["batch"] == outer.params[0][1:] and inner.params[1:] == ["metadata",
                                                                               "mdLabel"]
    value = a.expect("761")
    assert value.tags["batch"] == inner.params[0][1:]
    a.close()


# -- limits that need their own server ----------------------------------------


def test_rate_limit_775(make_server):
    srv = make_server().restart_with("flood_rate = 0", "flood_rate = 50\nflood_burst = 100")
    a = aware(srv, "mdRate")
    for i in range(20):
        a.send("METADATA * SET k :%d" % i)
        a.expect("761")
    a.send("METADATA * SET k :one more time")
    limited = a.expect("775")
    assert limited.params[0] == "mdRate" and int(limited.params[1]) > 0
    assert limited.params[2:] == ["*", "SET", "k", "one more time"]
    # Setting the same value again changes nothing and is not limited.
    a.send("METADATA * SET k :19")
    assert a.expect("761").params[-1] == "19"
    a.close()


def sasl_plain(srv, account, password, nick):
    c = srv.client()
    c.cap_req("sasl draft/metadata-3 batch")
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    blob = base64.b64encode(b"\0" + account.encode() + b"\0" + password.encode()).decode()
    c.send("AUTHENTICATE " + blob)
    c.expect("903")
    c.send("CAP END")
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :r")
    return c


def burst_batch(c):
    lines = c.collect(lambda m: m.command in ("376", "422"))
    start = next(i for i, m in enumerate(lines) if m.command == "BATCH")
    end = next(i for i, m in enumerate(lines) if m.command == "BATCH" and i > start)
    return kv(lines[start + 1:end])


def test_account_metadata_survives_reconnect_and_restart(make_server):
    srv = make_server()
    a = aware(srv, "mdPersist")
    a.send("METADATA * SET before-login :kept")
    a.expect("761")
    a.send("REGISTER * * :hunter22")
    a.expect("900")
    a.send("METADATA * SET avatar :https://example.org/p.png")
    a.expect("761")
    a.send("METADATA * SET gone :soon")
    a.expect("761")
    a.send("METADATA * SET gone")
    a.expect("766")
    a.close()
    srv.stop()
    srv.start()
    c = sasl_plain(srv, "mdPersist", "hunter22", "mdBack")
    assert burst_batch(c) == [("mdBack", "before-login", "kept"),
                              ("mdBack", "avatar", "https://example.org/p.png")]
    # CLEAR while logged in empties the stored copy too.
    c.send("METADATA * CLEAR")
    batch(c)
    c.close()
    d = sasl_plain(srv, "mdPersist", "hunter22", "mdBack2")
    assert burst_batch(d) == []
    d.close()


def test_before_connect_value_wins_over_stored_one(make_server):
    srv = make_server()
    a = aware(srv, "mdWin")
    a.send("REGISTER * * :hunter22")
    a.expect("900")
    a.send("METADATA * SET status :stored")
    a.expect("761")
    a.send("METADATA * SET other :stored too")
    a.expect("761")
    a.close()
    c = srv.client()
    c.cap_req("sasl draft/metadata-3 batch")
    c.send("METADATA * SET status :fresh")
    c.expect("761")
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE " + base64.b64encode(b"\0mdWin\0hunter22").decode())
    c.expect("903")
    c.send("CAP END")
    c.send("NICK mdWin2")
    c.send("USER u 0 * :r")
    assert burst_batch(c) == [("mdWin2", "status", "fresh"), ("mdWin2", "other", "stored too")]
    c.close()
    d = sasl_plain(srv, "mdWin", "hunter22", "mdWin3")
    assert dict((k, v) for _, k, v in burst_batch(d)) == {"status": "fresh",
                                                          "other": "stored too"}
    d.close()


def test_dropped_account_forgets_its_metadata(make_server):
    srv = make_server()
    a = aware(srv, "mdDrop")
    a.send("REGISTER * * :hunter22")
    a.expect("900")
    a.send("METADATA * SET secret :old life")
    a.expect("761")
    a.send("ACCOUNT DROP mdDrop hunter22")
    a.expect("NOTE")
    a.close()
    b = aware(srv, "mdDrop")
    b.send("REGISTER * * :another pass")
    b.expect("900")
    b.close()
    c = sasl_plain(srv, "mdDrop", "another pass", "mdDrop2")
    assert burst_batch(c) == []
    c.close()


def test_value_that_could_not_reach_subscribers_whole_is_refused(make_server):
    # With 64-character nicks a 300-byte value under a 64-byte key would not fit a 761.
    srv = make_server("\n[limits]\nnicklen = 64\nchannellen = 200\n")
    a = aware(srv, "mdWide")
    key = "k" * 64
    a.send("METADATA * SET %s :%s" % (key, "x" * 300))
    assert fail(a)[:3] == ["METADATA", "INVALID_VALUE", key]
    a.send("METADATA * SET %s :%s" % (key, "x" * 298))
    assert a.expect("761").params[-1] == "x" * 298
    a.close()


def test_malformed_commands_get_fails_and_the_server_stays_up(server):
    a = aware(server, "mdJunk")
    junk = ["METADATA * SUB :a b", "METADATA * GET " + " ".join(["$"] * 13),
            "METADATA * SET k :" + "x" * 480, "METADATA " + "#" * 300 + " LIST",
            "METADATA * UNSUB ::", "METADATA *ALL LIST", "METADATA *ALL SYNC extra",
            "METADATA * SYNC", "METADATA * SET k :\x01\x02"]
    for line in junk:
        a.send(line)
    a.send("PING :still-here")
    seen = a.collect(lambda m: m.command == "PONG")
    assert seen[-1].params[-1] == "still-here"
    fails = [m.params[1] for m in seen if m.command == "FAIL"]
    assert fails == ["INVALID_VALUE", "INVALID_TARGET", "INVALID_TARGET", "INVALID_PARAMS"]
    warns = [m.params[2] for m in seen if m.command == "WARN"]
    assert warns == ["*"] + ["$"] * 13 + ["*"]
    a.close()


def test_sub_of_unset_keys_answers_770_alone(server):
    a = aware(server, "mdSubOnly")
    a.send("METADATA * SUB never-set-anywhere other-unset")
    a.send("PING :after")
    lines = a.collect("PONG")
    assert [m.command for m in lines] == ["770", "PONG"], lines
    a.close()


def test_whois_shows_the_keys_with_760(server):
    a = aware(server, "mdWhoisA")
    b = server.client().register("mdWhoisB")
    a.send("METADATA * SET display-name :Alice A.")
    a.expect("761")
    a.send("METADATA * SET homepage :https://a.example")
    a.expect("761")
    b.send("WHOIS mdWhoisA")
    lines = b.collect("318")
    shown = [m.params[1:] for m in lines if m.command == "760"]
    assert shown == [["mdWhoisA", "display-name", "*", "Alice A."],
                     ["mdWhoisA", "homepage", "*", "https://a.example"]]
    b.send("WHOIS mdWhoisB")
    assert not any(m.command == "760" for m in b.collect("318"))
    a.close()
    b.close()


def test_connections_of_one_account_share_changes_live(make_server):
    srv = make_server()
    a = aware(srv, "mdTwinA")
    a.send("REGISTER * * :hunter22")
    a.expect("900")
    b = sasl_plain(srv, "mdTwinA", "hunter22", "mdTwinB")
    burst_batch(b)
    watcher = aware(srv, "mdTwinW")
    subscribe(b, "status")
    subscribe(watcher, "status")
    for c in (b, watcher):
        joined(c, "#mdtwin")
        batch(c)
    a.send("METADATA * SET status :on a train")
    assert a.expect("761").params[1:] == ["mdTwinA", "status", "*", "on a train"]
    # The other connection holds the key now, and hears of it (it did not make the change).
    told = b.expect("761")
    assert told.params[1:] == ["mdTwinB", "status", "*", "on a train"]
    told = watcher.expect("761")
    assert told.params[1:] == ["mdTwinB", "status", "*", "on a train"]
    b.send("METADATA * GET status")
    assert kv(batch(b)[1]) == [("mdTwinB", "status", "on a train")]
    a.send("METADATA * SET status")
    a.expect("766")
    assert b.expect("766").params[1:3] == ["mdTwinB", "status"]
    for c in (a, b, watcher):
        c.close()
