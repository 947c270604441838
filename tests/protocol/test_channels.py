"""JOIN, PART, KICK, TOPIC, NAMES, LIST and INVITE."""
import time


def irc_lower(s):
    """rfc1459 case mapping."""
    return s.lower().translate(str.maketrans("[]\\~", "{}|^"))


def names(c, ch):
    """NAMES ch -> (symbols seen, [members as shown], the 366 line)."""
    c.send("NAMES %s" % ch)
    lines = c.collect_until(lambda m: m.command == "366")
    symbols = set()
    members = []
    for m in lines:
        if m.command == "353":
            assert m.params[0] == c.nick
            assert irc_lower(m.params[2]) == irc_lower(ch), m
            symbols.add(m.params[1])
            members += m.params[-1].split()
    end = lines[-1]
    assert end.params[0] == c.nick and irc_lower(end.params[1]) == irc_lower(ch), end
    return symbols, members, end


def listing(c, *args):
    """LIST args -> {channel: (count, topic)} from 322 lines; checks 321?/323."""
    c.send(" ".join(("LIST",) + args))
    lines = c.collect_until("323")
    assert lines[-1].params[0] == c.nick
    out = {}
    for m in lines[:-1]:
        assert m.command in ("321", "322") or not m.command.isdigit(), m
        if m.command == "322":
            assert m.params[0] == c.nick
            out[m.params[1]] = (int(m.params[2]), m.params[3] if len(m.params) > 3 else "")
    return out


def is_from(m, c):
    """m's source is client c as nick!user@127.0.0.1."""
    nick, _, rest = (m.source or "").partition("!")
    return nick == c.nick and rest.endswith("@127.0.0.1")


# --------------------------------------------------------------------------
# JOIN


def test_join_new_channel_makes_creator_op(user, channel):
    a = user("jA")
    ch = channel("j")
    a.send("JOIN %s" % ch)
    join = a.expect("JOIN")
    assert is_from(join, a) and join.params == [ch]
    n = a.expect("353")
    assert n.params == [a.nick, "=", ch, "@" + a.nick]
    end = a.expect("366")
    assert end.params[:2] == [a.nick, ch]


def test_second_joiner_seen_by_all_and_gets_names(user, channel):
    a = user("jA")
    b = user("jB")
    ch = channel("j")
    a.join(ch)
    b.send("JOIN %s" % ch)
    mine = b.expect("JOIN")
    assert is_from(mine, b) and mine.params == [ch]
    lines = b.collect_until("366")
    members = []
    for m in lines:
        if m.command == "353":
            members += m.params[-1].split()
    assert sorted(members) == sorted(["@" + a.nick, b.nick])
    theirs = a.expect("JOIN")
    assert is_from(theirs, b) and theirs.params == [ch]
    assert not any(m.command == "JOIN" for m in a.sync())


def test_join_existing_channel_twice_does_nothing(user, channel):
    a = user("jtw")
    b = user("jtw")
    ch = channel("tw")
    a.join(ch)
    b.join(ch)
    a.sync()
    b.send("JOIN %s" % ch)
    assert not any(m.command == "JOIN" for m in b.sync())
    assert not any(m.command == "JOIN" for m in a.sync())


def test_join_with_topic_gets_332_333(user, channel):
    a = user("tA")
    ch = channel("t")
    a.join(ch)
    before = int(time.time())
    a.send("TOPIC %s :hello topic" % ch)
    a.expect("TOPIC")
    b = user("tB")
    b.send("JOIN %s" % ch)
    lines = b.collect_until("366")
    cs = [m.command for m in lines]
    assert cs[0] == "JOIN"
    assert "332" in cs and "333" in cs and cs.index("332") < cs.index("333") < cs.index("353")
    topic = lines[cs.index("332")]
    assert topic.params == [b.nick, ch, "hello topic"]
    who = lines[cs.index("333")]
    assert who.params[:2] == [b.nick, ch]
    assert who.params[2].split("!")[0] == a.nick
    assert before - 2 <= int(who.params[3]) <= time.time() + 2


