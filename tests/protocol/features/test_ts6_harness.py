"""The TS6 harness (ts6.py) against the real ircd-hybrid 8.2.

Linking tests will trust Ts6Peer and Hybrid, so these prove them first on a
server that links for real: what a hybrid user sees of the peer's users, and
what arrives at the peer, in both directions of dialling. evircd is not used.
"""
import threading
import time

from ts6 import Channel, Server, User


def test_peer_dials_hybrid_users_meet_and_split(hybrid, ts6_peer):
    h = hybrid(name="hub.test", sid="1HY", connect={"name": "leaf.test", "port": 1})
    alice = h.client().register("alice")
    alice.join("#both")  # created on hybrid: its TS is the older, so ours loses status

    peer = ts6_peer("leaf.test", "9LF", dialect="hybrid")
    bob = peer.user("bob", user="bobu", host="bob.leaf.example", gecos="Bob on the leaf")
    carol = peer.user("carol")
    peer.connect(h.port).link(users=[bob, carol], channels=[
        Channel("#both", ts=int(time.time()) + 60, members={bob: "@"}),
        Channel("#leafonly", members={carol: "@"}, topic="carol's topic", topic_setter="carol!c@h"),
    ])

    # the handshake and hybrid's burst, as dialects.md gives them
    assert peer.remote["password"] == "linkpass"
    assert peer.remote["server"] == "hub.test" and peer.remote["sid"] == "1HY"
    assert {"EOB", "TBURST", "ENCAP", "HOP"} <= set(peer.remote["capab"])
    assert peer.remote["svinfo"][:3] == ["6", "6", "0"]
    alice_uid = peer.uid_of("alice")
    assert alice_uid.startswith("1HY") and len(alice_uid) == 9
    sjoin = next(l for l in peer.lines if l.command == "SJOIN" and l.params[1] == "#both")
    assert sjoin.source == "1HY" and sjoin.params[-1] == "@" + alice_uid

    # a hybrid user sees the peer's users: WHOIS, NAMES, the burst's topic
    alice.send("WHOIS bob")
    whois = {m.command: m for m in alice.collect_until("318")}
    assert whois["311"].params[1:4] == ["bob", "bobu", "bob.leaf.example"]
    assert whois["311"].params[-1] == "Bob on the leaf"
    assert whois["312"].params[2] == "leaf.test"
    alice.send("NAMES #both")
    names = alice.expect("353").params[-1].split()
    assert sorted(names) == ["@alice", "bob"]  # higher TS: bob's @ stripped
    alice.send("JOIN #leafonly")
    assert alice.expect("332").params[-1] == "carol's topic"
    names = alice.expect("353").params[-1].split()
    assert sorted(names) == ["@carol", "alice"]

    # messages both ways, addressed by UID on the link
    alice.send("PRIVMSG bob :hello bob")
    msg = peer.expect("PRIVMSG", source=alice_uid, params=[bob.uid])
    assert msg.params[-1] == "hello bob"
    peer.send(":%s PRIVMSG %s :hello alice" % (bob.uid, alice_uid))
    got = alice.expect("PRIVMSG")
    assert got.source == "bob!bobu@bob.leaf.example" and got.params == ["alice", "hello alice"]
    peer.send(":%s PRIVMSG #both :to the channel" % bob.uid)
    assert alice.expect("PRIVMSG").params == ["#both", "to the channel"]

    # the peer leaves: hybrid's users see the netsplit QUIT "<hub> <leaf>"
    peer.squit("harness done")
    quits = [alice.expect("QUIT"), alice.expect("QUIT")]
    assert {q.source for q in quits} == {"bob!bobu@bob.leaf.example", "carol!peeruser@peer.example"}
    assert all(q.params == ["hub.test leaf.test"] for q in quits)
    alice.send("WHOIS bob")
    assert alice.expect(("401", "311")).command == "401"
    assert "Remote SQUIT leaf.test from leaf.test (harness done)" in h.log()


def test_hybrid_dials_peer_and_its_death_is_seen(hybrid, ts6_peer):
    peer = ts6_peer("leaf.test", "9LF", dialect="hybrid", password="sendpw", accept_password="acceptpw")
    port = peer.listen()
    # autoconn is rendered as asked, but hybrid first tries it 15 s after
    # start: an operator's CONNECT brings the link up now
    h = hybrid(connect={"name": "leaf.test", "port": port, "autoconn": True,
                        "send_password": "acceptpw", "accept_password": "sendpw"})
    oper = h.connect_now("leaf.test")
    dave = peer.user("dave")
    peer.accept().link(users=[dave])
    # the accepting side is spoken to first: hybrid's intro came before ours
    assert [l.command for l in peer.lines[:3]] == ["PASS", "CAPAB", "SERVER"]
    assert peer.remote["password"] == "acceptpw"
    oper.send("LINKS")
    links = [m.params[1] for m in oper.collect_until("365") if m.command == "364"]
    assert sorted(links) == ["hybrid.test", "leaf.test"]
    oper.send("WHOIS dave")
    assert oper.expect("312").params[2] == "leaf.test"

    # hybrid goes away: the peer gets its ERROR, then the link closes
    h.stop()
    peer.wait_closed()
    assert any(l.command == "ERROR" and "Server Terminating" in l.params[-1] for l in peer.lines)


