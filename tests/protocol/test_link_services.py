"""Services over TS6: a Ts6Peer plays the services server (services.test).

evircd (ev.test, 2EV) trusts services.test in [services] servers. In the
hybrid dialect services send SVSACCOUNT, SVSMODE, SVSNICK, SVSJOIN,
SVSPART, SVSHOST and SVSKILL; in the charybdis dialect ENCAP SU, RSFNC,
CHGHOST and SVSLOGIN. Account changes reach local users (account-notify,
WHOIS 330) and the other links in their dialect; ENCAP is routed by its
server mask. A server not in [services] servers is ignored and logged.
"""
import socket
import time

import pytest

from ts6 import Ts6Peer, free_port

PASS = "svcpass"




def ev_sections(port, links, services="services.test"):
    sections = {
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "services": {"servers": services, "accounts": "services"},
    }
    for name, block in links.items():
        sections["link %s" % name] = dict({"host": "127.0.0.1", "send_password": PASS,
                                           "accept_password": PASS, "port": "1"}, **block)
    return sections


def link_services(make_server, ts6_peer, dialect, name="services.test", sid="9SV",
                  services="services.test"):
    """(evircd, peer): the peer, as name, dials evircd and both bursts finish."""
    port = free_port()
    ev = make_server(ev_sections(port, {name: {"dialect": dialect}}, services))
    peer = ts6_peer(name, sid, password=PASS, dialect=dialect)
    nickserv = peer.user("NickServ", user="services", host="services.test", umodes="+io")
    peer.connect(port).link(users=[nickserv])
    return ev, peer, nickserv


def uid_line(peer, nick):
    """The UID/EUID evircd sent for nick: (uid, nick TS)."""
    uid = wait_for(lambda: _try_uid(peer, nick), "%s introduced to the peer" % nick)
    for l in peer.lines:
        if l.command in ("UID", "EUID") and l.params[0] == nick:
            return uid, int(l.params[2])
    raise AssertionError("no UID line for %s" % nick)


def _try_uid(peer, nick):
    try:
        return peer.uid_of(nick)
    except AssertionError:
        return None


