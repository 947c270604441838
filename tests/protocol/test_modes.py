"""Channel and user MODE."""
import time


def is_from(m, c):
    nick, _, rest = (m.source or "").partition("!")
    return nick == c.nick and rest.endswith("@127.0.0.1")


def modes_of(c, ch):
    """MODE ch -> (mode letters, [params]) from 324; checks 329."""
    c.send("MODE %s" % ch)
    m = c.expect("324")
    assert m.params[:2] == [c.nick, ch], m
    assert m.params[2].startswith("+"), m
    created = c.expect("329")
    assert created.params[:2] == [c.nick, ch]
    assert int(created.params[2]) <= time.time() + 2
    return set(m.params[2][1:]), m.params[3:]


def mode_list(c, ch, letter, item, end):
    """MODE ch <letter> -> [(mask, rest...)] from item numerics up to end."""
    c.send("MODE %s %s" % (ch, letter))
    lines = c.collect_until(end)
    assert lines[-1].params[:2] == [c.nick, ch], lines[-1]
    out = []
    for m in lines[:-1]:
        if m.command == item:
            assert m.params[:2] == [c.nick, ch], m
            out.append(m.params[2:])
    return out


def op_and_member(user, channel):
    op = user("mop")
    mem = user("mmem")
    ch = channel("m")
    op.join(ch)
    mem.join(ch)
    op.sync()
    return op, mem, ch


# --------------------------------------------------------------------------
# Channel mode query and flags


def test_mode_query_324_329(user, channel):
    op = user("mq")
    ch = channel("mq")
    before = int(time.time())
    op.join(ch)
    letters, params = modes_of(op, ch)
    op.send("MODE %s" % ch)
    op.expect("324")
    created = int(op.expect("329").params[2])
    assert before - 2 <= created <= time.time() + 2
    op.send("MODE %s +imst-n" % ch)
    op.expect("MODE")
    letters, _ = modes_of(op, ch)
    assert {"i", "m", "s", "t"} <= letters and "n" not in letters


def test_mode_query_from_non_member(user, channel):
    op = user("mqo")
    out = user("mqx")
    ch = channel("mqo")
    op.join(ch)
    op.send("MODE %s +m" % ch)
    op.expect("MODE")
    letters, _ = modes_of(out, ch)
    assert "m" in letters


def test_mode_key_and_limit_shown(user, channel):
    op = user("mkl")
    ch = channel("mkl")
    op.join(ch)
    op.send("MODE %s +kl secret 7" % ch)
    m = op.expect("MODE")
    assert m.params == [ch, "+kl", "secret", "7"]
    letters, params = modes_of(op, ch)
    assert {"k", "l"} <= letters
    assert "secret" in params and "7" in params


def test_mode_flags_set_and_unset(user, channel):
    op, mem, ch = op_and_member(user, channel)
    for flag in "imnpst":
        op.send("MODE %s -%s" % (ch, flag))
        op.sync()
        mem.sync()
        op.send("MODE %s +%s" % (ch, flag))
        for c in (op, mem):
            m = c.expect("MODE")
            assert is_from(m, op) and m.params == [ch, "+" + flag], m
        letters, _ = modes_of(op, ch)
        assert flag in letters
        op.send("MODE %s -%s" % (ch, flag))
        for c in (op, mem):
            m = c.expect("MODE")
            assert m.params == [ch, "-" + flag], m
        letters, _ = modes_of(op, ch)
        assert flag not in letters


def test_mode_several_per_line_echo(user, channel):
    op, mem, ch = op_and_member(user, channel)
    other = user("mo2")
    other.join(ch)
    op.sync()
    mem.sync()
    op.send("MODE %s +v %s" % (ch, other.nick))
    op.expect("MODE")
    mem.expect("MODE")
    other.expect("MODE")
    op.send("MODE %s +o-v %s %s" % (ch, mem.nick, other.nick))
    for c in (op, mem, other):
        m = c.expect("MODE")
        assert is_from(m, op) and m.params == [ch, "+o-v", mem.nick, other.nick], m
    for c in (op, mem, other):
        assert not any(x.command == "MODE" for x in c.sync())


