"""What operators use to run links: CONNECT, SQUIT, LINKS, MAP, STATS c and l,
LUSERS and /metrics, with evircd servers linked on loopback.

a.test (1AA) and b.test (2BB) both listen for servers and neither dials by
itself: an operator on b CONNECTs the link and SQUITs it again.
"""

import os
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

PASS_AB = "a-to-b"
PASS_BA = "b-to-a"


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([os.path.join(ROOT, "tools", "mkpasswd"), "sekrit"]) \
        .decode().strip()


def server_sections(name, sid, port, links, oper_hash, metrics_port=None):
    """links: [(peer name, peer port, send password, accept password, autoconnect)]."""
    sections = {
        "server": {"name": name, "sid": sid, "description": "%s server" % name},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "oper admin": {"password": oper_hash, "mask": "*@127.0.0.1",
                       "privileges": "all", "snomask": "+ckorl"},
    }
    for peer, peer_port, send, accept, auto in links:
        sections["link %s" % peer] = {
            "host": "127.0.0.1",
            "port": str(peer_port),
            "send_password": send,
            "accept_password": accept,
            "autoconnect": "yes" if auto else "no",
        }
    if metrics_port is not None:
        sections["metrics"] = {"enabled": "yes", "host": "127.0.0.1",
                               "port": str(metrics_port)}
    return sections


@pytest.fixture
def unlinked(make_server, oper_hash):
    """a.test and b.test, each with a [link] block for the other, autoconnect off."""
    port_a, port_b, mport = free_port(), free_port(), free_port()
    a = make_server(server_sections("a.test", "1AA", port_a,
                                    [("b.test", port_b, PASS_AB, PASS_BA, False)], oper_hash))
    b = make_server(server_sections("b.test", "2BB", port_b,
                                    [("a.test", port_a, PASS_BA, PASS_AB, False)], oper_hash,
                                    metrics_port=mport))
    b.metrics_port = mport
    b.link_port_a = port_a
    return a, b