def test_join_without_topic_gets_no_332(user, channel):
    a = user("nt")
    ch = channel("nt")
    a.send("JOIN %s" % ch)
    lines = a.collect_until("366")
    assert not any(m.command in ("331", "332", "333") for m in lines)


def test_join_several_channels_with_keys(user, channel):
    op = user("kop")
    c1, c2 = channel("k"), channel("k")
    op.join(c1, c2)
    op.send("MODE %s +k key1" % c1)
    op.expect("MODE")
    op.send("MODE %s +k key2" % c2)
    op.expect("MODE")
    b = user("kB")
    b.send("JOIN %s,%s key1,key2" % (c1, c2))
    joined = []
    for _ in range(2):
        m = b.expect(("JOIN", "475"))
        assert m.command == "JOIN", m
        joined.append(m.params[0])
        b.expect("366")
    assert joined == [c1, c2]
    # keys are per position: swapped keys fail both
    c = user("kC")
    c.send("JOIN %s,%s key2,key1" % (c1, c2))
    for ch in (c1, c2):
        m = c.expect(("475", "JOIN"))
        assert m.command == "475" and m.params[:2] == [c.nick, ch], m


def test_join_0_parts_all_channels(user, channel):
    a = user("z")
    watcher = user("zw")
    c1, c2 = channel("z"), channel("z")
    a.join(c1, c2)
    watcher.join(c1)
    a.send("JOIN 0")
    parted = {a.expect("PART").params[0], a.expect("PART").params[0]}
    assert parted == {c1, c2}
    m = watcher.expect("PART")
    assert is_from(m, a) and m.params[0] == c1
    _, members, _ = names(watcher, c1)
    assert members == [watcher.nick]
    a.send("WHOIS %s" % a.nick)
    lines = a.collect_until("318")
    assert not any(m.command == "319" for m in lines), lines


def test_join_without_hash_403(user):
    c = user("j403")
    c.send("JOIN nohash")
    m = c.expect("403")
    assert m.params[:2] == [c.nick, "nohash"]
    c.assert_alive()


def test_join_bad_channel_names_476(user, limits):
    c = user("j476")
    for bad in ("#bell\x07chan", "#ctl\x01x", "#" + "l" * limits["channellen"]):
        c.send("JOIN %s" % bad)
        m = c.expect(("476", "403", "JOIN"))
        assert m.command == "476", (bad, m)
        assert m.params[:2] == [c.nick, bad]
    # exactly CHANNELLEN is fine
    ok = ("#longest" + "x" * limits["channellen"])[: limits["channellen"]]
    c.send("JOIN %s" % ok)
    assert c.expect(("JOIN", "476")).command == "JOIN"
    c.expect("366")


def test_join_name_with_space_476(user, uniq):
    c = user("jsp")
    bad = "#sp ace%s" % uniq("")
    c.send("JOIN :%s" % bad)
    m = c.expect(("476", "403", "JOIN"))
    assert m.command == "476", m
    # a name with a space cannot be a middle parameter: the reply must still
    # parse as <nick> <channel> :<text>
    assert len(m.params) == 3 and m.params[0] == c.nick and m.params[1].startswith("#sp"), m
    c.assert_alive()


def test_channel_names_are_rfc1459_case_insensitive(user, uniq):
    base = uniq("cs")
    a = user("csa")
    b = user("csb")
    a.join("#Chan[%s]\\" % base)
    b.send("JOIN #cHAN{%s}|" % base)
    b.expect("366")
    m = a.expect("JOIN")
    assert m.nick == b.nick
    _, members, _ = names(b, "#chan{%s}|" % base)
    assert sorted(members) == sorted(["@" + a.nick, b.nick])


def test_join_no_params_461(user):
    c = user("j461")
    c.send("JOIN")
    m = c.expect("461")
    assert m.params[:2] == [c.nick, "JOIN"]
    c.assert_alive()


