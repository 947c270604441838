"""Line framing, limits and bad input: the server keeps serving everyone."""
import socket
import struct


def privmsgs(c):
    return [m for m in c.sync() if m.command == "PRIVMSG"]


# --------------------------------------------------------------------------
# Framing


def test_bare_lf_terminator(connect, uniq):
    c = connect()
    nick = uniq("lf")
    c.send_raw("NICK %s\nUSER u 0 * :Real\n" % nick)
    m = c.expect("001")
    assert m.params[0] == nick
    c.expect("376")
    c.send_raw(b"PING :lfonly\n")
    assert c.expect("PONG").params == ["irc.test", "lfonly"]


def test_line_split_across_packets(user):
    import time
    c = user("split")
    c.send_raw(b"PI")
    time.sleep(0.05)
    c.send_raw(b"NG :in")
    time.sleep(0.05)
    c.send_raw(b" pieces\r")
    time.sleep(0.05)
    c.send_raw(b"\n")
    assert c.expect("PONG").params == ["irc.test", "in pieces"]


def test_several_lines_in_one_packet(user):
    c = user("many")
    c.send_raw(b"PING :one\r\nPING :two\nPING :three\r\n")
    got = [c.expect("PONG").params[1] for _ in range(3)]
    assert got == ["one", "two", "three"]


def test_command_names_case_insensitive(user):
    a = user("ci")
    b = user("cib")
    a.send("privmsg %s :lower case command" % b.nick)
    m = b.expect("PRIVMSG")
    assert m.params == [b.nick, "lower case command"]
    a.send("PiNg :mixed")
    assert a.expect("PONG").params[1] == "mixed"


def test_client_source_prefix_ignored(user):
    a = user("src")
    b = user("srcb")
    a.send(":someone.else!x@y PRIVMSG %s :with a prefix" % b.nick)
    m = b.expect("PRIVMSG")
    assert m.nick == a.nick and m.params == [b.nick, "with a prefix"]


def test_tags_accepted_and_ignored(user):
    a = user("tag")
    b = user("tagb")
    a.send("@a=b;c PRIVMSG %s :tagged message" % b.nick)
    m = b.expect("PRIVMSG")
    assert m.nick == a.nick and m.params == [b.nick, "tagged message"]
    assert m.tags == {}, m  # b asked for no message-tags
    a.send("@+draft/x=y;label=abc PING :tagged ping")
    assert a.expect("PONG").params[1] == "tagged ping"


def test_long_tag_section_does_not_count_toward_512(user):
    a = user("ltag")
    b = user("ltagb")
    tags = "@" + ";".join("+k%d=%s" % (i, "v" * 40) for i in range(20))  # ~900 bytes
    assert 600 < len(tags) < 4000
    a.send("%s PRIVMSG %s :short body" % (tags, b.nick))
    m = b.expect("PRIVMSG")
    assert m.params == [b.nick, "short body"]
    assert not any(x.command == "417" for x in a.sync())


# --------------------------------------------------------------------------
# Line length


def test_line_of_512_bytes_accepted_513_gets_417(user):
    c = user("len")
    # AWAY's reply is short whatever the text: 510 bytes + CRLF = 512
    line = "AWAY :" + "a" * (510 - len("AWAY :"))
    assert len(line) == 510
    c.send(line)
    m = c.expect(("306", "417"))
    assert m.command == "306", m
    c.send(line + "b")  # 513 with CRLF
    m = c.expect(("417", "306"))
    assert m.command == "417" and m.params[0] == c.nick, m
    c.assert_alive()


def test_too_long_line_417_is_not_run(user):
    a = user("long")
    b = user("longb")
    a.send("PRIVMSG %s :%s" % (b.nick, "x" * 600))
    m = a.expect("417")
    assert m.params[0] == a.nick
    assert privmsgs(b) == []
    # the connection is still in step: the next line works normally
    a.send("PRIVMSG %s :after the long one" % b.nick)
    assert b.expect("PRIVMSG").params == [b.nick, "after the long one"]
    a.assert_alive()


def test_very_long_lines_within_recvq(user):
    a = user("vlong")
    for n in (1000, 8000, 15000):
        a.send("PRIVMSG %s :%s" % (a.nick, "y" * n))
        m = a.expect(("417", "ERROR", "PRIVMSG"))
        assert m.command == "417", (n, m)
    a.assert_alive()


def test_relayed_lines_never_exceed_512_bytes(user):
    a = user("max")
    b = user("maxb")
    line = "PRIVMSG %s :" % b.nick
    line += "w" * (510 - len(line))
    a.send(line)
    b.sock.settimeout(5)
    raw = b.recv_raw_line()
    assert b" PRIVMSG " in raw, raw
    assert len(raw) + 2 <= 512, len(raw)
    assert raw.split(b" :", 1)[1].strip(b"w") == b""  # cut, not garbled


def test_unterminated_flood_disconnected_with_error(user, connect):
    bystander = user("by")
    c = connect()
    sent = 0
    try:
        while sent < 20000:
            c.send_raw(b"A" * 1000)
            sent += 1000
    except OSError:
        pass
    lines = c.expect_closed()
    assert any(m.command == "ERROR" for m in lines), lines
    bystander.assert_alive()