def wait_visible(observer, nick, timeout=10):
    """WHOIS nick from observer until it answers 311 (the link carried it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("WHOIS %s" % nick)
        if any(m.command == "311" for m in observer.collect_until("318")):
            return
        time.sleep(0.05)
    raise AssertionError("%s never became visible to %s" % (nick, observer.nick))


def wait_gone(observer, nick, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("WHOIS %s" % nick)
        if any(m.command == "401" for m in observer.collect_until("318")):
            return
        time.sleep(0.05)
    raise AssertionError("%s still visible to %s" % (nick, observer.nick))


def wait_member(observer, channel, nick, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("NAMES %s" % channel)
        listed = " ".join(m.params[-1] for m in observer.collect_until("366")
                          if m.command == "353")
        if nick in listed.replace("@", " ").replace("+", " ").split():
            return
        time.sleep(0.05)
    raise AssertionError("%s never seen in %s by %s" % (nick, channel, observer.nick))


def oper_up(srv, nick):
    c = srv.client().register(nick)
    c.send("OPER admin sekrit")
    c.expect("381")
    return c


def notice(c, text):
    return c.expect(lambda m: m.command == "NOTICE" and text in m.params[-1])


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def wait_metric(port, name, want, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        values = scrape(port)
        if values.get(name) == want:
            return values
        assert time.monotonic() < deadline, (name, values.get(name), want)
        time.sleep(0.05)


def replies(c, command, numeric, end):
    c.send(command)
    return [m for m in c.collect_until(end) if m.command == numeric]


def test_non_operators_get_481(unlinked):
    a, b = unlinked
    user = b.client().register("plain")
    for line in ("CONNECT a.test", "SQUIT a.test :no"):
        user.send(line)
        assert "not an IRC operator" in user.expect("481").params[-1]


def test_connect_refusals(unlinked):
    a, b = unlinked
    op = oper_up(b, "op")
    op.send("CONNECT nowhere.test")
    notice(op, "no [link] block for nowhere.test")
    op.send("CONNECT a.test notaport")
    notice(op, "notaport is not a port")
    op.send("SQUIT nowhere.test")
    assert op.expect("402").params[1] == "nowhere.test"
    op.send("SQUIT b.test")
    notice(op, "is this server")


def test_connect_links_show_then_squit_splits(unlinked):
    a, b = unlinked
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    op = oper_up(b, "op")
    alice.send("WHOIS bob")
    assert any(m.command == "401" for m in alice.collect_until("318"))
    assert scrape(b.metrics_port)["evircd_links"] == 0

    op.send("CONNECT a.test %d" % b.link_port_a)
    notice(op, "Connecting to a.test[127.0.0.1] port %d" % b.link_port_a)
    notice(op, "Link with a.test[127.0.0.1] established")
    wait_visible(alice, "bob")
    wait_visible(op, "alice")
    op.send("CONNECT a.test")
    notice(op, "a.test is already linked")

    # LINKS: both servers, in tree order, with uplink and hops.
    links = replies(alice, "LINKS", "364", "365")
    assert [m.params[1:3] for m in links] == [["a.test", "a.test"], ["b.test", "a.test"]]
    assert links[0].params[3] == "0 a.test server"
    assert links[1].params[3] == "1 b.test server"
    assert [m.params[1] for m in replies(bob, "LINKS b.*", "364", "365")] == ["b.test"]

    # MAP: b at the root here, a below it; one user on a, two on b.
    lines = replies(bob, "MAP", "015", "017")
    assert len(lines) == 2
    assert lines[0].params[-1].startswith("b.test[2BB] ---")
    assert lines[0].params[-1].endswith("| Users:     2 (66.7%)")
    assert lines[1].params[-1].startswith("`- a.test[1AA] ---")
    assert lines[1].params[-1].endswith("| Users:     1 (33.3%)")

    # STATS c: the [link] block; STATS l: the link's counters.
    blocks = replies(op, "STATS c", "213", "219")
    assert [m.params[1:7] for m in blocks] == [
        ["C", "127.0.0.1", "*", "a.test", str(b.link_port_a), "server"]]
    assert blocks[0].params[-1] == "hybrid, linked"
    conns = [m for m in replies(op, "STATS l", "211", "219")
             if m.params[1].startswith("a.test[")]
    assert len(conns) == 1 and conns[0].params[1] == "a.test[127.0.0.1]"
    assert int(conns[0].params[3]) > 0 and int(conns[0].params[5]) > 0  # messages out, in
    one = replies(op, "STATS l a.test", "211", "219")
    assert [m.params[1] for m in one] == ["a.test[127.0.0.1]"]

    # LUSERS: the network's servers, and the one linked here.
    lusers = replies(alice, "LUSERS", "255", "255")
    assert lusers[0].params[-1] == "I have 1 clients and 1 servers"
    alice.send("LUSERS")
    assert alice.expect("251").params[-1].endswith("on 2 servers")

    # /metrics on b: one link, one remote user, its burst duration.
    values = wait_metric(b.metrics_port, "evircd_links", 1)
    assert values["evircd_clients_remote"] == 1
    assert values["evircd_servers"] == 2
    deadline = time.monotonic() + 10
    while 'evircd_link_burst_seconds{link="a.test"}' not in values:
        assert time.monotonic() < deadline, values
        time.sleep(0.05)
        values = scrape(b.metrics_port)
    assert values['evircd_link_burst_seconds{link="a.test"}'] >= 0

    # SQUIT: both sides see the netsplit, and the far user is gone.
    alice.send("JOIN #ops")
    alice.expect("366")
    wait_member(bob, "#ops", "alice")
    bob.send("JOIN #ops")
    bob.expect("366")
    alice.expect("JOIN")
    op.send("SQUIT a.test :maintenance")
    quit = bob.expect("QUIT")
    assert quit.source.startswith("alice!") and quit.params == ["b.test a.test"]
    quit = alice.expect("QUIT")
    assert quit.source.startswith("bob!") and quit.params == ["a.test b.test"]
    notice(op, "SQUIT a.test from op (maintenance)")
    op.send("WHOIS alice")
    assert any(m.command == "401" for m in op.collect_until("318"))
    wait_gone(alice, "bob")
    wait_metric(b.metrics_port, "evircd_links", 0)
    assert "a.test split from b.test: maintenance" in b.stderr_text()


def test_squit_of_a_far_server_travels_towards_it(make_server, oper_hash):
    """a.test - b.test - c.test: an operator on a SQUITs c; b drops it."""
    port_a, port_b, port_c = free_port(), free_port(), free_port()
    b = make_server(server_sections("b.test", "2BB", port_b,
                                    [("a.test", port_a, "ba", "ab", False),
                                     ("c.test", port_c, "bc", "cb", False)], oper_hash))
    a = make_server(server_sections("a.test", "1AA", port_a,
                                    [("b.test", port_b, "ab", "ba", True)], oper_hash))
    c = make_server(server_sections("c.test", "3CC", port_c,
                                    [("b.test", port_b, "cb", "bc", True)], oper_hash))
    op = oper_up(a, "op")
    carol = c.client().register("carol")
    wait_visible(op, "carol")
    wait_visible(carol, "op")
    links = replies(op, "LINKS", "364", "365")
    assert [m.params[1:3] + [m.params[3].split()[0]] for m in links] == [
        ["a.test", "a.test", "0"], ["b.test", "a.test", "1"], ["c.test", "b.test", "2"]]
    lines = [m.params[-1] for m in replies(op, "MAP", "015", "017")]
    assert lines[0].startswith("a.test[1AA] ")
    assert lines[1].startswith("`- b.test[2BB] ")
    assert lines[2].startswith("   `- c.test[3CC] ")
    op.send("SQUIT c.test :far away")
    notice(op, "SQUIT c.test sent towards b.test")
    wait_gone(op, "carol")
    # c was split at b, its direct uplink; a and b stay linked.
    assert "c.test split from b.test: far away" in b.stderr_text()
    assert [m.params[1] for m in replies(op, "LINKS", "364", "365")] == ["a.test", "b.test"]


def test_squit_aborts_a_connect_in_its_handshake(make_server, oper_hash):
    """The peer accepts the connection but never answers: SQUIT drops it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        srv = make_server(server_sections(
            "a.test", "1AA", free_port(),
            [("quiet.test", silent.getsockname()[1], "x", "y", False)], oper_hash))
        op = oper_up(srv, "op")
        op.send("CONNECT quiet.test")
        notice(op, "Connecting to quiet.test")
        silent.settimeout(5)
        conn, _ = silent.accept()
        with conn:
            conn.settimeout(5)
            got = b""
            while b"SERVER a.test" not in got:  # our intro came: the handshake waits
                chunk = conn.recv(4096)
                assert chunk, got
                got += chunk
            op.send("CONNECT quiet.test")
            notice(op, "cannot dial quiet.test: already linked")
            op.send("SQUIT quiet.test :give up")
            notice(op, "link to quiet.test dropped in its handshake")
            while True:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                got += chunk
            assert b"ERROR :Closing Link: 127.0.0.1 (give up)" in got