def test_join_limit_471(user, channel):
    op = user("lop")
    ch = channel("lim")
    op.join(ch)
    op.send("MODE %s +l 2" % ch)
    assert op.expect("MODE").params == [ch, "+l", "2"]
    b = user("lB")
    b.join(ch)
    c = user("lC")
    c.send("JOIN %s" % ch)
    m = c.expect(("471", "JOIN"))
    assert m.command == "471" and m.params[:2] == [c.nick, ch]
    _, members, _ = names(op, ch)
    assert c.nick not in [x.lstrip("@+") for x in members]
    c.assert_alive()


def test_join_invite_only_473_then_invite_lets_in(user, channel):
    op = user("iop")
    ch = channel("inv")
    op.join(ch)
    op.send("MODE %s +i" % ch)
    op.expect("MODE")
    c = user("iC")
    c.send("JOIN %s" % ch)
    m = c.expect(("473", "JOIN"))
    assert m.command == "473" and m.params[:2] == [c.nick, ch]
    op.send("INVITE %s %s" % (c.nick, ch))
    assert op.expect("341").params[:3] == [op.nick, c.nick, ch]
    c.expect("INVITE")
    c.send("JOIN %s" % ch)
    assert c.expect(("JOIN", "473")).command == "JOIN"
    c.expect("366")


def test_join_invite_only_with_invex(user, channel):
    op = user("Iop")
    ch = channel("invex")
    op.join(ch)
    c = user("Iok")
    d = user("Ino")
    op.send("MODE %s +iI %s!*@*" % (ch, c.nick))
    op.expect("MODE")
    c.send("JOIN %s" % ch)
    assert c.expect(("JOIN", "473")).command == "JOIN"
    d.send("JOIN %s" % ch)
    assert d.expect(("JOIN", "473")).command == "473"


def test_join_banned_474_and_exception(user, channel):
    op = user("bop")
    ch = channel("ban")
    op.join(ch)
    c = user("bC")
    op.send("MODE %s +b %s!*@*" % (ch, c.nick))
    op.expect("MODE")
    c.send("JOIN %s" % ch)
    m = c.expect(("474", "JOIN"))
    assert m.command == "474" and m.params[:2] == [c.nick, ch]
    op.send("MODE %s +e %s!*@127.0.0.1" % (ch, c.nick))
    op.expect("MODE")
    c.send("JOIN %s" % ch)
    assert c.expect(("JOIN", "474")).command == "JOIN"


def test_join_ban_by_host_mask(user, channel):
    op = user("hop")
    ch = channel("hban")
    op.join(ch)
    op.send("MODE %s +b *!*@127.0.0.1" % ch)
    op.expect("MODE")
    c = user("hC")
    c.send("JOIN %s" % ch)
    assert c.expect(("474", "JOIN")).command == "474"


def test_join_key_475(user, channel):
    op = user("kyop")
    ch = channel("key")
    op.join(ch)
    op.send("MODE %s +k sesame" % ch)
    op.expect("MODE")
    c = user("kyC")
    c.send("JOIN %s" % ch)
    m = c.expect(("475", "JOIN"))
    assert m.command == "475" and m.params[:2] == [c.nick, ch]
    c.send("JOIN %s wrong" % ch)
    assert c.expect(("475", "JOIN")).command == "475"
    c.send("JOIN %s sesame" % ch)
    assert c.expect(("475", "JOIN")).command == "JOIN"


def test_join_too_many_channels_405(user, uniq, limits):
    c = user("many")
    chans = ["#" + uniq("mc") for _ in range(limits["max_channels"] + 1)]
    c.send("JOIN %s" % ",".join(chans))
    for ch in chans[:-1]:
        m = c.expect(("366", "405"))
        assert m.command == "366" and m.params[1] == ch, m
    m = c.expect(("405", "JOIN"))
    assert m.command == "405" and m.params[:2] == [c.nick, chans[-1]], m
    # after parting one, a new one can be joined
    c.send("PART %s" % chans[0])
    c.expect("PART")
    c.join(chans[-1])