def test_mode_unchanged_not_echoed(user, channel):
    op, mem, ch = op_and_member(user, channel)
    op.send("MODE %s +t" % ch)
    op.sync()
    mem.sync()
    # already set: nothing changes, nothing is echoed
    op.send("MODE %s +t" % ch)
    assert not any(m.command == "MODE" for m in op.sync())
    assert not any(m.command == "MODE" for m in mem.sync())
    # only the part that changes is echoed
    op.send("MODE %s +tm" % ch)
    m = op.expect("MODE")
    assert m.params == [ch, "+m"]
    assert mem.expect("MODE").params == [ch, "+m"]
    # +o on someone already op, -v on someone without voice
    op.send("MODE %s +o-v %s %s" % (ch, op.nick, mem.nick))
    assert not any(m.command == "MODE" for m in op.sync())
    assert not any(m.command == "MODE" for m in mem.sync())
    # removing a flag that is not set
    op.send("MODE %s -i" % ch)
    assert not any(m.command == "MODE" for m in op.sync())


def test_mode_op_and_voice_change_names(user, channel):
    op, mem, ch = op_and_member(user, channel)
    op.send("MODE %s +o %s" % (ch, mem.nick))
    assert op.expect("MODE").params == [ch, "+o", mem.nick]
    assert mem.expect("MODE").params == [ch, "+o", mem.nick]
    # mem is now an operator and can change modes
    mem.send("MODE %s -o %s" % (ch, op.nick))
    m = op.expect("MODE")
    assert is_from(m, mem) and m.params == [ch, "-o", op.nick]
    op.send("MODE %s +m" % ch)
    m = op.expect(("482", "MODE"))
    assert m.command == "482" and m.params[:2] == [op.nick, ch]
    mem.send("NAMES %s" % ch)
    members = mem.expect("353").params[-1].split()
    assert sorted(members) == sorted([op.nick, "@" + mem.nick])


def test_mode_not_operator_482(user, channel):
    op, mem, ch = op_and_member(user, channel)
    mem.send("MODE %s +m" % ch)
    m = mem.expect(("482", "MODE"))
    assert m.command == "482" and m.params[:2] == [mem.nick, ch]
    mem.send("MODE %s +o %s" % (ch, mem.nick))
    assert mem.expect(("482", "MODE")).command == "482"
    assert not any(x.command == "MODE" for x in op.sync())
    letters, _ = modes_of(mem, ch)
    assert "m" not in letters


def test_mode_unknown_char_472(user, channel):
    op = user("m472")
    ch = channel("m472")
    op.join(ch)
    op.send("MODE %s +Z" % ch)
    m = op.expect("472")
    assert m.params[:2] == [op.nick, "Z"]
    # the known letters of the same command still apply
    op.send("MODE %s +Zm" % ch)
    op.expect("472")
    assert op.expect("MODE").params == [ch, "+m"]


def test_mode_op_for_non_member_441_and_nonexistent_401(user, channel):
    op = user("m441")
    out = user("m441x")
    ch = channel("m441")
    op.join(ch)
    op.send("MODE %s +o %s" % (ch, out.nick))
    m = op.expect(("441", "MODE"))
    assert m.command == "441" and m.params[:3] == [op.nick, out.nick, ch]
    op.send("MODE %s +v nobody_xx" % ch)
    m = op.expect(("401", "441", "MODE"))
    assert m.command == "401" and m.params[:2] == [op.nick, "nobody_xx"]
    op.assert_alive()


def test_mode_nonexistent_channel_403(user, channel):
    c = user("m403")
    ch = channel("m403")
    c.send("MODE %s" % ch)
    m = c.expect(("403", "324"))
    assert m.command == "403" and m.params[:2] == [c.nick, ch]
    c.send("MODE %s +m" % ch)
    assert c.expect(("403", "482")).command == "403"