# -- Against a Ts6Peer (ts6.py): what travels on the link.

from ts6 import Channel, Server, free_port  # noqa: E402


@pytest.fixture
def peer_linked(make_server, ts6_peer, oper_hash):
    """evircd (irc.test, 0TS) with a local operator, linked to peer.test (9PE,
    hybrid dialect) which has far.test (8FA) behind it, an operator "rop" and a
    plain user "plain"."""
    port = free_port()
    srv = make_server({
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link peer.test": {"host": "127.0.0.1", "port": "1", "send_password": "linkpass",
                           "accept_password": "linkpass", "autoconnect": "no"},
        "oper admin": {"password": oper_hash, "mask": "*@127.0.0.1",
                       "privileges": "all", "snomask": "+l"},
    })
    op = oper_up(srv, "op")
    peer = ts6_peer("peer.test", "9PE", dialect="hybrid")
    rop = peer.user("rop", umodes="+o")
    plain = peer.user("plain")
    far = Server("far.test", "8FA")
    peer.connect(port).link(servers=[far], users=[rop, plain])
    wait_visible(op, "plain")
    return srv, op, peer, rop, plain


def test_operator_squit_as_the_link_sees_it(peer_linked):
    srv, op, peer, rop, plain = peer_linked
    op_uid = peer.uid_of("op")
    # A server behind the peer: the SQUIT is sent towards it, nothing splits here.
    op.send("SQUIT 8FA :too far")
    notice(op, "SQUIT far.test sent towards peer.test")
    peer.expect("SQUIT", source=op_uid, params=["8FA", "too far"])
    op.send("LINKS far.test")
    assert [m.params[1] for m in op.collect_until("365") if m.command == "364"] == ["far.test"]
    # The peer itself: told that we leave it, then the ERROR.
    op.send("SQUIT peer.test :bye peer")
    peer.expect("SQUIT", source=op_uid, params=["0TS", "bye peer"])
    peer.expect("ERROR")
    peer.wait_closed()
    notice(op, "Server peer.test split from irc.test (bye peer)")
    wait_gone(op, "plain")


