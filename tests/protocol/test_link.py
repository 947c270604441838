"""Server linking (TS6) between two evircd servers on loopback.

A listens for servers; B dials A (autoconnect). Users on both sides see each
other (WHOIS names the far server), talk, change nick, go away and quit, and a
lost link splits the far side away.
"""

import socket
import time

import pytest

from ts6 import free_port



LINK_PASS_AB = "a-to-b"
LINK_PASS_BA = "b-to-a"


def link_sections(name, sid, server_port, peer, peer_port, send, accept, autoconnect):
    return {
        "server": {"name": name, "sid": sid},
        "listen servers": {"host": "127.0.0.1", "port": str(server_port), "type": "servers"},
        "link %s" % peer: {
            "host": "127.0.0.1",
            "port": str(peer_port),
            "send_password": send,
            "accept_password": accept,
            "autoconnect": "yes" if autoconnect else "no",
        },
    }


@pytest.fixture
def pair(make_server):
    """Two evircd servers, a.test (1AA) and b.test (2BB); B dials A."""
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, LINK_PASS_AB, True))
    return a, b


def wait_visible(observer, nick, timeout=10):
    """WHOIS nick from observer until it answers 311 (the link carried it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("WHOIS %s" % nick)
        lines = observer.collect_until("318")
        found = [m for m in lines if m.command == "311"]
        if found:
            return lines
        time.sleep(0.05)
    raise AssertionError("%s never became visible to %s" % (nick, observer.nick))


def wait_gone(observer, nick, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("WHOIS %s" % nick)
        lines = observer.collect_until("318")
        if any(m.command == "401" for m in lines):
            return
        time.sleep(0.05)
    raise AssertionError("%s still visible to %s" % (nick, observer.nick))


def test_users_see_each_other_across_the_link(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    lines = wait_visible(alice, "bob")
    whois_server = [m for m in lines if m.command == "312"][0]
    assert whois_server.params[1:3] == ["bob", "b.test"]
    lines = wait_visible(bob, "alice")
    assert [m for m in lines if m.command == "312"][0].params[2] == "a.test"


def test_private_messages_both_ways(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    alice.send("PRIVMSG bob :hello from a")
    got = bob.expect("PRIVMSG")
    assert got.source.startswith("alice!") and got.params == ["bob", "hello from a"]
    bob.send("NOTICE alice :and back from b")
    got = alice.expect("NOTICE")
    assert got.source.startswith("bob!") and got.params == ["alice", "and back from b"]


def test_nick_away_and_quit_travel(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    alice.send("MONITOR + bob,robert")
    alice.expect("730")
    bob.send("NICK robert")
    bob.expect("NICK")
    # MONITOR on a sees the rename made on b.
    alice.expect(lambda m: m.command == "731" and "bob" in m.params[-1])
    alice.expect(lambda m: m.command == "730" and m.params[-1].startswith("robert!"))
    bob.send("AWAY :out to lunch")
    bob.expect("306")
    deadline = time.monotonic() + 10
    while True:  # the AWAY crosses the link on its own time
        alice.send("PRIVMSG robert :are you there?")
        alice.send("PING :sync")
        lines = alice.collect_until("PONG")
        away = [m for m in lines if m.command == "301"]
        if away or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert away and away[0].params[1:] == ["robert", "out to lunch"]
    bob.send("QUIT :bye")
    alice.expect(lambda m: m.command == "731" and "robert" in m.params[-1])
    wait_gone(alice, "robert")


def test_lost_link_splits_the_far_side(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    alice.send("MONITOR + bob")
    alice.expect("730")
    b.crash()  # the far server dies: its users leave with it
    alice.expect(lambda m: m.command == "731" and "bob" in m.params[-1])
    wait_gone(alice, "bob")
    assert "b.test split from a.test" in a.stderr_text()


def test_wrong_password_is_refused(make_server):
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, "not-what-a-sends", True))
    # b dials; a accepts (b's password is right) and sends its own, which b refuses.
    deadline = time.monotonic() + 10
    while "Password incorrect" not in b.stderr_text():
        assert time.monotonic() < deadline, b.stderr_text()
        time.sleep(0.05)
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    alice.send("WHOIS bob")
    assert any(m.command == "401" for m in alice.collect_until("318"))


def wait_member(observer, channel, nick, timeout=10):
    """NAMES channel from observer until nick is listed (the link carried the join)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        observer.send("NAMES %s" % channel)
        listed = " ".join(m.params[-1] for m in observer.collect_until("366") if m.command == "353")
        if nick in listed.replace("@", " ").replace("+", " ").split():
            return listed
        time.sleep(0.05)
    raise AssertionError("%s never seen in %s by %s" % (nick, channel, observer.nick))