def test_mode_key_already_set_467(user, channel):
    op = user("m467")
    ch = channel("m467")
    op.join(ch)
    op.send("MODE %s +k one" % ch)
    assert op.expect("MODE").params == [ch, "+k", "one"]
    op.send("MODE %s +k two" % ch)
    m = op.expect(("467", "MODE"))
    assert m.command == "467" and m.params[:2] == [op.nick, ch]
    _, params = modes_of(op, ch)
    assert params == ["one"]
    op.send("MODE %s -k one" % ch)
    m = op.expect("MODE")
    assert m.params[:2] == [ch, "-k"]
    letters, _ = modes_of(op, ch)
    assert "k" not in letters


def test_mode_key_or_limit_without_param(user, channel):
    op = user("mnp")
    ch = channel("mnp")
    op.join(ch)
    op.send("MODE %s +k" % ch)
    op.send("MODE %s +l" % ch)
    lines = op.sync()
    assert not any(m.command == "MODE" for m in lines), lines
    letters, _ = modes_of(op, ch)
    assert "k" not in letters and "l" not in letters


def test_mode_limit_set_and_removed(user, channel):
    op = user("mlim")
    ch = channel("mlim")
    op.join(ch)
    op.send("MODE %s +l 5" % ch)
    assert op.expect("MODE").params == [ch, "+l", "5"]
    op.send("MODE %s -l" % ch)
    assert op.expect("MODE").params == [ch, "-l"]
    letters, _ = modes_of(op, ch)
    assert "l" not in letters


# --------------------------------------------------------------------------
# Lists: b, e, I


def test_ban_list_add_query_remove(user, channel):
    op, mem, ch = op_and_member(user, channel)
    op.send("MODE %s +b bad!*@*" % ch)
    for c in (op, mem):
        m = c.expect("MODE")
        assert is_from(m, op) and m.params == [ch, "+b", "bad!*@*"]
    entries = mode_list(op, ch, "b", "367", "368")
    assert [e[0] for e in entries] == ["bad!*@*"]
    assert entries[0][1].split("!")[0] == op.nick  # setter
    assert int(entries[0][2]) <= time.time() + 2   # time set
    # a non-member may read the list too
    out = user("mbl")
    assert [e[0] for e in mode_list(out, ch, "b", "367", "368")] == ["bad!*@*"]
    op.send("MODE %s -b bad!*@*" % ch)
    assert op.expect("MODE").params == [ch, "-b", "bad!*@*"]
    assert mode_list(op, ch, "b", "367", "368") == []


def test_mode_param_count_limited_by_modes_token(user, channel):
    op = user("mcnt")
    ch = channel("mcnt")
    op.join(ch)
    modes = int(op.isupport()["MODES"])
    n = modes + 2
    op.send("MODE %s +%s %s" % (ch, "b" * n, " ".join("m%d!*@*" % i for i in range(n))))
    lines = [m for m in op.sync() if m.command == "MODE"]
    applied = sum(len(m.params) - 2 for m in lines)
    assert 1 <= applied <= modes, lines
    assert len(mode_list(op, ch, "b", "367", "368")) == applied


def test_ban_mask_normalization(user, channel):
    op = user("mnorm")
    ch = channel("mnorm")
    op.join(ch)
    op.send("MODE %s +b foo" % ch)
    assert op.expect("MODE").params == [ch, "+b", "foo!*@*"]
    op.send("MODE %s +b someone@some.host" % ch)
    assert op.expect("MODE").params == [ch, "+b", "*!someone@some.host"]
    got = [e[0] for e in mode_list(op, ch, "b", "367", "368")]
    assert sorted(got) == sorted(["foo!*@*", "*!someone@some.host"])


def test_ban_already_set_not_echoed(user, channel):
    op = user("mdup")
    ch = channel("mdup")
    op.join(ch)
    op.send("MODE %s +b dup!*@*" % ch)
    op.expect("MODE")
    op.send("MODE %s +b dup!*@*" % ch)
    op.send("MODE %s +b dup" % ch)
    op.send("MODE %s +b DUP!*@*" % ch)  # masks compare case-insensitively
    assert not any(m.command == "MODE" for m in op.sync())
    assert [e[0] for e in mode_list(op, ch, "b", "367", "368")] == ["dup!*@*"]


