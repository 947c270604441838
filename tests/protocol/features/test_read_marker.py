"""draft/read-marker with and without an account: get, set, JOIN, user targets, bounds."""
import base64
import time

CAPS = ["draft/read-marker", "server-time", "message-tags"]


def stamp(offset_ms):
    """A server-time stamp offset_ms after 2026-01-01 (in the past, so never clamped)."""
    base = time.mktime((2026, 1, 1, 0, 0, 0, 0, 0, 0)) - time.timezone
    t = base + offset_ms / 1000.0
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (offset_ms % 1000)


def markread(c, target, ts=None):
    c.send("MARKREAD %s%s" % (target, "" if ts is None else " " + ts))
    return c.expect(lambda m: m.command in ("MARKREAD", "FAIL"))


def test_markers_without_an_account_are_kept_for_the_session(make_server):
    srv = make_server()
    c = srv.client().register("reader", caps=CAPS)
    got = markread(c, "#news")
    assert got.command == "MARKREAD" and got.params == ["#news", "*"]
    got = markread(c, "#news", "timestamp=" + stamp(5000))
    assert got.params == ["#news", "timestamp=" + stamp(5000)]
    # An older one leaves the stored one.
    got = markread(c, "#NEWS", "timestamp=" + stamp(1000))
    assert got.params == ["#NEWS", "timestamp=" + stamp(5000)]
    # "*" and no timestamp both ask.
    assert markread(c, "#news", "*").params == ["#news", "timestamp=" + stamp(5000)]
    assert markread(c, "#news").params == ["#news", "timestamp=" + stamp(5000)]
    bad = markread(c, "#news", "yesterday")
    assert bad.command == "FAIL" and bad.params[:2] == ["MARKREAD", "INVALID_PARAMS"]
    c.close()
    # Another connection of the same nick (no account) starts afresh.
    again = srv.client().register("reader", caps=CAPS)
    assert markread(again, "#news").params == ["#news", "*"]
    again.close()


def test_marker_comes_after_join_and_before_end_of_names(make_server):
    srv = make_server()
    c = srv.client().register("joiner", caps=CAPS)
    c.send("JOIN #fresh")
    lines = c.collect("366")
    names = [m.command for m in lines]
    assert names.index("JOIN") < names.index("MARKREAD") < names.index("366"), names
    assert [m for m in lines if m.command == "MARKREAD"][0].params == ["#fresh", "*"]
    markread(c, "#fresh", "timestamp=" + stamp(42))
    c.send("PART #fresh")
    c.expect("PART")
    c.send("JOIN #fresh")
    lines = c.collect("366")
    marker = [m for m in lines if m.command == "MARKREAD"]
    assert marker and marker[0].params == ["#fresh", "timestamp=" + stamp(42)]
    # Without the capability: no MARKREAD on JOIN.
    plain = srv.client().register("nocap")
    plain.send("JOIN #fresh")
    assert not any(m.command == "MARKREAD" for m in plain.collect("366"))
    for x in (c, plain):
        x.close()


def test_user_targets_and_bad_targets(make_server):
    srv = make_server()
    c = srv.client().register("pm", caps=CAPS)
    assert markread(c, "friend").params == ["friend", "*"]
    assert markread(c, "friend", "timestamp=" + stamp(7)).params == \
        ["friend", "timestamp=" + stamp(7)]
    assert markread(c, "FRIEND").params == ["FRIEND", "timestamp=" + stamp(7)]
    bad = markread(c, "not,a,target")
    assert bad.command == "FAIL" and bad.params[:2] == ["MARKREAD", "INVALID_PARAMS"]
    # A timestamp in the future is taken as now.
    future = markread(c, "friend", "timestamp=2999-01-01T00:00:00.000Z")
    assert future.params[1] < "timestamp=2999"
    c.close()


def test_session_markers_move_to_the_account_on_login(make_server):
    srv = make_server()
    c = srv.client().register("carol", caps=CAPS)
    markread(c, "#club", "timestamp=" + stamp(3000))
    c.send("REGISTER * * :secret words")
    c.expect("900")
    other = srv.client()
    other.send("CAP LS 302")
    other.send("CAP REQ :sasl draft/read-marker")
    other.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    other.send("AUTHENTICATE PLAIN")
    other.expect("AUTHENTICATE")
    other.send("AUTHENTICATE " + base64.b64encode(b"\0carol\0secret words").decode())
    other.expect("903")
    other.send("CAP END")
    other.send("NICK carol2")
    other.send("USER u 0 * :r")
    other.expect("001")
    # Moved at login: the account's other connection has it at once.
    assert markread(other, "#club").params == ["#club", "timestamp=" + stamp(3000)]
    assert markread(c, "#club").params == ["#club", "timestamp=" + stamp(3000)]
    # A change is told to the account's other connections with the capability.
    markread(other, "#club", "timestamp=" + stamp(9000))
    told = c.expect("MARKREAD")
    assert told.params == ["#club", "timestamp=" + stamp(9000)]
    for x in (c, other):
        x.close()


def test_markers_kept_per_session_are_bounded(make_server):
    srv = make_server()
    c = srv.client().register("hoarder", caps=CAPS)
    for i in range(70):
        c.send("MARKREAD #t%d timestamp=%s" % (i, stamp(1000 + i)))
    for i in range(70):
        c.expect(lambda m, i=i: m.command == "MARKREAD" and m.params[0] == "#t%d" % i)
    # The oldest markers made room for the newest.
    assert markread(c, "#t0").params == ["#t0", "*"]
    assert markread(c, "#t69").params == ["#t69", "timestamp=" + stamp(1069)]
    c.close()


def test_markers_kept_per_account_are_bounded(make_server):
    srv = make_server()
    c = srv.client().register("archivist", caps=CAPS)
    c.send("REGISTER * * :many many markers")
    c.expect("900")
    lines = "".join("MARKREAD #a%d timestamp=%s\r\n" % (i, stamp(1000 + i)) for i in range(520))
    c.sock.sendall(lines.encode())
    c.expect(lambda m: m.command == "MARKREAD" and m.params[0] == "#a519", timeout=30)
    # 512 kept: the markers pointing furthest back went.
    assert markread(c, "#a0").params == ["#a0", "*"]
    assert markread(c, "#a7").params == ["#a7", "*"]
    assert markread(c, "#a8").params == ["#a8", "timestamp=" + stamp(1008)]
    assert markread(c, "#a519").params == ["#a519", "timestamp=" + stamp(1519)]
    c.close()