def wait_for(check, what, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out waiting for %s" % what)


def whois(observer, nick):
    observer.send("WHOIS %s" % nick)
    return {m.command: m for m in observer.collect_until("318")}


def two_in_a_channel(ev, channel="#svc"):
    """alice, and bob (account-notify, chghost) watching her in channel."""
    bob = ev.client()
    bob.send("CAP REQ :account-notify chghost")
    bob.expect("CAP")
    bob.send("CAP END")
    bob.register("bob")
    alice = ev.client().register("alice")
    alice.send("JOIN %s" % channel)
    alice.expect("366")
    bob.send("JOIN %s" % channel)
    bob.expect("366")
    return alice, bob


@pytest.mark.parametrize("dialect", ["hybrid", "charybdis"])
def test_services_log_a_user_in_and_out(make_server, ts6_peer, dialect):
    ev, peer, nickserv = link_services(make_server, ts6_peer, dialect)
    alice, bob = two_in_a_channel(ev)
    uid, ts = uid_line(peer, "alice")
    if dialect == "hybrid":
        peer.send(":9SV SVSACCOUNT %s %d alice" % (uid, ts))
        peer.send(":%s SVSMODE %s %d +r" % (nickserv.uid, uid, ts))
    else:
        peer.send(":9SV ENCAP * SU %s :alice" % uid)
    acct = bob.expect("ACCOUNT")
    assert acct.nick == "alice" and acct.params == ["alice"]
    seen = whois(bob, "alice")
    assert seen["330"].params[1:3] == ["alice", "alice"]
    if dialect == "hybrid":
        assert alice.expect("MODE").params == ["alice", "+r"]
        # a TS that is not the nick's: the command is not for this user
        peer.send(":9SV SVSACCOUNT %s %d mallory" % (uid, ts + 1))
        peer.send(":9SV SVSACCOUNT %s %d *" % (uid, ts))
    else:
        peer.send(":9SV ENCAP * SU %s" % uid)
    assert bob.expect("ACCOUNT").params == ["*"]
    assert "330" not in whois(bob, "alice")
    peer.sync()
    assert not [l for l in peer.lines if "mallory" in l.raw]


def test_hybrid_forced_nick_join_part_host_kill(make_server, ts6_peer):
    ev, peer, nickserv = link_services(make_server, ts6_peer, "hybrid")
    alice, bob = two_in_a_channel(ev)
    uid, ts = uid_line(peer, "alice")
    peer.send(":9SV SVSNICK %s %d Guest123 %d" % (uid, ts, ts + 5))
    assert bob.expect("NICK").params == ["Guest123"]
    peer.expect("NICK", source=uid, params=["Guest123"])
    ts += 5
    peer.send(":9SV SVSHOST %s %d vhost.example" % (uid, ts))
    chg = bob.expect("CHGHOST")
    assert chg.nick == "Guest123" and chg.params[1] == "vhost.example"
    peer.send(":9SV SVSJOIN %s #forced" % uid)
    alice.expect(lambda m: m.command == "JOIN" and m.params[0] == "#forced")
    alice.expect("366")
    peer.expect("SJOIN", params=[None, "#forced"])
    peer.send(":9SV SVSPART %s #forced :services say so" % uid)
    part = alice.expect("PART")
    assert part.params == ["#forced", "services say so"]
    peer.send(":9SV SVSKILL %s %d :Services kill" % (uid, ts))
    quit = bob.expect("QUIT")
    assert quit.nick == "Guest123" and "Services kill" in quit.params[0]
    peer.expect("QUIT", source=uid)


def test_charybdis_rsfnc_chghost_svslogin(make_server, ts6_peer):
    ev, peer, nickserv = link_services(make_server, ts6_peer, "charybdis")
    alice, bob = two_in_a_channel(ev)
    uid, ts = uid_line(peer, "alice")
    peer.send(":9SV ENCAP ev.test RSFNC %s Renamed %d %d" % (uid, ts + 1, ts))
    assert bob.expect("NICK").params == ["Renamed"]
    peer.send(":9SV ENCAP * CHGHOST %s cloak.example" % uid)
    assert bob.expect("CHGHOST").params[1] == "cloak.example"
    peer.send(":9SV ENCAP ev.test SVSLOGIN %s * * * acct1" % uid)
    assert alice.expect("900").params[2] == "acct1"
    assert bob.expect("ACCOUNT").params == ["acct1"]


def test_services_commands_from_others_are_ignored_and_logged(make_server, ts6_peer):
    ev, peer, nickserv = link_services(make_server, ts6_peer, "hybrid", name="rogue.test",
                                       sid="8RG", services="services.test")
    alice, bob = two_in_a_channel(ev)
    uid, ts = uid_line(peer, "alice")
    peer.send(":8RG SVSACCOUNT %s %d stolen" % (uid, ts))
    peer.send(":8RG SVSNICK %s %d Stolen %d" % (uid, ts, ts))
    peer.send(":8RG ENCAP * SU %s :stolen" % uid)
    peer.send(":8RG SVSKILL %s %d :gone" % (uid, ts))
    peer.sync()
    bob.send("PING :x")
    bob.expect("PONG")
    assert "330" not in whois(bob, "alice")
    assert "311" in whois(bob, "alice")
    assert not [m for m in bob.seen if " ACCOUNT " in m or " NICK " in m]
    wait_for(lambda: "not a [services] server" in ev.stderr_text(), "the log line")


@pytest.mark.parametrize("dialect", ["hybrid", "charybdis"])
def test_malformed_services_lines_are_dropped(make_server, ts6_peer, dialect):
    """From a trusted server: short, unknown, out-of-range; evircd stays up."""
    ev, peer, nickserv = link_services(make_server, ts6_peer, dialect)
    alice, bob = two_in_a_channel(ev)
    uid, ts = uid_line(peer, "alice")
    bob_uid = peer.uid_of("bob")
    lines = [
        "SVSACCOUNT", "SVSACCOUNT %s" % uid, "SVSACCOUNT %s x y" % uid,
        "SVSACCOUNT 2EVZZZZZZ %d acct" % ts, "SVSACCOUNT %s %d :" % (uid, ts),
        "SVSMODE x", "SVSMODE %s %d" % (uid, ts), "SVSMODE %s %d +zq-+r+o" % (uid, ts),
        "SVSNICK %s" % uid, "SVSNICK %s %d" % (uid, ts), "SVSNICK %s %d bad!nick %d" % (uid, ts, ts),
        "SVSNICK %s %d bob %d" % (uid, ts, ts), "SVSNICK %s %d %s %d" % (uid, ts, "n" * 300, ts),
        "SVSNICK %s %d :" % (uid, ts), "SVSNICK %s %d NickServ x" % (nickserv.uid, nickserv.ts),
        "SVSJOIN %s" % uid, "SVSJOIN %s 0" % uid, "SVSJOIN %s :" % uid, "SVSJOIN %s notachannel" % uid,
        "SVSJOIN %s #%s" % (uid, "c" * 400), "SVSJOIN %s %d" % (uid, ts), "SVSJOIN %s ,,,#," % uid,
        "SVSPART %s" % uid, "SVSPART %s #nochan" % uid, "SVSPART %s ,,," % uid,
        "SVSHOST %s %d :" % (uid, ts), "SVSHOST %s %d bad host" % (uid, ts),
        "SVSHOST %s %d %s" % (uid, ts, "h" * 300), "SVSHOST %s %d :lead" % (uid, ts),
        "SVSKILL", "SVSKILL 2EVZZZZZZ", "SVSKILL %s 1" % nickserv.uid, "SVSKILL %s %d :wrong TS" % (bob_uid, ts - 99),
        "ENCAP", "ENCAP *", "ENCAP * SU", "ENCAP * SU 2EVZZZZZZ acct", "ENCAP * LOGIN",
        "ENCAP * RSFNC %s" % uid, "ENCAP * RSFNC %s a b c" % uid, "ENCAP ev.test RSFNC %s bob 1 %d" % (uid, ts),
        "ENCAP * CHGHOST %s" % uid, "ENCAP * CHGHOST %s :" % uid,
        "ENCAP * SVSLOGIN %s" % uid, "ENCAP * SVSLOGIN 2EVZZZZZZ * * * a",
        "ENCAP * SASL", "ENCAP * SASL a b", "ENCAP * SASL x 2EVZZZZZZ C", "ENCAP * SASL x %s D S" % uid,
        "ENCAP * MECHLIST", "ENCAP * MECHLIST :bad mech list", "ENCAP %s FOO" % ("*" * 400),
        "ENCAP ev.test UNKNOWNCMD a b c", "SVSLOGIN", "SVSLOGIN %s * * * *" % uid,
    ]
    for line in lines:
        peer.send(":9SV " + line)
        peer.send(":%s %s" % (nickserv.uid, line))
    peer.sync()
    seen = whois(bob, "alice")
    assert "311" in seen and "330" not in seen
    alice.send("PING :still")
    assert alice.expect("PONG").params[-1] == "still"


def test_encap_routing_and_dialects_across_links(make_server, ts6_peer):
    """services.test (charybdis, dials in) and hub.test (hybrid, evircd dials)."""
    port = free_port()
    hub = Ts6Peer("hub.test", "1HB", password=PASS, dialect="hybrid")
    hub_port = hub.listen()
    ev = make_server(ev_sections(port, {
        "services.test": {"dialect": "charybdis"},
        "hub.test": {"dialect": "hybrid", "port": str(hub_port), "autoconnect": "yes"},
    }))
    try:
        hub.accept(timeout=10).link()
        svc = ts6_peer("services.test", "9SV", password=PASS, dialect="charybdis")
        svc.connect(port).link()
        hubuser = hub.user("carol")
        hub.introduce(hubuser)
        svc.expect("EUID", params=["carol"])
        alice = ev.client().register("alice")
        a_uid, a_ts = uid_line(hub, "alice")
        # ENCAP * SU: applied here, to the hybrid hub as SVSACCOUNT
        svc.send(":9SV ENCAP * SU %s :alice" % a_uid)
        hub.expect("SVSACCOUNT", source="9SV", params=[a_uid, str(a_ts), "alice"])
        svc.send(":9SV ENCAP * SU %s :carol" % hubuser.uid)
        hub.expect("SVSACCOUNT", params=[hubuser.uid, str(hubuser.ts), "carol"])
        assert whois(alice, "carol")["330"].params[2] == "carol"
        # an ENCAP for the hub alone goes there as it came, not back
        svc.send(":9SV ENCAP hub.test SOMETHING a :b c")
        hub.expect("ENCAP", source="9SV", params=["hub.test", "SOMETHING", "a", "b c"])
        svc.send(":9SV ENCAP *.test OTHER x")
        hub.expect("ENCAP", params=["*.test", "OTHER", "x"])
        # hybrid SVSNICK for the hub's user from services is routed to the hub
        svc.send(":9SV ENCAP hub.test RSFNC %s Carla %d %d" % (hubuser.uid, hubuser.ts + 1, hubuser.ts))
        hub.expect("ENCAP", params=["hub.test", "RSFNC", hubuser.uid, "Carla"])
        svc.sync()
        assert not [l for l in svc.lines if l.command == "ENCAP"]
    finally:
        hub.close()


# --------------------------------------------------------------------------
# SASL relayed to services ([services] accounts = services), as section 10
# of dialects.md shows it between solanum and Atheme.


def sasl_client(ev, nick="sasluser"):
    c = ev.client()
    c.send("CAP REQ :sasl")
    c.expect("CAP")
    c.send("NICK %s" % nick)
    c.send("USER s 0 * :SASL user")
    c.send("AUTHENTICATE PLAIN")
    return c


def test_sasl_is_relayed_to_the_services_agent(make_server, ts6_peer):
    import base64
    port = free_port()
    ev = make_server(ev_sections(port, {"services.test": {"dialect": "charybdis"}}))
    peer = ts6_peer("services.test", "9SV", password=PASS, dialect="charybdis")
    saslserv = peer.user("SaslServ", user="SaslServ", host="services.int", umodes="+ioS")
    peer.connect(port).link(users=[saslserv])
    peer.send(":9SV ENCAP * MECHLIST :PLAIN,EXTERNAL")
    peer.sync()
    ls = ev.client()
    ls.send("CAP LS 302")
    assert "sasl=PLAIN,EXTERNAL" in ls.expect(lambda m: m.command == "CAP" and "sasl" in m.line).line
    c = sasl_client(ev)
    h = peer.expect("ENCAP", source="2EV", params=["services.test", "SASL"])
    uid = h.params[2]
    assert uid.startswith("2EV") and h.params[3:] == [saslserv.uid, "H", "127.0.0.1", "127.0.0.1", "P"]
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "S", "PLAIN"])
    peer.send(":9SV ENCAP ev.test SASL %s %s C +" % (saslserv.uid, uid))
    assert c.expect("AUTHENTICATE").params == ["+"]
    blob = base64.b64encode(b"acct9\0acct9\0pw").decode()
    c.send("AUTHENTICATE %s" % blob)
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "C", blob])
    peer.send(":9SV ENCAP ev.test SVSLOGIN %s * * * acct9" % uid)
    peer.send(":9SV ENCAP ev.test SASL %s %s D S" % (saslserv.uid, uid))
    assert c.expect("900").params[2] == "acct9"
    c.expect("903")
    c.send("CAP END")
    c.expect("001")
    peer.expect("EUID", params=["sasluser"])
    assert peer.lines[peer.cursor - 1].params[9] == "acct9"  # the account rides in EUID