# --------------------------------------------------------------------------
# PART


def test_part_with_reason_seen_by_all(user, channel):
    a = user("pA")
    b = user("pB")
    ch = channel("p")
    a.join(ch)
    b.join(ch)
    b.send("PART %s :going away now" % ch)
    for c in (a, b):
        m = c.expect("PART")
        assert is_from(m, b) and m.params == [ch, "going away now"], m
    _, members, _ = names(a, ch)
    assert members == ["@" + a.nick]


def test_part_several_channels(user, channel):
    a = user("pm")
    c1, c2 = channel("pm"), channel("pm")
    a.join(c1, c2)
    a.send("PART %s,%s :bye" % (c1, c2))
    got = [a.expect("PART").params, a.expect("PART").params]
    assert got == [[c1, "bye"], [c2, "bye"]]


def test_part_errors_403_442(user, channel):
    a = user("pe")
    b = user("pe")
    ch = channel("pe")
    b.join(ch)
    a.send("PART %s" % channel("nosuch"))
    m = a.expect(("403", "442"))
    assert m.command == "403" and m.params[0] == a.nick
    a.send("PART %s" % ch)
    m = a.expect(("442", "403"))
    assert m.command == "442" and m.params[:2] == [a.nick, ch]
    a.send("PART")
    assert a.expect("461").params[:2] == [a.nick, "PART"]
    a.assert_alive()
    b.assert_alive()


def test_last_part_destroys_channel(user, channel):
    a = user("last")
    ch = channel("gone")
    a.join(ch)
    a.send("TOPIC %s :old topic" % ch)
    a.expect("TOPIC")
    a.send("PART %s" % ch)
    a.expect("PART")
    b = user("last")
    assert ch not in listing(b)
    b.send("JOIN %s" % ch)
    lines = b.collect_until("366")
    assert not any(m.command == "332" for m in lines), "topic survived the channel"
    assert [m.params[-1] for m in lines if m.command == "353"] == ["@" + b.nick]


# --------------------------------------------------------------------------
# KICK


def test_kick_seen_by_all_and_victim_removed(user, channel):
    op = user("kkop")
    v = user("kkv")
    w = user("kkw")
    ch = channel("kk")
    for c in (op, v, w):
        c.join(ch)
    op.send("KICK %s %s :behave" % (ch, v.nick))
    for c in (op, v, w):
        m = c.expect("KICK")
        assert is_from(m, op) and m.params == [ch, v.nick, "behave"], m
    _, members, _ = names(w, ch)
    assert sorted(members) == sorted(["@" + op.nick, w.nick])
    v.send("PRIVMSG %s :still here?" % ch)
    m = v.expect(("404", "442"))
    assert m.params[:2] == [v.nick, ch]
    assert not any(m.command == "PRIVMSG" for m in w.sync())


def test_kick_several_nicks(user, channel):
    op = user("kmop")
    v1 = user("kmv")
    v2 = user("kmv")
    ch = channel("km")
    for c in (op, v1, v2):
        c.join(ch)
    op.send("KICK %s %s,%s :both of you" % (ch, v1.nick, v2.nick))
    kicked = [op.expect("KICK").params, op.expect("KICK").params]
    assert kicked == [[ch, v1.nick, "both of you"], [ch, v2.nick, "both of you"]]
    _, members, _ = names(op, ch)
    assert members == ["@" + op.nick]


def test_kick_reason_truncated_to_kicklen(user, channel, limits):
    op = user("klop")
    v = user("klv")
    ch = channel("kl")
    op.join(ch)
    v.join(ch)
    op.send("KICK %s %s :%s" % (ch, v.nick, "r" * (limits["kicklen"] + 50)))
    m = v.expect("KICK")
    assert m.params[2] == "r" * limits["kicklen"]