def join_both(alice, bob, channel):
    """alice (on a) creates channel, bob (on b) joins it; both see both."""
    alice.send("JOIN %s" % channel)
    alice.expect("366")
    wait_member(bob, channel, "alice")
    bob.send("JOIN %s" % channel)
    names = bob.collect_until("366")
    listed = " ".join(m.params[-1] for m in names if m.command == "353")
    assert "@alice" in listed and "bob" in listed, listed
    joined = alice.expect("JOIN")
    assert joined.source.startswith("bob!") and joined.params[0] == channel


def test_channel_life_across_the_link(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    join_both(alice, bob, "#both")
    alice.send("PRIVMSG #both :hi bob")
    got = bob.expect("PRIVMSG")
    assert got.source.startswith("alice!") and got.params == ["#both", "hi bob"]
    bob.send("PRIVMSG #both :hi alice")
    assert alice.expect("PRIVMSG").params == ["#both", "hi alice"]
    alice.send("TOPIC #both :linked topic")
    topic = bob.expect("TOPIC")
    assert topic.source.startswith("alice!") and topic.params == ["#both", "linked topic"]
    alice.send("MODE #both +v bob")
    mode = bob.expect("MODE")
    assert mode.source.startswith("alice!") and mode.params == ["#both", "+v", "bob"]
    bob.send("PART #both :see you")
    part = alice.expect("PART")
    assert part.source.startswith("bob!") and part.params == ["#both", "see you"]
    bob.send("JOIN #both")
    alice.expect("JOIN")
    alice.send("KICK #both bob :out")
    kick = bob.expect("KICK")
    assert kick.source.startswith("alice!") and kick.params == ["#both", "bob", "out"]


def test_netsplit_quits_show_both_servers(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    join_both(alice, bob, "#split")
    b.crash()
    quit = alice.expect("QUIT")
    assert quit.source.startswith("bob!") and quit.params == ["a.test b.test"]


def test_burst_carries_channels_topics_and_bans(make_server):
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, LINK_PASS_BA, False))
    alice = a.client().register("alice")
    alice.send("JOIN #old")
    alice.expect("366")
    alice.send("TOPIC #old :set before the link")
    alice.expect("TOPIC")
    alice.send("MODE #old +b *!*@banned.example")
    alice.expect("MODE")
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, LINK_PASS_AB, True))
    bob = b.client().register("bob")
    wait_visible(bob, "alice")
    bob.send("JOIN #old")
    lines = bob.collect_until("366")
    assert [m.params[-1] for m in lines if m.command == "332"] == ["set before the link"]
    listed = " ".join(m.params[-1] for m in lines if m.command == "353")
    assert "@alice" in listed and "bob" in listed
    bob.send("MODE #old +b")
    bans = [m.params[2] for m in bob.collect_until("368") if m.command == "367"]
    assert bans == ["*!*@banned.example"]


def make_cert(directory):
    """A self-signed certificate (tools/mkcert) and its SHA-256 fingerprint."""
    import hashlib
    import os
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.check_call(["sh", os.path.join(root, "tools", "mkcert"), str(directory)],
                          stderr=subprocess.DEVNULL)
    der = subprocess.check_output(["openssl", "x509", "-in", str(directory / "cert.pem"),
                                   "-outform", "DER"])
    return {"certificate": str(directory / "cert.pem"), "key": str(directory / "key.pem")}, \
        hashlib.sha256(der).hexdigest()


def tls_pair(make_server, tmp_path, pin_a, pin_b):
    """a and b linked over TLS; each pins the fingerprint given (None: none)."""
    port_a, port_b = free_port(), free_port()
    tls_a, fp_a = make_cert(tmp_path / "a")
    tls_b, fp_b = make_cert(tmp_path / "b")
    sa = link_sections("a.test", "1AA", port_a, "b.test", port_b, LINK_PASS_AB, LINK_PASS_BA, False)
    sa["listen servers"]["tls"] = "yes"
    sa["tls"] = tls_a
    sa["link b.test"]["tls"] = "yes"
    sa["link b.test"]["fingerprint"] = pin_a(fp_b)
    sb = link_sections("b.test", "2BB", port_b, "a.test", port_a, LINK_PASS_BA, LINK_PASS_AB, True)
    sb["tls"] = tls_b
    sb["link a.test"]["tls"] = "yes"
    sb["link a.test"]["fingerprint"] = pin_b(fp_a)
    return make_server(sa), make_server(sb)


def test_tls_link_with_pinned_certificates(make_server, tmp_path):
    a, b = tls_pair(make_server, tmp_path, lambda fp: fp, lambda fp: fp.upper())
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    alice.send("PRIVMSG bob :over tls")
    assert bob.expect("PRIVMSG").params == ["bob", "over tls"]


def test_tls_link_with_the_wrong_pin_is_refused(make_server, tmp_path):
    a, b = tls_pair(make_server, tmp_path, lambda fp: "0" * 64, lambda fp: fp)
    deadline = time.monotonic() + 10
    while "Certificate fingerprint mismatch" not in a.stderr_text():
        assert time.monotonic() < deadline, a.stderr_text()
        time.sleep(0.05)
    alice = a.client().register("alice")
    b.client().register("bob")
    alice.send("WHOIS bob")
    assert any(m.command == "401" for m in alice.collect_until("318"))