def test_sasl_failure_abort_and_no_agent(make_server, ts6_peer):
    port = free_port()
    ev = make_server(ev_sections(port, {"services.test": {"dialect": "charybdis"}}))
    # no services linked yet: no agent to ask, and CAP LS does not offer sasl
    ls = ev.client()
    ls.send("CAP LS 302")
    offered = []
    while not offered or offered[-1].params[2] == "*":
        offered.append(ls.expect("CAP"))
    items = " ".join(m.params[-1] for m in offered).split()
    assert "server-time" in items and not [i for i in items if i.startswith("sasl")]
    c = sasl_client(ev, "early")
    assert "unavailable" in c.expect("904").params[-1]
    peer = ts6_peer("services.test", "9SV", password=PASS, dialect="charybdis")
    saslserv = peer.user("SaslServ", user="SaslServ", host="services.int", umodes="+ioS")
    peer.connect(port).link(users=[saslserv])
    c = sasl_client(ev)
    uid = peer.expect("ENCAP", params=["services.test", "SASL"]).params[2]
    peer.send(":9SV ENCAP ev.test SASL %s %s D F" % (saslserv.uid, uid))
    c.expect("904")
    c.send("AUTHENTICATE PLAIN")
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "S", "PLAIN"])
    peer.send(":9SV ENCAP ev.test SASL %s %s C +" % (saslserv.uid, uid))
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE *")
    c.expect("906")
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "D", "A"])
    # a reply for a client that is not in SASL is ignored
    peer.send(":9SV ENCAP ev.test SASL %s %s C +" % (saslserv.uid, uid))
    peer.send(":9SV ENCAP ev.test SASL %s 2EVZZZZZZ D S" % saslserv.uid)
    peer.sync()
    c.send("CAP END")
    c.expect("001")