def test_unterminated_flood_after_registration(user):
    a = user("flood")
    b = user("floodb")
    try:
        a.send_raw(b"PRIVMSG %s :" % b.nick.encode() + b"z" * 20000)
    except OSError:
        pass
    lines = a.expect_closed()
    assert any(m.command == "ERROR" for m in lines), lines
    assert privmsgs(b) == []
    quits = [m for m in b.sync() if m.command == "QUIT"]
    assert quits == []  # they shared no channel
    b.assert_alive()


# --------------------------------------------------------------------------
# Bad input


def test_nul_byte_line_rejected(user):
    a = user("nul")
    b = user("nulb")
    a.send_raw(b"PRIVMSG " + b.nick.encode() + b" :before\x00after\r\n")
    a.sync()
    assert privmsgs(b) == []
    a.send("PRIVMSG %s :clean" % b.nick)
    assert b.expect("PRIVMSG").params[1] == "clean"
    a.assert_alive()


def test_garbage_never_kills_the_server(user, connect):
    a = user("junk")
    b = user("junkb")
    junk = [
        b"\xff\xfe\xfd\xfc\r\n",
        b"\x00\x01\x02\r\n",
        b":\r\n",
        b":onlysource\r\n",
        b"@\r\n",
        b"@a=b\r\n",
        b"@a=b :src\r\n",
        b"          \r\n",
        b"\r\n",
        b"\n\n\n",
        b"\r\r\r\n",
        b"PRIVMSG\r\n",
        b"PRIVMSG  \r\n",
        b"MODE\r\n",
        b"MODE #\r\n",
        b"MODE # +b\r\n",
        b"JOIN ,,,,\r\n",
        b"JOIN #,#\r\n",
        b"PART ,\r\n",
        b"KICK , ,\r\n",
        b"NICK :\r\n",
        b"TOPIC :\r\n",
        b"WHO :\r\n",
        b"A" * 500 + b"\r\n",
        b"PRIVMSG " + b" ".join(b"p%d" % i for i in range(30)) + b"\r\n",
        b"MODE " + a.nick.encode() + b" " + b" ".join(b"+i" for _ in range(20)) + b"\r\n",
        b"USERHOST " + b" ".join(b"n%d" % i for i in range(20)) + b"\r\n",
        b"ISON " + b" ".join(b"n%d" % i for i in range(40)) + b"\r\n",
        b"PRIVMSG " + b.nick.encode() + b" :\xc3\x28 invalid utf8\r\n",
    ]
    for j in junk:
        a.send_raw(j)
    a.sync()
    a.assert_alive()
    b.assert_alive()
    # the same before registration
    c = connect()
    for j in junk:
        c.send_raw(j)
    c.send("PING :still")
    assert c.expect("PONG").params[-1] == "still"
    # and new users can still register
    user("junkc").assert_alive()


def test_replies_never_split_a_parameter_with_spaces(user):
    """A word the client sent as a trailing parameter with spaces in it must
    not come back as a middle parameter: the reply would no longer parse as
    <nick> <word> :<text>."""
    c = user("sp")
    probes = [
        ("WHOIS :no body", "401 318"),
        ("WHOWAS :no body", "406 369"),
        ("MODE :no body", "401"),
        ("NAMES :#no body", "366"),
        ("TOPIC :#no body", "403"),
        ("PART :#no body", "403"),
        ("JOIN :#no body", "476"),
        ("NICK :no body", "432"),
        ("WHO :no body", "315"),
        ("HELP :no body", "524"),
        ("CAP :no body", "410"),
    ]
    bad = []
    for line, numerics in probes:
        c.send(line)
        replies = [m for m in c.sync() if m.command.isdigit()]
        assert replies, (line, "no numeric reply; expected one of", numerics)
        for m in replies:
            if len(m.params) != 3 or m.params[0] != c.nick:
                bad.append("%s -> %s" % (line, m.line))
    assert not bad, "malformed replies:\n" + "\n".join(bad)
    c.assert_alive()


def test_many_params_line(user):
    a = user("params")
    b = user("paramsb")
    a.send("PRIVMSG %s %s :trailing" % (b.nick, " ".join("x%d" % i for i in range(20))))
    a.sync()
    a.assert_alive()
    b.sync()
    b.assert_alive()


def test_abrupt_disconnect_mid_line(user, connect):
    watcher = user("abw")
    for _ in range(5):
        c = connect()
        c.send_raw(b"NICK half")
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()  # RST
    watcher.assert_alive()


# --------------------------------------------------------------------------
# Fan-out


def test_channel_message_to_30_members_once_each(user, channel):
    ch = channel("fan")
    members = [user("fan") for _ in range(30)]
    for c in members:
        c.join(ch)
    for c in members:
        c.sync()
    sender = members[0]
    sender.send("PRIVMSG %s :hello thirty" % ch)
    sender.sync()
    assert privmsgs(sender) == []
    for c in members[1:]:
        got = privmsgs(c)
        assert len(got) == 1, (c.nick, got)
        assert got[0].nick == sender.nick and got[0].params == [ch, "hello thirty"]
    # and a nick change from one member reaches the 29 others once each
    mover = members[5]
    mover.send("NICK %sm" % mover.nick)
    mover.expect("NICK")
    for c in members:
        if c is mover:
            continue
        nicks = [m for m in c.sync() if m.command == "NICK"]
        assert len(nicks) == 1, (c.nick, nicks)