def test_exception_list_348_349(user, channel):
    op = user("mex")
    ch = channel("mex")
    op.join(ch)
    op.send("MODE %s +e friend!*@*" % ch)
    assert op.expect("MODE").params == [ch, "+e", "friend!*@*"]
    assert [e[0] for e in mode_list(op, ch, "e", "348", "349")] == ["friend!*@*"]


def test_invex_list_346_347(user, channel):
    op = user("minv")
    ch = channel("minv")
    op.join(ch)
    op.send("MODE %s +I guest!*@*" % ch)
    assert op.expect("MODE").params == [ch, "+I", "guest!*@*"]
    assert [e[0] for e in mode_list(op, ch, "I", "346", "347")] == ["guest!*@*"]


def test_ban_list_full_478(user, channel, limits):
    op = user("m478")
    ch = channel("m478")
    op.join(ch)
    n = limits["max_list"]
    for i in range(n):
        op.send("MODE %s +b full%d!*@*" % (ch, i))
        assert op.expect(("MODE", "478")).command == "MODE"
    op.send("MODE %s +b over!*@*" % ch)
    m = op.expect(("478", "MODE"))
    assert m.command == "478" and m.params[:3] == [op.nick, ch, "over!*@*"], m
    # b, e and I share the limit
    op.send("MODE %s +e over!*@*" % ch)
    assert op.expect(("478", "MODE")).command == "478"
    assert len(mode_list(op, ch, "b", "367", "368")) == n
    op.assert_alive()


# --------------------------------------------------------------------------
# User modes


def test_user_mode_query_221(user):
    c = user("um")
    c.send("MODE %s" % c.nick)
    m = c.expect("221")
    assert m.params[0] == c.nick and m.params[1].startswith("+")
    assert "o" not in m.params[1] and "i" not in m.params[1]


def test_user_mode_i_and_w(user):
    c = user("umiw")
    c.send("MODE %s +i" % c.nick)
    m = c.expect("MODE")
    assert m.nick == c.nick and m.params == [c.nick, "+i"]
    c.send("MODE %s +w" % c.nick)
    assert c.expect("MODE").params == [c.nick, "+w"]
    c.send("MODE %s" % c.nick)
    assert set(c.expect("221").params[1].lstrip("+")) >= {"i", "w"}
    # setting again changes nothing
    c.send("MODE %s +i" % c.nick)
    assert not any(m.command == "MODE" for m in c.sync())
    c.send("MODE %s -i" % c.nick)
    assert c.expect("MODE").params == [c.nick, "-i"]
    c.send("MODE %s" % c.nick)
    modes = c.expect("221").params[1]
    assert "i" not in modes and "w" in modes


def test_user_mode_oper_cannot_be_self_set(user):
    c = user("umo")
    c.send("MODE %s +o" % c.nick)
    lines = c.sync()
    assert not any(m.command == "MODE" for m in lines), lines
    c.send("MODE %s" % c.nick)
    assert "o" not in c.expect("221").params[1]
    c.send("WHOIS %s" % c.nick)
    assert not any(m.command == "313" for m in c.collect_until("318"))


def test_user_mode_unknown_flag_501(user):
    c = user("um501")
    c.send("MODE %s +Q" % c.nick)
    m = c.expect("501")
    assert m.params[0] == c.nick
    c.assert_alive()


def test_user_mode_other_user_502(user):
    a = user("um502")
    b = user("um502")
    a.send("MODE %s +i" % b.nick)
    m = a.expect(("502", "MODE"))
    assert m.command == "502" and m.params[0] == a.nick
    a.send("MODE %s" % b.nick)
    m = a.expect(("502", "221"))
    assert m.command == "502"
    assert not any(x.command == "MODE" for x in b.sync())
    b.send("MODE %s" % b.nick)
    assert "i" not in b.expect("221").params[1]


def test_user_mode_nonexistent_nick_401(user):
    c = user("um401")
    c.send("MODE nobody_um +i")
    m = c.expect(("401", "502"))
    assert m.command == "401" and m.params[:2] == [c.nick, "nobody_um"]
