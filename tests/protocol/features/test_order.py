"""Replies in the order of the commands: a command that waits on a worker
(password check, database, history query) holds its client's later lines,
while other clients are served; and the limits on password attempts."""
import base64
import subprocess

import pytest

from ircclient import MKPASSWD

HIST_CAPS = ["draft/chathistory", "batch", "server-time", "message-tags"]


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()


def oper_block(oper_hash):
    return ("\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n"
            "snomask = +ckor\n" % oper_hash)


@pytest.fixture
def gate_script(make_server, tmp_path):
    """A verify_command that waits until the test opens its gate (20 s at most);
    the gate opens at teardown anyway, before the server is stopped."""
    gate = tmp_path / "gate"
    script = tmp_path / "held-mail"
    script.write_text("#!/bin/sh\ni=0\nwhile [ ! -e %s ] && [ $i -lt 400 ]; do\n"
                      "  sleep 0.05; i=$((i+1))\ndone\nexit 0\n" % gate)
    script.chmod(0o755)
    yield gate, script
    gate.touch()


def send_raw(c, *lines):
    """Several commands in one write, as a pasting client or a bot sends them."""
    c.sock.sendall("".join(l + "\r\n" for l in lines).encode())


def commands(msgs, keep):
    return [m.command for m in msgs if m.command in keep]


def test_oper_then_ping_answers_in_order(make_server, oper_hash):
    srv = make_server(oper_block(oper_hash))
    c = srv.client().register("orderly")
    send_raw(c, "OPER admin sekrit", "PING :after-oper")
    got = c.collect(lambda m: m.command == "PONG")
    assert commands(got, ("381", "PONG")) == ["381", "PONG"]
    assert got[-1].params[-1] == "after-oper"
    c.close()


def test_oper_then_privileged_commands_in_one_write(make_server, oper_hash):
    # No channel mode is oper-only here: the commands that need the oper
    # status are the test.  Each waits (a hash, then a database write),
    # and each is answered before the next line runs.
    srv = make_server(oper_block(oper_hash))
    victim = srv.client().register("kvictim", user="bad")
    c = srv.client().register("fastop")
    send_raw(c, "OPER admin sekrit", "KLINE bad@127.0.0.1 :go", "MODE fastop +w",
             "PING :done")
    got = c.collect(lambda m: m.command == "PONG")
    interesting = [m for m in got if m.command in ("381", "481", "PONG") or
                   (m.command == "MODE" and m.params[-1] == "+w") or
                   (m.command == "NOTICE" and "Added K-line" in m.params[-1])]
    assert [m.command for m in interesting] == ["381", "NOTICE", "MODE", "PONG"], got
    assert "K-lined" in victim.expect("ERROR").params[-1]
    c.close()


def test_oper_then_join_of_an_oper_only_channel_in_one_write(make_server, oper_hash):
    # The case: OPER and a JOIN that only an operator may make, on
    # one write.  The JOIN waits for the password check and then succeeds.
    srv = make_server(oper_block(oper_hash))
    first = srv.client().register("operfirst")
    send_raw(first, "OPER admin sekrit", "JOIN #staff", "MODE #staff +O", "PING :set")
    first.collect(lambda m: m.command == "PONG")
    c = srv.client().register("opersecond")
    send_raw(c, "JOIN #staff")
    assert c.expect("520").params[1] == "#staff"
    send_raw(c, "OPER admin sekrit", "JOIN #staff", "PING :done")
    got = c.collect(lambda m: m.command == "PONG")
    seen = [m.command for m in got if m.command in ("381", "JOIN", "366", "520", "PONG")]
    assert seen == ["381", "JOIN", "366", "PONG"], got
    first.close()
    c.close()


def test_wrong_oper_password_then_ping_in_order(make_server, oper_hash):
    srv = make_server(oper_block(oper_hash))
    c = srv.client().register("wrongop")
    send_raw(c, "OPER admin nope", "OPER admin sekrit", "PING :x")
    got = c.collect(lambda m: m.command == "PONG")
    assert commands(got, ("464", "381", "PONG")) == ["464", "381", "PONG"]
    c.close()


def test_labeled_oper_answer_carries_its_label(make_server, oper_hash):
    srv = make_server(oper_block(oper_hash))
    c = srv.client().register("labop", caps=["labeled-response", "batch", "message-tags"])
    send_raw(c, "@label=op1 OPER admin sekrit", "@label=p2 PING :x")
    got = c.collect(lambda m: m.command == "PONG")
    labels = [m.tags.get("label") for m in got if m.tags.get("label")]
    assert labels == ["op1", "p2"], got
    c.close()