def test_kick_errors(user, channel):
    op = user("keop")
    m1 = user("kem")
    out = user("keo")
    ch = channel("ke")
    op.join(ch)
    m1.join(ch)
    # not an operator
    m1.send("KICK %s %s :no" % (ch, op.nick))
    m = m1.expect("482")
    assert m.params[:2] == [m1.nick, ch]
    # kicker not on the channel
    out.send("KICK %s %s" % (ch, m1.nick))
    m = out.expect(("442", "482"))
    assert m.command == "442" and m.params[:2] == [out.nick, ch]
    # target not on the channel
    op.send("KICK %s %s" % (ch, out.nick))
    m = op.expect("441")
    assert m.params[:3] == [op.nick, out.nick, ch]
    # no such channel
    nosuch = channel("kenone")
    op.send("KICK %s %s" % (nosuch, m1.nick))
    m = op.expect("403")
    assert m.params[:2] == [op.nick, nosuch]
    # no such nick
    op.send("KICK %s nobody_here_x" % ch)
    m = op.expect(("401", "441"))
    assert m.params[1] == "nobody_here_x"
    op.send("KICK %s" % ch)
    assert op.expect("461").params[:2] == [op.nick, "KICK"]
    # nobody was kicked
    _, members, _ = names(op, ch)
    assert sorted(members) == sorted(["@" + op.nick, m1.nick])
    for c in (op, m1, out):
        c.assert_alive()


# --------------------------------------------------------------------------
# TOPIC


def test_topic_query_set_and_broadcast(user, channel):
    op = user("tpop")
    b = user("tpb")
    ch = channel("tp")
    op.join(ch)
    b.join(ch)
    b.send("TOPIC %s" % ch)
    m = b.expect(("331", "332"))
    assert m.command == "331" and m.params[:2] == [b.nick, ch]
    before = int(time.time())
    op.send("TOPIC %s :a brand new topic" % ch)
    for c in (op, b):
        m = c.expect("TOPIC")
        assert is_from(m, op) and m.params == [ch, "a brand new topic"]
    b.send("TOPIC %s" % ch)
    m = b.expect("332")
    assert m.params == [b.nick, ch, "a brand new topic"]
    m = b.expect("333")
    assert m.params[:2] == [b.nick, ch]
    assert m.params[2].split("!")[0] == op.nick
    assert before - 2 <= int(m.params[3]) <= time.time() + 2


def test_topic_clear_with_empty_topic(user, channel):
    op = user("tcl")
    ch = channel("tcl")
    op.join(ch)
    op.send("TOPIC %s :something" % ch)
    op.expect("TOPIC")
    op.send("TOPIC %s :" % ch)
    m = op.expect("TOPIC")
    assert m.params == [ch, ""]
    op.send("TOPIC %s" % ch)
    assert op.expect(("331", "332")).command == "331"


def test_topic_protected_needs_op_482(user, channel):
    op = user("ttop")
    b = user("ttb")
    ch = channel("tt")
    op.join(ch)
    b.join(ch)
    op.send("MODE %s +t" % ch)
    op.sync()
    b.send("TOPIC %s :not allowed" % ch)
    m = b.expect(("482", "TOPIC"))
    assert m.command == "482" and m.params[:2] == [b.nick, ch]
    assert not any(x.command == "TOPIC" for x in op.sync())
    op.send("MODE %s -t" % ch)
    op.expect("MODE")
    b.send("TOPIC %s :allowed now" % ch)
    m = op.expect("TOPIC")
    assert is_from(m, b) and m.params == [ch, "allowed now"]


def test_topic_truncated_to_topiclen(user, channel, limits):
    op = user("tlen")
    ch = channel("tlen")
    op.join(ch)
    op.send("TOPIC %s :%s" % (ch, "t" * (limits["topiclen"] + 40)))
    m = op.expect("TOPIC")
    assert m.params[1] == "t" * limits["topiclen"]
    op.send("TOPIC %s" % ch)
    assert op.expect("332").params[2] == "t" * limits["topiclen"]