def sasl_relay_link(make_server, ts6_peer, timeout=None):
    """(evircd, peer, SaslServ) with services.test linked in the charybdis dialect."""
    port = free_port()
    sections = ev_sections(port, {"services.test": {"dialect": "charybdis"}})
    if timeout is not None:
        sections["services"]["sasl_timeout"] = str(timeout)
    ev = make_server(sections)
    peer = ts6_peer("services.test", "9SV", password=PASS, dialect="charybdis")
    saslserv = peer.user("SaslServ", user="SaslServ", host="services.int", umodes="+ioS")
    peer.connect(port).link(users=[saslserv])
    return ev, peer, saslserv


def pipelined_sasl(ev, nick, *after):
    """A client that sends its whole login in one write, not waiting for answers."""
    import base64
    c = ev.client()
    blob = base64.b64encode(b"acct9\0acct9\0pw").decode()
    lines = ["CAP REQ :sasl labeled-response batch", "NICK %s" % nick, "USER s 0 * :r",
             "@label=s1 AUTHENTICATE PLAIN", "@label=s2 AUTHENTICATE %s" % blob] + list(after)
    c.send_raw("".join(l + "\r\n" for l in lines))
    return c, blob


def test_relayed_sasl_holds_the_clients_later_lines(make_server, ts6_peer):
    # Each relayed step waits for the agent's answer before the client's
    # next line runs: the login is done before CAP END registers the client.
    ev, peer, saslserv = sasl_relay_link(make_server, ts6_peer)
    c, blob = pipelined_sasl(ev, "piped", "CAP END", "JOIN #after")
    s = peer.expect("ENCAP", params=["services.test", "SASL"], source="2EV")
    uid = s.params[2]
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "S", "PLAIN"])
    peer.sync()
    # the client's next AUTHENTICATE waits for the challenge
    assert not [l for l in peer.lines if l.params[-2:] == ["C", blob]]
    time.sleep(0.2)  # services take their time
    peer.send(":9SV ENCAP ev.test SASL %s %s C +" % (saslserv.uid, uid))
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "C", blob])
    time.sleep(0.2)
    peer.send(":9SV ENCAP ev.test SVSLOGIN %s * * * acct9" % uid)
    peer.send(":9SV ENCAP ev.test SASL %s %s D S" % (saslserv.uid, uid))
    got = c.collect_until("JOIN")
    order = [m.command for m in got if m.command in ("AUTHENTICATE", "900", "903", "904", "001", "JOIN")]
    assert order == ["AUTHENTICATE", "900", "903", "001", "JOIN"]
    # each answer carries the label of the step it answers
    assert [m for m in got if m.command == "AUTHENTICATE"][0].tags.get("label") == "s1"
    assert [m for m in got if m.command == "903"][0].tags.get("label") == "s2"
    euid = peer.expect("EUID", params=["piped"])
    assert euid.params[9] == "acct9"  # introduced logged in