def test_chathistory_then_ping_in_order(make_server):
    srv = make_server()
    reader = srv.client().register("reader", caps=HIST_CAPS)
    talker = srv.client().register("talker")
    for x in (reader, talker):
        x.send("JOIN #ord")
        x.expect("366")
    for i in range(5):
        talker.send("PRIVMSG #ord :m%d" % i)
    for i in range(5):
        reader.expect("PRIVMSG")
    # LATEST from the in-memory window, BEFORE from the database lane.
    send_raw(reader, "CHATHISTORY LATEST #ord * 10", "PING :one",
             "CHATHISTORY BEFORE #ord timestamp=2999-01-01T00:00:00.000Z 3", "PING :two")
    got = reader.collect(lambda m: m.command == "PONG" and m.params[-1] == "two")
    seq = [(m.command, m.params[0][0]) if m.command == "BATCH" else (m.command, None)
           for m in got if m.command in ("BATCH", "PONG")]
    assert seq == [("BATCH", "+"), ("BATCH", "-"), ("PONG", None),
                   ("BATCH", "+"), ("BATCH", "-"), ("PONG", None)], got
    texts = [m.params[-1] for m in got if m.command == "PRIVMSG"]
    assert texts == ["m0", "m1", "m2", "m3", "m4", "m2", "m3", "m4"]
    for x in (reader, talker):
        x.close()


def test_sasl_plain_then_registration_in_one_write(make_server):
    srv = make_server()
    owner = srv.client().register("saslowner")
    owner.send("REGISTER * * :sasl password")
    assert owner.expect("REGISTER").params[0] == "SUCCESS"
    owner.close()
    c = srv.client()
    c.send("CAP LS 302")
    c.send("CAP REQ :sasl")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    blob = base64.b64encode(b"\0saslowner\0sasl password").decode()
    send_raw(c, "AUTHENTICATE " + blob, "CAP END", "NICK fastsasl", "USER u 0 * :r")
    got = c.collect("001")
    assert commands(got, ("900", "903", "001")) == ["900", "903", "001"]
    c.send("WHOIS fastsasl")
    assert c.expect("330").params[1:3] == ["fastsasl", "saslowner"]
    c.close()


def test_register_then_ping_and_others_served_meanwhile(make_server, gate_script):
    gate, script = gate_script
    srv = make_server("\n[accounts]\nverify = yes\nverify_command = %s\n" % script)
    a = srv.client().register("waiter")
    b = srv.client().register("bystander")
    send_raw(a, "REGISTER * w@example.org :a long password", "PING :after-register")
    # The registration waits for its mail command: b is served all the same,
    # and a's PING waits behind its REGISTER.
    b.send("PING :meanwhile")
    assert b.expect("PONG").params[-1] == "meanwhile"
    assert a.quiet(0.2) == []
    gate.touch()
    got = a.collect("PONG")
    assert commands(got, ("REGISTER", "PONG")) == ["REGISTER", "PONG"]
    assert got[0].params[0] == "VERIFICATION_REQUIRED"
    for x in (a, b):
        x.close()


def test_client_killed_while_its_job_runs(make_server, gate_script, oper_hash):
    gate, script = gate_script
    srv = make_server(oper_block(oper_hash) +
                      "\n[accounts]\nverify = yes\nverify_command = %s\n" % script)
    a = srv.client().register("doomed")
    op = srv.client().register("killer")
    op.send("OPER admin sekrit")
    op.expect("381")
    for x in (a, op):
        x.send("JOIN #watch")
        x.expect("366")
    send_raw(a, "REGISTER * d@example.org :a long password", "PRIVMSG #watch :never")
    op.send("KILL doomed :bye")
    assert op.expect("QUIT").params[-1].startswith("Killed")
    gate.touch()  # the job ends with nobody to answer
    op.send("PING :still")
    got = op.collect("PONG")
    assert not any(m.command == "PRIVMSG" for m in got)
    a.close()
    op.close()


def test_client_gone_while_its_job_runs(make_server, gate_script):
    gate, script = gate_script
    srv = make_server("\n[accounts]\nverify = yes\nverify_command = %s\n" % script)
    watcher = srv.client().register("watcher")
    a = srv.client().register("leaver")
    for x in (a, watcher):
        x.send("JOIN #bye")
        x.expect("366")
    send_raw(a, "REGISTER * l@example.org :a long password", "QUIT :later")
    a.close()
    gate.touch()
    quit_msg = watcher.expect("QUIT")
    assert quit_msg.source.startswith("leaver!")
    watcher.close()