def test_topic_not_on_channel_442(user, channel):
    op = user("tnop")
    out = user("tnout")
    ch = channel("tn")
    op.join(ch)
    op.send("MODE %s -t" % ch)
    op.expect("MODE")
    out.send("TOPIC %s :from outside" % ch)
    m = out.expect(("442", "482", "TOPIC"))
    assert m.command == "442" and m.params[:2] == [out.nick, ch]
    assert not any(x.command == "TOPIC" for x in op.sync())


def test_topic_no_such_channel(user, channel):
    c = user("tns")
    ch = channel("tnone")
    c.send("TOPIC %s" % ch)
    m = c.expect(("403", "442", "331"))
    assert m.command in ("403", "442"), m
    c.send("TOPIC")
    assert c.expect("461").params[:2] == [c.nick, "TOPIC"]


# --------------------------------------------------------------------------
# NAMES


def test_names_symbols_public_secret_private(user, channel):
    a = user("nm")
    pub, sec, priv = channel("pub"), channel("sec"), channel("priv")
    a.join(pub, sec, priv)
    a.send("MODE %s +s" % sec)
    a.expect("MODE")
    a.send("MODE %s +p" % priv)
    a.expect("MODE")
    assert names(a, pub)[0] == {"="}
    assert names(a, sec)[0] == {"@"}
    assert names(a, priv)[0] == {"*"}


def test_names_secret_channel_hidden_from_outsiders(user, channel):
    a = user("nsA")
    out = user("nsOut")
    sec, priv = channel("nsec"), channel("npriv")
    a.join(sec, priv)
    a.send("MODE %s +s" % sec)
    a.expect("MODE")
    a.send("MODE %s +p" % priv)
    a.expect("MODE")
    for ch in (sec, priv):
        symbols, members, end = names(out, ch)
        assert members == [] and symbols == set(), (ch, members)


def test_names_invisible_members_hidden_from_outsiders(user, channel):
    a = user("niA")
    inv = user("niI")
    out = user("niO")
    ch = channel("ni")
    a.join(ch)
    inv.send("MODE %s +i" % inv.nick)
    inv.expect("MODE")
    inv.join(ch)
    _, members, _ = names(out, ch)
    assert members == ["@" + a.nick]
    _, members, _ = names(a, ch)
    assert sorted(members) == sorted(["@" + a.nick, inv.nick])


def test_names_long_list_split_into_512_byte_lines(user, channel, uniq, limits):
    ch = channel("big")
    cs = []
    for _ in range(30):
        nick = uniq("N")
        nick += "x" * (limits["nicklen"] - len(nick))
        c = user("unused")
        c.send("NICK %s" % nick)
        c.expect("NICK")
        c.nick = nick
        c.join(ch)
        cs.append(c)
    asker = cs[0]
    asker.send("NAMES %s" % ch)
    lines = asker.collect_until("366")
    rows = [m for m in lines if m.command == "353"]
    assert len(rows) >= 2
    for m in rows:
        assert len(m.line.encode()) + 2 <= 512, len(m.line)
    members = []
    for m in rows:
        members += m.params[-1].split()
    assert sorted(x.lstrip("@") for x in members) == sorted(c.nick for c in cs)


def test_names_voice_prefix(user, channel):
    op = user("nvop")
    v = user("nvv")
    ch = channel("nv")
    op.join(ch)
    v.join(ch)
    op.send("MODE %s +v %s" % (ch, v.nick))
    op.expect("MODE")
    _, members, _ = names(v, ch)
    assert sorted(members) == sorted(["@" + op.nick, "+" + v.nick])


def test_names_nonexistent_channel_only_366(user, channel):
    c = user("nn")
    ch = channel("nnone")
    symbols, members, _ = names(c, ch)
    assert members == [] and symbols == set()


# --------------------------------------------------------------------------
# LIST


def test_list_counts_and_topics(user, channel):
    a = user("la")
    b = user("lb")
    c1, c2 = channel("lst"), channel("lst")
    a.join(c1, c2)
    b.join(c1)
    a.send("TOPIC %s :list topic here" % c1)
    a.expect("TOPIC")
    got = listing(b)
    assert got[c1] == (2, "list topic here")
    assert got[c2][0] == 1
    got = listing(b, c2)
    assert list(got) == [c2]