def test_relayed_sasl_gives_up_on_silent_services(make_server, ts6_peer):
    ev, peer, saslserv = sasl_relay_link(make_server, ts6_peer, timeout=1)
    c, blob = pipelined_sasl(ev, "patient", "CAP END")
    uid = peer.expect("ENCAP", params=["services.test", "SASL"]).params[2]
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "S", "PLAIN"])
    # no answer: after sasl_timeout the client hears so, and its lines run
    got = c.collect_until("001")
    failed = [m for m in got if m.command == "904"]
    assert "services did not answer" in failed[0].params[-1]
    assert failed[0].tags.get("label") == "s1"
    assert "903" not in [m.command for m in got]
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "D", "A"])
    # the agent's late answer finds no session
    peer.send(":9SV ENCAP ev.test SASL %s %s C +" % (saslserv.uid, uid))
    c.send("WHOIS patient")
    assert "330" not in [m.command for m in c.collect_until("318")]


def test_relayed_sasl_ends_when_services_leave(make_server, ts6_peer):
    ev, peer, saslserv = sasl_relay_link(make_server, ts6_peer, timeout=300)
    c, blob = pipelined_sasl(ev, "stranded", "CAP END", "JOIN #after")
    uid = peer.expect("ENCAP", params=["services.test", "SASL"]).params[2]
    peer.expect("ENCAP", params=["services.test", "SASL", uid, saslserv.uid, "S", "PLAIN"])
    peer.close()  # the link goes in the middle of the exchange
    got = c.collect_until("JOIN")
    failed = [m for m in got if m.command == "904"]
    assert "services are unavailable" in failed[0].params[-1]
    order = [m.command for m in got if m.command in ("903", "904", "001", "JOIN")]
    assert order[0] == "904" and order[-2:] == ["001", "JOIN"] and "903" not in order


