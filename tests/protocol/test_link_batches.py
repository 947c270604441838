"""Netsplits and netjoins as local users see them (IRCv3 netsplit/netjoin batches),
and the nicks of split users held for [netsplit] split_user_grace_period.

Two evircd servers: a.test listens, b.test dials it (autoconnect). The users
who stay are on b.test, one with the batch capability and one without; a.test
is the far side, killed and started again with the same config (after b's
first redial failed, so its users are back before b's next try: they come in
the burst). The last test does the same behind a hub: a - b - c.
"""

import re
import time

from test_link import LINK_PASS_AB, LINK_PASS_BA, free_port, link_sections, wait_member, wait_visible


REDIAL_FAILED = r"link: (a\.test not established|cannot dial a\.test)"


def servers(make_server, grace=None):
    """a.test (the far side: listens) and b.test (near: dials), started."""
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    b_conf = link_sections("b.test", "2BB", port_b, "a.test", port_a,
                           LINK_PASS_BA, LINK_PASS_AB, True)
    if grace is not None:
        b_conf["netsplit"] = {"split_user_grace_period": str(grace)}
    b = make_server(b_conf)
    return a, b


def batch_client(srv, nick):
    """A client of srv registered as nick with the batch capability."""
    c = srv.client()
    c.nick = nick
    c.send("CAP LS 302")
    c.send("CAP REQ :batch")
    ack = c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
    assert ack.params[1] == "ACK", ack
    c.send("CAP END")
    return c.register(nick)


def join(client, *channels):
    for ch in channels:
        client.send("JOIN %s" % ch)
        client.expect("366")


def far_users(a, channels):
    """fa1 and fa2 on a.test, in channels."""
    users = [a.client().register("fa1"), a.client().register("fa2")]
    for u in users:
        join(u, *channels)
    return users


def lines_until_count(client, command, count):
    """Lines up to and including the count-th one with command (a sync first)."""
    out, seen = [], 0
    while seen < count:
        m = client.recv()
        out.append(m)
        if m.command == command:
            seen += 1
    return out


def batch_lines(lines, kind):
    """The (open, inner lines, close) of the one kind batch in lines."""
    opens = [m for m in lines if m.command == "BATCH" and m.params[0].startswith("+")
             and m.params[1] == kind]
    assert len(opens) == 1, "\n".join(map(str, lines))
    ref = opens[0].params[0][1:]
    inner = [m for m in lines if m.tags.get("batch") == ref]
    closes = [m for m in lines if m.command == "BATCH" and m.params[0] == "-" + ref]
    assert len(closes) == 1, "\n".join(map(str, lines))
    order = [lines.index(opens[0])] + [lines.index(m) for m in inner] + [lines.index(closes[0])]
    assert order == sorted(order), "batch lines out of order:\n" + "\n".join(map(str, lines))
    return opens[0], inner, closes[0]


def wait_log(srv, pattern, after=0, timeout=20):
    """Wait until srv's log has more than `after` matches of pattern; their count."""
    deadline = time.monotonic() + timeout
    while True:
        n = len(re.findall(pattern, srv.stderr_text()))
        if n > after:
            return n
        assert time.monotonic() < deadline, "no %r in the log:\n%s" % (pattern, srv.stderr_text())
        time.sleep(0.05)


def linked_with_channels(make_server, grace=None):
    a, b = servers(make_server, grace)
    far = far_users(a, ["#one", "#two"])
    near_batch = batch_client(b, "nb")
    near_plain = b.client().register("np")
    wait_visible(near_batch, "fa2")
    join(near_batch, "#one", "#two")
    join(near_plain, "#one")
    for ch, nick in (("#one", "fa2"), ("#two", "fa2"), ("#one", "np")):
        wait_member(near_batch, ch, nick)
    near_batch.sync()
    near_plain.sync()
    return a, b, near_batch, near_plain, far


def test_netsplit_batch_and_plain_quits(make_server):
    a, b, near_batch, near_plain, far = linked_with_channels(make_server)
    a.crash()
    # The batch: opened once, both QUITs inside it (each once, though fa1 and
    # fa2 share two channels with nb), then closed.
    lines = lines_until_count(near_batch, "BATCH", 2)
    opened, inner, _ = batch_lines(lines, "netsplit")
    assert opened.params[2:] == ["b.test", "a.test"]
    assert sorted(m.nick for m in inner) == ["fa1", "fa2"]
    assert all(m.command == "QUIT" and m.params == ["b.test a.test"] for m in inner)
    assert [m for m in lines if m.command == "QUIT" and "batch" not in m.tags] == []
    # Without the capability: the same QUITs, plain, no BATCH.
    lines = lines_until_count(near_plain, "QUIT", 2)
    assert sorted(m.nick for m in lines if m.command == "QUIT") == ["fa1", "fa2"]
    assert all("batch" not in m.tags for m in lines)
    assert not any(m.command == "BATCH" for m in lines + near_plain.sync())
    assert not any(m.command == "QUIT" for m in near_batch.sync())