def test_charybdis_dialect_is_refused_by_hybrid(hybrid, ts6_peer):
    # dialects.md section 0: hybrid reads SERVER's 3 params as too few
    h = hybrid(connect={"name": "chary.test", "port": 1})
    peer = ts6_peer("chary.test", "8CH", dialect="charybdis")
    peer.connect(h.port)
    peer.intro()
    assert peer.sent[0] == "PASS linkpass TS 6 :8CH"
    assert peer.sent[2] == "SERVER chary.test 1 :evircd test peer"
    peer.svinfo()
    peer.send("PING :chary.test")
    err = peer.expect("461")
    assert err.source == "hybrid.test" and err.params[:2] == ["*", "SERVER"]
    # SVINFO and PING from a server hybrid did not register: one 451 each;
    # hybrid answers in order, so no SERVER of its own is coming
    peer.expect("451")
    assert peer.expect("451").params[-1] == "You have not registered"
    assert [l.command for l in peer.lines if l.command != "NOTICE"] == ["461", "451", "451"]
    assert not peer.remote
    c = h.client().register("watcher")
    c.send("LINKS")
    assert [m.params[1] for m in c.collect_until("365") if m.command == "364"] == ["hybrid.test"]


def test_charybdis_dialect_between_two_peers(ts6_peer):
    # No charybdis server here: the dialect's lines are checked against the
    # solanum/Atheme capture, and the two ends of the harness link each other.
    up = ts6_peer("up.test", "1EV", dialect="charybdis")
    down = ts6_peer("down.test", "0AT", dialect="charybdis")
    port = up.listen()
    erin = up.user("ath02016", user="~ath02016", host="127.0.0.1", ts=1796520201, gecos="atheme check")
    frank = down.user("frank")
    services = Server("svc.test", "0SV")
    nickserv = User("NickServ", sid="0SV", hops=2, uid="0SVAAAAAG")
    chan = Channel("#tb", ts=1796520000, members={erin: "@"}, topic="t", topic_setter="erin", topic_ts=1796520100)
    errors = []

    def serve():  # link() waits for the far side: the accepting end needs a thread
        try:
            up.accept().link(servers=[services], users=[erin, nickserv], channels=[chan])
        except Exception as e:
            errors.append(e)

    accepted = threading.Thread(target=serve)
    accepted.start()
    down.connect(port).link(users=[frank])
    accepted.join(5)
    assert not accepted.is_alive() and not errors, errors
    assert down.sent[:3] == ["PASS linkpass TS 6 :0AT", "CAPAB :QS EX IE ENCAP TB EUID SERVICES",
                             "SERVER down.test 1 :evircd test peer"]
    assert down.sent[3].startswith("SVINFO 6 6 0 :")
    assert up.remote["password"] == "linkpass" and up.remote["sid"] == "0AT"
    assert up.remote["server"] == "down.test" and "EUID" in up.remote["capab"]
    # solanum's EUID, as captured, but for the uid the harness made
    captured = ":1EV EUID ath02016 1 1796520201 +i ~ath02016 127.0.0.1 127.0.0.1 1EVAAAAAB * * :atheme check"
    euid = next(l for l in down.lines if l.command == "EUID")
    assert euid.raw == captured.replace("1EVAAAAAB", erin.uid)
    assert down.uid_of("ath02016") == erin.uid and up.uid_of("frank") == frank.uid
    assert [l.raw for l in down.lines if l.command in ("SJOIN", "TB")] == [
        ":1EV SJOIN 1796520000 #tb +nt :@%s" % erin.uid, ":1EV TB #tb 1796520100 erin :t"]
    assert not any(l.command == "EOB" for l in down.lines + up.lines)  # burst end is the PONG
    assert down.servers == {"1EV": "up.test", "0SV": "svc.test"}

    # a split behind the far side takes its users from the tracker
    up.send(":1EV SQUIT 0SV :svc.test gone")
    down.expect("SQUIT")
    assert down.servers == {"1EV": "up.test"} and "0SVAAAAAG" not in down.users
    up.close()
    down.wait_closed()