def test_embedded_register_steps_aside_for_services(make_server):
    ev = make_server(ev_sections(free_port(), {"services.test": {"dialect": "charybdis"}}))
    c = ev.client().register("newbie")
    c.send("REGISTER newbie * longpassword1")
    fail = c.expect("FAIL")
    assert fail.params[:3] == ["REGISTER", "TEMPORARILY_UNAVAILABLE", "newbie"]
    assert "NickServ" in fail.params[-1]


def test_hybrid_services_reach_a_charybdis_link(make_server, ts6_peer):
    """services.test (hybrid, dials in) and hub.test (charybdis, evircd dials)."""
    port = free_port()
    hub = Ts6Peer("hub.test", "1HB", password=PASS, dialect="charybdis")
    hub_port = hub.listen()
    ev = make_server(ev_sections(port, {
        "services.test": {"dialect": "hybrid"},
        "hub.test": {"dialect": "charybdis", "port": str(hub_port), "autoconnect": "yes"},
    }))
    try:
        hub.accept(timeout=10).link()
        svc = ts6_peer("services.test", "9SV", password=PASS, dialect="hybrid")
        svc.connect(port).link()
        carol = hub.introduce(hub.user("carol"))
        svc.expect("UID", params=["carol"])
        # global state: applied here, passed on as the charybdis link speaks
        svc.send(":9SV SVSACCOUNT %s %d carol" % (carol.uid, carol.ts))
        hub.expect("ENCAP", source="9SV", params=["*", "SU", carol.uid, "carol"])
        svc.send(":9SV SVSHOST %s %d vhost.example" % (carol.uid, carol.ts))
        hub.expect("ENCAP", source="9SV", params=["*", "CHGHOST", carol.uid, "vhost.example"])
        # one user's business: routed to its server, in ENCAP
        svc.send(":9SV SVSNICK %s %d Caro %d" % (carol.uid, carol.ts, carol.ts + 1))
        hub.expect("ENCAP", params=["hub.test", "SVSNICK", carol.uid, str(carol.ts), "Caro"])
        svc.send(":9SV SVSJOIN %s #help" % carol.uid)
        hub.expect("ENCAP", params=["hub.test", "SVSJOIN", carol.uid, "#help"])
        # and nothing comes back to the services link
        svc.sync()
        assert not [l for l in svc.lines if l.command in ("SVSACCOUNT", "SVSHOST", "ENCAP")]
    finally:
        hub.close()