def test_split_nick_held_then_netjoin_batch(make_server):
    a, b, near_batch, near_plain, far = linked_with_channels(make_server)
    redials = len(re.findall(REDIAL_FAILED, b.stderr_text()))
    a.crash()
    lines_until_count(near_batch, "BATCH", 2)
    lines_until_count(near_plain, "QUIT", 2)
    # fa1's nick is held for its owner: a local user gets 437, not the nick.
    taker = b.client().register("taker")
    taker.send("NICK fa1")
    refused = taker.expect(("437", "NICK"))
    assert refused.command == "437" and refused.params[1] == "fa1", refused
    # b.test redials (and fails) at once; the next try is 5 s later: a.test
    # comes back before it, with fa1 and fa2 in their channels again.
    wait_log(b, REDIAL_FAILED, after=redials)
    a.start()
    far_users(a, ["#one", "#two"])
    # The relink's burst brings them back: nb gets their JOINs in one netjoin
    # batch, np plain.
    lines = lines_until_count(near_batch, "BATCH", 2)
    opened, inner, _ = batch_lines(lines, "netjoin")
    assert opened.params[2:] == ["b.test", "a.test"]
    joins = sorted((m.nick, m.params[0]) for m in inner)
    assert joins == [("fa1", "#one"), ("fa1", "#two"), ("fa2", "#one"), ("fa2", "#two")]
    assert all(m.command == "JOIN" for m in inner)
    lines = lines_until_count(near_plain, "JOIN", 2)
    plain = [m for m in lines if m.command == "JOIN"]
    assert sorted(m.nick for m in plain) == ["fa1", "fa2"]
    assert all("batch" not in m.tags for m in plain)
    assert not any(m.command == "BATCH" for m in lines + near_plain.sync())
    # The nick is its owner's again: taken, not held.
    taker.send("NICK fa1")
    assert taker.expect(("433", "437", "NICK")).command == "433"


def test_held_nick_released_after_grace_period(make_server):
    a, b, near_batch, near_plain, far = linked_with_channels(make_server, grace=3)
    a.crash()
    lines_until_count(near_plain, "QUIT", 2)
    taker = b.client().register("taker")
    taker.send("NICK fa2")
    assert taker.expect(("437", "NICK")).command == "437"
    # Held at registration too.
    newcomer = b.client()
    newcomer.send("NICK fa1")
    newcomer.send("USER u 0 * :Real")
    refused = newcomer.expect(("437", "001"))
    assert refused.command == "437" and refused.params[1] == "fa1", refused
    time.sleep(3.5)
    taker.send("NICK fa2")
    changed = taker.expect(("437", "NICK"))
    assert changed.command == "NICK" and changed.params == ["fa2"], changed


def test_netsplit_and_netjoin_behind_a_hub(make_server):
    """a.test - b.test - c.test: b dials both. c goes and comes back; a's
    users see the split and the join through b, in batches named b and c."""
    port_a, port_b, port_c = free_port(), free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    c_conf = link_sections("c.test", "3CC", port_c, "b.test", port_b, "c-to-b", "b-to-c", False)
    c = make_server(c_conf)
    b_conf = link_sections("b.test", "2BB", port_b, "a.test", port_a,
                           LINK_PASS_BA, LINK_PASS_AB, True)
    b_conf["link c.test"] = {"host": "127.0.0.1", "port": str(port_c), "send_password": "b-to-c",
                             "accept_password": "c-to-b", "autoconnect": "yes"}
    b = make_server(b_conf)
    far = [c.client().register("fc1"), c.client().register("fc2")]
    for u in far:
        join(u, "#one")
    near_batch = batch_client(a, "nb")
    near_plain = a.client().register("np")
    wait_visible(near_batch, "fc2")
    join(near_batch, "#one")
    join(near_plain, "#one")
    wait_member(near_batch, "#one", "fc2")
    near_batch.sync()
    near_plain.sync()
    failed = r"link: (c\.test not established|cannot dial c\.test)"
    redials = len(re.findall(failed, b.stderr_text()))
    c.crash()
    lines = lines_until_count(near_batch, "BATCH", 2)
    opened, inner, _ = batch_lines(lines, "netsplit")
    assert opened.params[2:] == ["b.test", "c.test"]
    assert sorted(m.nick for m in inner) == ["fc1", "fc2"]
    assert all(m.params == ["b.test c.test"] for m in inner)
    lines = lines_until_count(near_plain, "QUIT", 2)
    assert not any(m.command == "BATCH" or "batch" in m.tags for m in lines)
    wait_log(b, failed, after=redials)
    c.start()
    for nick in ("fc1", "fc2"):
        join(c.client().register(nick), "#one")
    lines = lines_until_count(near_batch, "BATCH", 2)
    opened, inner, _ = batch_lines(lines, "netjoin")
    assert opened.params[2:] == ["b.test", "c.test"]
    assert sorted((m.command, m.nick) for m in inner) == [("JOIN", "fc1"), ("JOIN", "fc2")]
    lines = lines_until_count(near_plain, "JOIN", 2)
    assert not any(m.command == "BATCH" or "batch" in m.tags for m in lines)