def test_register_rate_per_address(make_server):
    srv = make_server("\n[accounts]\nauth_rate = 2\n")
    answers = []
    for i in range(3):
        c = srv.client().register("rate%d" % i)
        c.send("REGISTER * * :a long password")
        answers.append(c.expect(lambda m: m.command in ("REGISTER", "FAIL")))
        c.close()
    assert [m.command for m in answers] == ["REGISTER", "REGISTER", "FAIL"]
    assert answers[2].params[:2] == ["REGISTER", "TEMPORARILY_UNAVAILABLE"]


def test_sasl_and_verify_rate_per_address(make_server):
    srv = make_server("\n[accounts]\nauth_rate = 2\n")
    c = srv.client()
    c.send("CAP LS 302")
    c.send("CAP REQ :sasl")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    for _ in range(2):
        c.send("AUTHENTICATE PLAIN")
        c.expect("AUTHENTICATE")
        c.send("AUTHENTICATE *")
        c.expect("906")
    c.send("AUTHENTICATE PLAIN")
    assert "too many attempts from your address" in c.expect("904").params[-1]
    c.send("VERIFY someone 12345678")
    assert c.expect("FAIL").params[:2] == ["VERIFY", "TEMPORARILY_UNAVAILABLE"]
    c.close()


def test_registration_flood_cannot_delay_oper(make_server, gate_script, oper_hash):
    # Account creations queue (boundedly) on their own lane; OPER has another.
    gate, script = gate_script
    srv = make_server(oper_block(oper_hash) +
                      "\n[accounts]\nverify = yes\nverify_command = %s\nauth_rate = 0\n"
                      "crypto_queue = 2\n" % script)
    flood = [srv.client().register("flood%d" % i) for i in range(6)]
    for i, c in enumerate(flood):
        c.send("REGISTER * f%d@example.org :a long password" % i)
    # At most two wait for the lane (the one it runs may be one of them);
    # the rest are told to come back later.
    first = {flood[0]: flood[0].quiet(1.0)}  # by then every answer is on its way
    first.update({c: c.quiet(0.3) for c in flood[1:]})
    refused = [c for c in flood if first[c]]
    pending = [c for c in flood if not first[c]]
    assert 1 <= len(pending) <= 3 and len(refused) >= 3
    for c in refused:
        assert first[c][0].params[:2] == ["REGISTER", "TEMPORARILY_UNAVAILABLE"]
    op = srv.client().register("quickop")
    op.send("OPER admin sekrit")
    op.expect("381")
    # The creations still wait for their gate: the OPER went past them.
    assert all(c.quiet(0.05) == [] for c in pending)
    gate.touch()
    for c in pending:
        assert c.expect("REGISTER").params[0] == "VERIFICATION_REQUIRED"
    for c in flood + [op]:
        c.close()


def test_acknowledged_writes_survive_kill_9(make_server):
    # Writes go through the store lane; each answer waits for the commit,
    # so a kill -9 right after the answer loses none of them.
    srv = make_server()
    c = srv.client().register("durable", caps=["draft/read-marker", "batch"])
    send_raw(c, "REGISTER * * :firstpassword", "JOIN #keep",
             "MARKREAD #keep timestamp=2025-01-02T03:04:05.678Z",
             "ACCOUNT PASSWORD secondpassword firstpassword")
    assert c.expect("REGISTER").params[0] == "SUCCESS"
    got = c.collect(lambda m: m.command == "NOTE" and "PASSWORD_CHANGED" in m.params)
    marks = [m.params for m in got if m.command == "MARKREAD"]
    assert ["#keep", "timestamp=2025-01-02T03:04:05.678Z"] in marks
    srv.stop(kill=True)
    srv.start()
    d = srv.client()
    d.send("CAP LS 302")
    d.send("CAP REQ :sasl draft/read-marker batch")
    d.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    d.send("AUTHENTICATE PLAIN")
    d.expect("AUTHENTICATE")
    d.send("AUTHENTICATE " + base64.b64encode(b"\0durable\0secondpassword").decode())
    d.expect("903")
    send_raw(d, "CAP END", "NICK durable2", "USER u 0 * :r")
    d.expect("001")
    d.send("MARKREAD #keep")
    assert d.expect("MARKREAD").params == ["#keep", "timestamp=2025-01-02T03:04:05.678Z"]
    d.close()