def test_hashed_accept_password(make_server, evircd_bin):
    """accept_password may be an evircd-mkpasswd hash: checked off the loop, burst intact."""
    import os
    import subprocess
    mkpasswd = os.path.join(os.path.dirname(evircd_bin), "evircd-mkpasswd")
    hashed = subprocess.run([mkpasswd], input=LINK_PASS_BA,
                            capture_output=True, text=True, check=True).stdout.strip()
    port_a, port_b = free_port(), free_port()
    a = make_server(link_sections("a.test", "1AA", port_a, "b.test", port_b,
                                  LINK_PASS_AB, hashed, False))
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, LINK_PASS_AB, True))
    # b dials within a second: bob's channel rides its burst or follows it
    bob = b.client().register("bob")
    bob.send("JOIN #early")
    bob.expect("366")
    alice = a.client().register("alice")
    wait_visible(alice, "bob")
    assert "bob" in wait_member(alice, "#early", "bob")


def with_caps(client, caps):
    """CAP REQ before registration; registration ends the negotiation."""
    client.send("CAP REQ :%s" % caps)
    assert client.expect("CAP").params[1] == "ACK"
    client.send("CAP END")
    return client


def test_msgid_and_time_are_the_same_on_both_servers(pair):
    """Between evircd servers a message keeps its msgid, time and client tags."""
    a, b = pair
    alice = with_caps(a.client(), "message-tags server-time echo-message").register("alice")
    bob = with_caps(b.client(), "message-tags server-time").register("bob")
    wait_visible(alice, "bob")
    join_both(alice, bob, "#tags")
    alice.send("@+example.org/tone=warm PRIVMSG #tags :same everywhere")
    echo = alice.expect("PRIVMSG")
    got = bob.expect("PRIVMSG")
    assert got.params == ["#tags", "same everywhere"]
    assert got.tags["msgid"] == echo.tags["msgid"] and echo.tags["msgid"].startswith("1AA")
    assert got.tags["time"] == echo.tags["time"]
    assert got.tags["+example.org/tone"] == "warm"
    bob.send("PRIVMSG alice :and back")
    back = alice.expect("PRIVMSG")
    assert back.tags["msgid"].startswith("2BB")


def test_user_modes_travel(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    bob.send("MODE bob +i")
    assert bob.expect("MODE").params == ["bob", "+i"]
    deadline = time.monotonic() + 10
    while True:  # LUSERS on a counts bob as invisible once the MODE crossed
        alice.send("LUSERS")
        line = alice.expect("251").params[-1]
        if "1 invisible" in line or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert "1 users and 1 invisible on 2 servers" in line


def test_queries_travel_to_the_server_they_name(pair):
    a, b = pair
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(alice, "bob")
    # "WHOIS bob bob" asks bob's own server, which knows his idle time
    alice.send("WHOIS bob bob")
    lines = alice.collect_until("318")
    idle = [m for m in lines if m.command == "317"]
    assert idle and idle[0].params[1] == "bob", [m.line for m in lines]
    assert [m.source for m in lines if m.command == "311"] == ["b.test"]
    alice.send("VERSION b.test")
    version = alice.expect("351")
    assert version.source == "b.test" and "b.test" in version.params
    alice.send("TIME b.test")
    assert alice.expect("391").params[1] == "b.test"
    alice.send("ADMIN nosuch.server")
    assert alice.expect("402").params[1] == "nosuch.server"


def test_mass_messages_by_server_mask(make_server):
    import os
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    hashed = subprocess.run([os.path.join(root, "tools", "mkpasswd")], input="sekrit",
                            capture_output=True, text=True, check=True).stdout.strip()
    port_a, port_b = free_port(), free_port()
    sa = link_sections("a.test", "1AA", port_a, "b.test", port_b, LINK_PASS_AB, LINK_PASS_BA, False)
    sa["oper admin"] = {"password": hashed, "mask": "*@127.0.0.1", "privileges": "all"}
    a = make_server(sa)
    b = make_server(link_sections("b.test", "2BB", port_b, "a.test", port_a,
                                  LINK_PASS_BA, LINK_PASS_AB, True))
    oper = a.client().register("oper")
    alice = a.client().register("alice")
    bob = b.client().register("bob")
    wait_visible(oper, "bob")
    alice.send("PRIVMSG $$*.test :not for you")
    assert alice.expect("481").params[0] == "alice"
    oper.send("OPER admin sekrit")
    oper.expect("381")
    oper.send("NOTICE $$b.test :maintenance on b at noon")
    got = bob.expect("NOTICE")
    assert got.source.startswith("oper!") and got.params == ["$$b.test", "maintenance on b at noon"]
    oper.send("NOTICE $$*.test :everyone")
    assert bob.expect("NOTICE").params[-1] == "everyone"
    assert alice.expect("NOTICE").params[-1] == "everyone"