@pytest.mark.parametrize("dialect", ["hybrid", "charybdis"])
def test_mlock_holds_modes_against_local_ops(make_server, ts6_peer, dialect):
    ev, peer, nickserv = link_services(make_server, ts6_peer, dialect)
    alice, bob = two_in_a_channel(ev, "#locked")
    sjoin = peer.expect("SJOIN", params=[None, "#locked"])
    ts = int(sjoin.params[0])
    if dialect == "hybrid":
        peer.send(":9SV MLOCK %d #locked %d :nt" % (ts, ts))
    else:
        peer.send(":9SV MLOCK %d #locked :nt" % ts)
    peer.sync()
    alice.send("MODE #locked -t")
    assert alice.expect("742").params[1:4] == ["#locked", "t", "nt"]
    alice.send("MODE #locked +m")
    assert alice.expect("MODE").params == ["#locked", "+m"]
    # a newer channel's MLOCK is not for this one; an empty one unlocks
    peer.send(":9SV MLOCK %d #locked %s:" % (ts + 10, "%d " % ts if dialect == "hybrid" else ""))
    alice.send("MODE #locked -n")
    alice.expect("742")
    peer.send(":9SV MLOCK %d #locked %s:" % (ts, "%d " % ts if dialect == "hybrid" else ""))
    peer.sync()
    alice.send("MODE #locked -t")
    assert alice.expect("MODE").params == ["#locked", "-t"]


def test_mlock_from_others_is_ignored(make_server, ts6_peer):
    ev, peer, _ = link_services(make_server, ts6_peer, "hybrid", name="rogue.test", sid="8RG")
    alice, bob = two_in_a_channel(ev, "#open")
    ts = int(peer.expect("SJOIN", params=[None, "#open"]).params[0])
    peer.send(":8RG MLOCK %d #open %d :nt" % (ts, ts))
    peer.sync()
    alice.send("MODE #open -t")
    assert alice.expect("MODE").params == ["#open", "-t"]


def test_identified_users_keep_plus_r_across_the_burst(make_server, ts6_peer):
    """+r and the account ride in UID both ways (hybrid dialect)."""
    port = free_port()
    ev = make_server(ev_sections(port, {"services.test": {"dialect": "hybrid"},
                                        "second.test": {"dialect": "hybrid"}}))
    peer = ts6_peer("services.test", "9SV", password=PASS, dialect="hybrid")
    dave = peer.user("dave", umodes="+ir", account="dave")
    peer.connect(port).link(users=[dave])
    watcher = ev.client().register("watcher")
    seen = whois(watcher, "dave")
    assert seen["330"].params[2] == "dave" and "307" in seen
    alice = ev.client().register("alice")
    uid, ts = uid_line(peer, "alice")
    peer.send(":9SV SVSACCOUNT %s %d alice" % (uid, ts))
    peer.send(":9SV SVSMODE %s %d +r" % (uid, ts))
    alice.expect("MODE")
    # a second hybrid server gets both with +r and their accounts in its burst
    second = ts6_peer("second.test", "7SE", password=PASS, dialect="hybrid")
    second.connect(port).link()
    for nick, account in (("alice", "alice"), ("dave", "dave")):
        line = [l for l in second.lines if l.command == "UID" and l.params[0] == nick][0]
        assert "r" in line.params[3] and line.params[9] == account, line