META_CAPS = ["draft/metadata-3", "batch", "labeled-response"]


def test_metadata_set_of_an_account_then_others_in_order(make_server):
    # A logged-in user's own keys are stored: each answer waits for its
    # commit, and the commands after it wait for that answer.
    srv = make_server()
    c = srv.client().register("metaorder", caps=META_CAPS)
    c.send("REGISTER * * :metaorder password")
    assert c.expect("REGISTER").params[0] == "SUCCESS"
    send_raw(c, "@label=m1 METADATA * SET avatar :https://example.org/a.png",
             "METADATA * SET status :here", "PING :between", "METADATA * SET status",
             "METADATA * CLEAR", "METADATA * GET avatar status", "PING :end")
    got = c.collect(lambda m: m.command == "PONG" and m.params[-1] == "end")
    answers = [(m.command, m.params[2] if m.command in ("761", "766") else m.params[-1])
               for m in got if m.command in ("761", "766", "PONG")]
    assert answers == [("761", "avatar"), ("761", "status"), ("PONG", "between"),
                       ("766", "status"), ("766", "avatar"), ("766", "avatar"),
                       ("766", "status"), ("PONG", "end")]
    first = [m for m in got if m.command == "761"][0]
    assert first.tags.get("label") == "m1"  # the late answer keeps its label
    c.close()


def test_acknowledged_metadata_survives_kill_9(make_server):
    srv = make_server()
    c = srv.client().register("metakeep", caps=META_CAPS)
    send_raw(c, "REGISTER * * :metakeep password", "METADATA * SET avatar :https://k.example/a",
             "METADATA * SET gone :soon", "METADATA * SET gone")
    assert c.expect("REGISTER").params[0] == "SUCCESS"
    assert c.expect("761").params[2:] == ["avatar", "*", "https://k.example/a"]
    assert c.expect("761").params[2] == "gone"
    assert c.expect("766").params[2] == "gone"
    srv.stop(kill=True)
    srv.start()
    d = srv.client()
    d.send("CAP LS 302")
    d.send("CAP REQ :sasl draft/metadata-3 batch")
    d.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    d.send("AUTHENTICATE PLAIN")
    d.expect("AUTHENTICATE")
    d.send("AUTHENTICATE " + base64.b64encode(b"\0metakeep\0metakeep password").decode())
    d.expect("903")
    send_raw(d, "CAP END", "NICK metakeep2", "USER u 0 * :r")
    d.expect("001")
    d.send("METADATA * GET avatar gone")
    assert d.expect("761").params[2:] == ["avatar", "*", "https://k.example/a"]
    assert d.expect("766").params[2] == "gone"
    d.close()


def test_two_registrations_of_one_name_at_once(make_server):
    # Both pass the first look (neither is stored yet); the store lane
    # writes one, and the other hears the name is taken.
    srv = make_server()
    a = srv.client().register("twin1")
    b = srv.client().register("twin2")
    send_raw(a, "REGISTER samename * :a long password")
    send_raw(b, "REGISTER samename * :a long password")
    got = sorted(x.expect(lambda m: m.command in ("REGISTER", "FAIL")).params[:2]
                 for x in (a, b))
    assert got == [["REGISTER", "ACCOUNT_EXISTS"], ["SUCCESS", "samename"]]
    for x in (a, b):
        x.close()


def test_one_address_holds_few_places_in_a_password_lane(make_server, gate_script):
    # The lane could queue 64, but one address (here every client's) gets 4.
    gate, script = gate_script
    srv = make_server("\n[accounts]\nverify = yes\nverify_command = %s\nauth_rate = 0\n"
                      % script)
    flood = [srv.client().register("place%d" % i) for i in range(6)]
    for i, c in enumerate(flood):
        c.send("REGISTER * p%d@example.org :a long password" % i)
    first = {flood[0]: flood[0].quiet(1.0)}
    first.update({c: c.quiet(0.3) for c in flood[1:]})
    pending = [c for c in flood if not first[c]]
    refused = [c for c in flood if first[c]]
    assert len(pending) == 4 and len(refused) == 2
    assert all("at once" in first[c][0].params[-1] for c in refused)
    gate.touch()
    for c in pending:
        assert c.expect("REGISTER").params[0] == "VERIFICATION_REQUIRED"
    # Places are given back: the address may register again.
    refused[0].send("REGISTER * again@example.org :a long password")
    assert refused[0].expect("REGISTER").params[0] == "VERIFICATION_REQUIRED"
    for c in flood:
        c.close()