def test_list_hides_secret_and_private_from_outsiders(user, channel):
    a = user("lsA")
    out = user("lsO")
    pub, sec, priv = channel("lpub"), channel("lsec"), channel("lpriv")
    a.join(pub, sec, priv)
    a.send("MODE %s +s" % sec)
    a.expect("MODE")
    a.send("MODE %s +p" % priv)
    a.expect("MODE")
    seen = listing(out)
    assert pub in seen and sec not in seen and priv not in seen
    assert sec not in listing(out, sec)
    mine = listing(a)
    assert pub in mine and sec in mine and priv in mine


def test_list_elist_user_count_and_mask_filters(user, uniq):
    tag = uniq("el")
    big, small = "#%sbig" % tag, "#%ssmall" % tag
    a = user("elA")
    b = user("elB")
    c = user("elC")
    a.join(big, small)
    b.join(big)
    c.join(big)
    assert {k for k in listing(c, ">2") if k.startswith("#" + tag)} == {big}
    assert {k for k in listing(c, "<2") if k.startswith("#" + tag)} == {small}
    assert {k for k in listing(c, ">1") if k.startswith("#" + tag)} == {big}
    assert set(listing(c, "#%s*" % tag)) == {big, small}
    assert set(listing(c, "#%ss*" % tag)) == {small}
    assert set(listing(c, "#%s*,>2" % tag)) == {big}
    got = listing(c, "!#%sb*" % tag)
    assert small in got and big not in got


def test_list_elist_creation_and_topic_time_filters(user, uniq):
    tag = uniq("et")
    with_topic, without = "#%stopic" % tag, "#%snone" % tag
    a = user("etA")
    a.join(with_topic, without)
    a.send("TOPIC %s :fresh" % with_topic)
    a.expect("TOPIC")
    mine = lambda got: {k for k in got if k.startswith("#" + tag)}
    # created less than 5 minutes ago: both; more than 5 minutes ago: none
    assert mine(listing(a, "C<5")) == {with_topic, without}
    assert mine(listing(a, "C>5")) == set()
    # topic set less than 5 minutes ago: only the one with a topic
    assert mine(listing(a, "T<5")) == {with_topic}
    assert mine(listing(a, "T>5")) == set()


# --------------------------------------------------------------------------
# INVITE


def test_invite_sends_341_and_invite(user, channel):
    op = user("ivop")
    t = user("ivt")
    ch = channel("iv")
    op.join(ch)
    op.send("INVITE %s %s" % (t.nick, ch))
    m = op.expect("341")
    assert m.params[:3] == [op.nick, t.nick, ch]
    m = t.expect("INVITE")
    assert is_from(m, op) and m.params == [t.nick, ch]


def test_invite_errors(user, channel):
    op = user("iveop")
    mem = user("ivem")
    out = user("iveo")
    ch = channel("ive")
    op.join(ch)
    mem.join(ch)
    # already on channel
    op.send("INVITE %s %s" % (mem.nick, ch))
    m = op.expect("443")
    assert m.params[:3] == [op.nick, mem.nick, ch]
    # no such nick
    op.send("INVITE nobody_zz %s" % ch)
    m = op.expect("401")
    assert m.params[:2] == [op.nick, "nobody_zz"]
    # inviter not on the channel
    out.send("INVITE %s %s" % (mem.nick, ch))
    m = out.expect(("442", "443"))
    assert m.command == "442" and m.params[:2] == [out.nick, ch]
    # +i: only operators may invite
    op.send("MODE %s +i" % ch)
    op.expect("MODE")
    mem.send("INVITE %s %s" % (out.nick, ch))
    m = mem.expect(("482", "341"))
    assert m.command == "482" and m.params[:2] == [mem.nick, ch]
    assert not any(x.command == "INVITE" for x in out.sync())
    op.send("INVITE")
    op.expect(("461", "337", "336"))
    for c in (op, mem, out):
        c.assert_alive()