def test_remote_operator_squit(peer_linked):
    srv, op, peer, rop, plain = peer_linked
    # From a user who is not an operator: ignored, the link stays.
    peer.send(":%s SQUIT 0TS :not yours" % plain.uid)
    peer.sync()
    assert not peer.closed
    assert "not an operator: ignored" in srv.stderr_text()
    # From an operator, naming us: the link it came over goes.
    peer.send(":%s SQUIT irc.test :remote bye" % rop.uid)
    notice(op, "Remote SQUIT peer.test from rop (remote bye)")
    peer.wait_closed()
    wait_gone(op, "rop")


def test_ts_change_is_a_server_notice(peer_linked):
    srv, op, peer, rop, plain = peer_linked
    op.send("JOIN #older")
    op.expect("366")
    op.send("MODE #older")
    ours = int(op.expect("329").params[-1])
    peer.send(peer.channel_lines(Channel("#older", ts=ours - 100, members={plain: "@"}))[0])
    # The members hear it in the channel; an operator with snomask l also as a server notice.
    text = "TS for #older changed from %d to %d" % (ours, ours - 100)
    op.expect(lambda m: m.command == "NOTICE" and m.params[0] == "#older" and text in m.params[-1])
    op.expect(lambda m: m.command == "NOTICE" and m.params[0] == "op" and text in m.params[-1])


# -- Against the real ircd-hybrid 8.2 (the hybrid fixture; skipped where it cannot run).


def test_connect_and_squit_with_hybrid_both_ways(hybrid, make_server, oper_hash):
    """ev.test (2EV, autoconnect off) and hub.test (hybrid, 1HY): the evircd
    operator CONNECTs and SQUITs; after a second CONNECT, hybrid's operator
    SQUITs evircd, which hears it as a remote SQUIT."""
    ev_port = free_port()
    h = hybrid(name="hub.test", sid="1HY",
               connect={"name": "ev.test", "port": ev_port,
                        "send_password": "hub-to-ev", "accept_password": "ev-to-hub"})
    ev = make_server({
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(ev_port), "type": "servers"},
        "link hub.test": {"host": "127.0.0.1", "port": str(h.port), "dialect": "hybrid",
                          "send_password": "ev-to-hub", "accept_password": "hub-to-ev",
                          "autoconnect": "no"},
        "oper admin": {"password": oper_hash, "mask": "*@127.0.0.1",
                       "privileges": "all", "snomask": "+l"},
    })
    op = oper_up(ev, "evop")
    bob = ev.client().register("bob")
    alice = h.client().register("alice")

    op.send("CONNECT hub.test")
    notice(op, "End of burst from hub.test")
    wait_visible(bob, "alice")
    links = replies(op, "LINKS", "364", "365")
    assert [m.params[1:3] for m in links] == [["ev.test", "ev.test"], ["hub.test", "ev.test"]]
    lines = [m.params[-1] for m in replies(op, "MAP", "015", "017")]
    assert lines[1].startswith("`- hub.test[1HY] ") and "| Users:     1 " in lines[1]
    blocks = replies(op, "STATS c", "213", "219")
    assert blocks[0].params[1:5] == ["C", "127.0.0.1", "*", "hub.test"]
    assert blocks[0].params[-1] == "hybrid, linked"

    # evircd's operator splits hybrid away: both sides see the netsplit.
    bob.send("JOIN #ops")
    bob.expect("366")
    alice.send("JOIN #ops")
    bob.expect("JOIN")
    op.send("SQUIT hub.test :ev says bye")
    quit = bob.expect("QUIT")
    assert quit.source.startswith("alice!") and quit.params == ["ev.test hub.test"]
    quit = alice.expect(lambda m: m.command == "QUIT" and m.source.startswith("bob!"))
    assert quit.params == ["hub.test ev.test"]
    wait_gone(bob, "alice")

    # Linked again; now hybrid's operator SQUITs evircd.
    op.send("CONNECT hub.test")
    notice(op, "End of burst from hub.test")
    wait_visible(bob, "alice")
    hoper = h.oper(h.client().register("hoper"))
    wait_visible(bob, "hoper")
    hoper.send("SQUIT ev.test :hub says bye")
    notice(op, "Remote SQUIT hub.test from hoper (hub says bye)")
    wait_gone(bob, "alice")
    assert "hub.test split from ev.test: hub says bye" in ev.stderr_text()
