"""/metrics counters, flood control, per-IP limits, registration timeout."""
import time
import urllib.error
import urllib.request

from ircclient import Client, free_port


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        assert r.status == 200
        text = r.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def test_metrics_follow_what_clients_do(make_server):
    mport = free_port()
    srv = make_server("\n[metrics]\nenabled = yes\nhost = 127.0.0.1\nport = %d\n" % mport)
    before = scrape(mport)
    a = srv.client().register("metA")
    b = srv.client().register("metB")
    for x in (a, b):
        x.send("JOIN #met")
        x.expect("366")
    for i in range(5):
        a.send("PRIVMSG #met :hello %d" % i)
    for i in range(5):
        b.expect("PRIVMSG")
    after = scrape(mport)
    # The start-up probe's connection may still be closing: count users.
    assert after["evircd_connections"] >= 2
    assert after["evircd_clients"] == before["evircd_clients"] + 2 == 2
    assert after["evircd_connections_total"] >= before["evircd_connections_total"] + 2
    assert after["evircd_channels"] == 1
    assert after["evircd_joins_total"] - before["evircd_joins_total"] == 2
    assert after["evircd_messages_received_total"] - before["evircd_messages_received_total"] >= 11
    assert after['evircd_channel_members_bucket{le="2"}'] == 1
    assert after["evircd_process_resident_memory_bytes"] > 0
    # The loop's longest turns: present, and bounded by common sense.
    assert 0 < after["evircd_loop_stall_max_seconds"] < 60
    assert 0 <= after["evircd_loop_stall_seconds"] <= after["evircd_loop_stall_max_seconds"]
    a.send("PART #met")
    a.expect("PART")
    assert scrape(mport)["evircd_parts_total"] == after["evircd_parts_total"] + 1
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/nope" % mport, timeout=5)
        raise AssertionError("/nope should be 404")
    except urllib.error.HTTPError as e:
        assert e.code == 404
    a.close()
    b.close()


def test_non_exempt_flooder_is_cut_off_while_others_are_served(make_server):
    srv = make_server("\n[class slow]\nflood_rate = 2\nflood_burst = 5\nrecvq = 9000\n")
    # The first matching [auth] wins: put the flooders' block before *@*.
    srv.restart_with("[auth everyone]",
                     "[auth slowpokes]\nmask = *flood@*\nclass = slow\n\n[auth everyone]")
    victim = srv.client().register("calm")
    flooder = srv.client().register("flooder", user="flood")
    start = time.time()
    try:
        for i in range(400):
            flooder.send("PRIVMSG calm :%s %d" % ("x" * 60, i))
    except OSError:
        pass
    err = flooder.expect("ERROR", timeout=10)
    assert "Excess Flood" in err.params[-1]
    got = [m for m in victim.quiet(0.5) if m.command == "PRIVMSG"]
    # The burst got through, then the clock held the rest back.
    assert 3 <= len(got) < 50
    victim.send("PING alive")
    assert victim.expect("PONG").params[-1] == "alive"
    assert time.time() - start < 10
    victim.close()


def test_per_ip_limit_refuses_with_error(make_server):
    srv = make_server().restart_with("max_per_ip = 0", "max_per_ip = 2")
    a = srv.client().register("ip1")
    b = srv.client().register("ip2")
    c = srv.client()
    assert "Too many connections" in c.expect("ERROR").params[-1]
    other = Client(srv.port, source_ip="127.0.0.9").register("ip3")
    for x in (a, b, other):
        x.close()


def test_registration_timeout(make_server):
    srv = make_server().restart_with("connection_timeout = 10", "connection_timeout = 1")
    c = srv.client()
    c.send("NICK slowcoach")
    assert "Registration timed out" in c.expect("ERROR", timeout=5).params[-1]


def limited_server(make_server):
    return make_server().restart_with("flood_rate = 0", "flood_rate = 50\nflood_burst = 100")


def test_target_change_limit(make_server):
    srv = limited_server(make_server)
    spammer = srv.client().register("spammer")
    victims = [srv.client().register("v%d" % i) for i in range(10)]
    for i in range(10):
        spammer.send("PRIVMSG v%d :buy now" % i)
    dropped = spammer.expect("707")
    assert dropped.params[1] == "v8"
    # Talking again to someone already messaged is not a new target.
    spammer.send("PRIVMSG v0 :again")
    assert victims[0].expect(lambda m: m.command == "PRIVMSG" and m.params[1] == "again")
    for x in victims + [spammer]:
        x.close()


def test_nick_change_rate_limit(make_server):
    srv = limited_server(make_server)
    c = srv.client().register("hopper")
    for i in range(3):
        c.send("NICK hopper%d" % i)
        c.expect("NICK")
    c.send("NICK hopper9")
    assert c.expect("438").params[2] == "hopper9"
    c.close()
