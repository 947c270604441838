"""Remote STATS and LUSERS (`STATS u <server>`, `LUSERS * <server>`) routed
like the other queries naming a server (":<UID> STATS u :<SID>"), both ways,
with the scripted peer and with ircd-hybrid; STATS ? (the server links and
their counters, as hybrid shows them) and the per-link counters in /metrics.
"""
import os
import subprocess
import time
import urllib.request

import pytest

from ts6 import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([os.path.join(ROOT, "tools", "mkpasswd"), "sekrit"]) \
        .decode().strip()


@pytest.fixture
def ev(make_server, oper_hash):
    port, mport = free_port(), free_port()
    srv = make_server({
        "server": {"name": "irc.test", "sid": "1EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(port), "type": "servers"},
        "link peer.test": {"host": "127.0.0.1", "port": "1", "send_password": "linkpass",
                           "accept_password": "linkpass", "autoconnect": "no"},
        "oper admin": {"password": oper_hash, "mask": "*@127.0.0.1", "privileges": "all"},
        "metrics": {"enabled": "yes", "host": "127.0.0.1", "port": str(mport)},
    })
    srv.link_port, srv.metrics_port = port, mport
    return srv


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values, text


def test_stats_and_lusers_naming_the_peer_go_there(ev, ts6_peer):
    alice = ev.client().register("alice")
    peer = ts6_peer("peer.test", "9PE")
    peer.connect(ev.link_port).link()
    uid = peer.uid_of("alice")
    alice.send("STATS u peer.test")
    assert peer.expect("STATS", source=uid).params == ["u", "9PE"]
    peer.send(":9PE 242 %s :Server Up 0 days, 0:00:42" % uid)
    peer.send(":9PE 219 %s u :End of /STATS report" % uid)
    up = alice.expect("242")
    assert up.source == "peer.test" and up.params == ["alice", "Server Up 0 days, 0:00:42"]
    assert alice.expect("219").params[1] == "u"
    alice.send("LUSERS * peer.test")
    assert peer.expect("LUSERS", source=uid).params == ["*", "9PE"]
    # our own name, or no server: answered here; an unknown one: 402
    alice.send("STATS u irc.test")
    assert alice.expect("242").source == "irc.test"
    alice.send("LUSERS * irc.test")
    assert alice.expect("251").source == "irc.test"
    alice.send("STATS u nowhere.test")
    assert alice.expect("402").params[1] == "nowhere.test"
    alice.send("LUSERS * nowhere.test")
    assert alice.expect("402").params[1] == "nowhere.test"


def test_stats_and_lusers_from_a_peer_user_are_answered_to_it(ev, ts6_peer):
    peer = ts6_peer("peer.test", "9PE")
    bob = peer.user("bob")
    peer.connect(ev.link_port).link(users=[bob])
    peer.send(":%s STATS u :1EV" % bob.uid)
    assert peer.expect("242", source="1EV").params[0] == bob.uid
    assert peer.expect("219", source="1EV").params[:2] == [bob.uid, "u"]
    peer.send(":%s LUSERS * :1EV" % bob.uid)
    assert peer.expect("251", source="1EV").params[0] == bob.uid
    assert peer.expect("266", source="1EV").params[0] == bob.uid
    # operators' letters: 481 to a user who is not one; a remote STATS l shows no connection
    peer.send(":%s STATS k :1EV" % bob.uid)
    assert peer.expect("481", source="1EV").params[0] == bob.uid
    assert peer.expect("219", source="1EV").params[:2] == [bob.uid, "k"]
    peer.send(":%s STATS l :1EV" % bob.uid)
    assert peer.expect("219", source="1EV").params[:2] == [bob.uid, "l"]
    assert ev.running()


def test_stats_question_mark_and_per_link_metrics(ev, ts6_peer):
    alice = ev.client().register("alice")
    op = ev.client().register("op")
    op.send("OPER admin sekrit")
    op.expect("381")
    peer = ts6_peer("peer.test", "9PE")
    peer.connect(ev.link_port).link()
    peer.send(":9PE PING 9PE :1EV")
    peer.sync()
    op.send("STATS ?")
    lines = op.collect_until("219")
    links = [m for m in lines if m.command == "211"]
    assert len(links) == 1 and links[0].params[1] == "peer.test[127.0.0.1]"
    sendq, msgs_out, kb_out, msgs_in = (int(x) for x in links[0].params[2:6])
    assert msgs_out > 0 and msgs_in > 0
    totals = [m.params[1:] for m in lines if m.command == "249"]
    assert totals[0] == ["?", "1 total server(s)"]
    totals = [t[-1] for t in totals]
    assert any("Sent total" in t for t in totals) and any("Recv total" in t for t in totals)
    alice.send("STATS ?")
    assert [m.params[1] for m in alice.collect_until("219") if m.command == "211"] == ["peer.test[*]"]

    values, text = scrape(ev.metrics_port)
    label = '{link="peer.test"}'
    for name in ("evircd_link_sent_bytes_total", "evircd_link_received_bytes_total",
                 "evircd_link_sent_lines_total", "evircd_link_received_lines_total"):
        assert values[name + label] > 0, name
        assert "# TYPE %s counter" % name in text
    assert "evircd_link_sendq_bytes" + label in values
    # the counters count what went: one more line each way moves both line counters
    before = values
    peer.sync()
    deadline = time.monotonic() + 10
    while True:
        values, _ = scrape(ev.metrics_port)
        if (values["evircd_link_received_lines_total" + label] >
                before["evircd_link_received_lines_total" + label] and
                values["evircd_link_sent_lines_total" + label] >
                before["evircd_link_sent_lines_total" + label]):
            break
        assert time.monotonic() < deadline, values
        time.sleep(0.05)
    peer.squit()
    deadline = time.monotonic() + 10
    while "evircd_link_sent_bytes_total" + label in scrape(ev.metrics_port)[0]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_remote_stats_and_lusers_with_ircd_hybrid(hybrid, make_server):
    ev_port = free_port()
    h = hybrid(name="hub.test", sid="1HY",
               connect={"name": "ev.test", "port": ev_port,
                        "send_password": "hub-to-ev", "accept_password": "ev-to-hub"})
    ev = make_server({
        "server": {"name": "ev.test", "sid": "2EV"},
        "listen servers": {"host": "127.0.0.1", "port": str(ev_port), "type": "servers"},
        "link hub.test": {"host": "127.0.0.1", "port": str(h.port), "dialect": "hybrid",
                          "send_password": "ev-to-hub", "accept_password": "hub-to-ev",
                          "autoconnect": "yes"},
    })
    deadline = time.monotonic() + 15
    while "hub.test synchronised" not in ev.stderr_text():
        assert time.monotonic() < deadline, ev.stderr_text() + h.log()
        time.sleep(0.05)
    alice = ev.client().register("alice")
    alice.send("STATS u hub.test")
    up = alice.expect("242")
    assert up.source == "hub.test" and up.params[-1].startswith("Server Up")
    assert alice.expect("219").source == "hub.test"
    alice.send("LUSERS * hub.test")
    me = alice.expect("255")
    assert me.source == "hub.test"
    hy = h.client().register("hy")
    hy.send("STATS u ev.test")
    up = hy.expect("242")
    assert up.source == "ev.test" and up.params[-1].startswith("Server Up")
    hy.send("LUSERS * ev.test")
    assert hy.expect("255").source == "ev.test"
