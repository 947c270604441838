"""Accounts: REGISTER, SASL PLAIN / SCRAM-SHA-256 / EXTERNAL, persistence."""
import base64
import hashlib
import hmac
import os

from ircclient import Message


def register_account(srv, nick, password):
    c = srv.client().register(nick, caps=["account-notify"])
    c.send("REGISTER * * :%s" % password)
    ok = c.expect("REGISTER")
    assert ok.params[:2] == ["SUCCESS", nick]
    assert c.expect("900").params[2] == nick
    return c


def sasl_plain(srv, nick, account, password, finish=True):
    c = srv.client()
    c.send("CAP LS 302")
    c.send("CAP REQ :sasl")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    c.send("AUTHENTICATE PLAIN")
    assert c.expect("AUTHENTICATE").params == ["+"]
    blob = base64.b64encode(b"\0" + account.encode() + b"\0" + password.encode()).decode()
    c.send("AUTHENTICATE " + blob)
    return c


def test_register_then_sasl_plain_logs_in_before_registration(make_server):
    srv = make_server()
    register_account(srv, "alice", "correct horse").close()
    c = sasl_plain(srv, "alice2", "alice", "correct horse")
    logged = c.expect("900")
    assert logged.params[2] == "alice"
    c.expect("903")
    c.send("CAP END")
    c.send("NICK alice2")
    c.send("USER u 0 * :r")
    c.expect("001")
    c.send("WHOIS alice2")
    assert c.expect("330").params[1:3] == ["alice2", "alice"]
    c.close()


def test_sasl_plain_wrong_password_fails_and_is_limited(make_server):
    srv = make_server()
    register_account(srv, "bob", "right password").close()
    c = sasl_plain(srv, "x", "bob", "wrong password")
    assert c.expect("904")
    for _ in range(3):
        c.send("AUTHENTICATE PLAIN")
        m = c.expect(lambda m: m.command in ("AUTHENTICATE", "904"))
        if m.command == "AUTHENTICATE":
            c.send("AUTHENTICATE " + base64.b64encode(b"\0bob\0nope").decode())
            c.expect("904")
    # After three failures the mechanism is refused outright.
    c.send("AUTHENTICATE PLAIN")
    assert "too many" in c.expect("904").params[-1]
    c.close()


def test_sasl_abort_and_unknown_mechanism(server):
    c = server.client()
    c.send("CAP LS 302")
    c.send("CAP REQ :sasl")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    c.send("AUTHENTICATE FOO")
    assert c.expect("908").params[1] == "PLAIN,EXTERNAL,SCRAM-SHA-256"
    c.expect("904")
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE *")
    c.expect("906")
    c.close()


def test_cap_end_during_sasl_aborts_and_registers(server):
    c = server.client()
    c.send("CAP LS 302")
    c.send("CAP REQ :sasl")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    c.send("NICK midsasl")
    c.send("USER u 0 * :r")
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("CAP END")
    c.expect("906")
    c.expect("001")
    c.close()


def test_sasl_scram_sha_256(make_server):
    srv = make_server()
    register_account(srv, "carol", "scram secret").close()
    c = srv.client()
    c.send("CAP LS 302")
    c.send("CAP REQ :sasl")
    c.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    c.send("AUTHENTICATE SCRAM-SHA-256")
    c.expect("AUTHENTICATE")
    cnonce = base64.b64encode(os.urandom(12)).decode()
    first_bare = "n=carol,r=" + cnonce
    c.send("AUTHENTICATE " + base64.b64encode(("n,," + first_bare).encode()).decode())
    server_first = base64.b64decode(c.expect("AUTHENTICATE").params[0]).decode()
    kv = dict(p.split("=", 1) for p in server_first.split(","))
    assert kv["r"].startswith(cnonce) and int(kv["i"]) >= 4096
    salted = hashlib.pbkdf2_hmac("sha256", b"scram secret", base64.b64decode(kv["s"]), int(kv["i"]))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored = hashlib.sha256(client_key).digest()
    final_wo_proof = "c=biws,r=" + kv["r"]
    auth = ",".join([first_bare, server_first, final_wo_proof]).encode()
    proof = bytes(a ^ b for a, b in zip(client_key, hmac.new(stored, auth, "sha256").digest()))
    c.send("AUTHENTICATE " + base64.b64encode(
        (final_wo_proof + ",p=" + base64.b64encode(proof).decode()).encode()).decode())
    server_final = base64.b64decode(c.expect("AUTHENTICATE").params[0]).decode()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    assert server_final == "v=" + base64.b64encode(hmac.new(server_key, auth, "sha256").digest()).decode()
    c.send("AUTHENTICATE +")
    assert c.expect("900").params[2] == "carol"
    c.expect("903")
    c.close()


def test_account_notify_and_register_errors(make_server):
    srv = make_server()
    watcher = srv.client().register("watcher", caps=["account-notify"])
    dave = srv.client().register("dave")
    for x in (watcher, dave):
        x.send("JOIN #acct")
        x.expect("366")
    dave.send("REGISTER * * short")
    assert dave.expect("FAIL").params[:2] == ["REGISTER", "WEAK_PASSWORD"]
    dave.send("REGISTER * bad-email longenoughpassword")
    assert dave.expect("FAIL").params[:2] == ["REGISTER", "INVALID_EMAIL"]
    dave.send("REGISTER * * longenoughpassword")
    dave.expect("900")
    note = watcher.expect("ACCOUNT")
    assert note.nick == "dave" and note.params == ["dave"]
    other = srv.client().register("eve")
    other.send("REGISTER dave * anotherpassword")
    assert other.expect("FAIL").params[:2] == ["REGISTER", "ACCOUNT_EXISTS"]
    for x in (watcher, dave, other):
        x.close()


def test_accounts_survive_kill_9(make_server):
    srv = make_server()
    register_account(srv, "frank", "persist me please").close()
    srv.stop(kill=True)
    srv.start()
    c = sasl_plain(srv, "frank", "frank", "persist me please")
    assert c.expect("900").params[2] == "frank"
    c.close()


def test_nick_protection_renames_after_grace(make_server):
    srv = make_server("\n[accounts]\nnick_protection = rename\nnick_grace = 1\n")
    register_account(srv, "guarded", "guarded password").quit()  # the nick is free
    c = srv.client().register("guarded")
    warn = c.expect(lambda m: m.command == "NOTICE" and "registered" in m.params[-1])
    assert "renamed" in warn.params[-1]
    nick = c.expect("NICK", timeout=5)
    assert nick.params[0].startswith("Guest")
    c.close()


def test_verification_command_and_verify(make_server, tmp_path):
    out = tmp_path / "codes.txt"
    script = tmp_path / "send-code"
    script.write_text("#!/bin/sh\necho \"$1 $2 $3\" >> %s\n" % out)
    script.chmod(0o755)
    srv = make_server("\n[accounts]\nverify = yes\nverify_command = %s\n" % script)
    c = srv.client().register("verifier")
    c.send("REGISTER * v@example.org :verify password")
    m = c.expect("REGISTER")
    assert m.params[:2] == ["VERIFICATION_REQUIRED", "verifier"]
    account, email, code = out.read_text().split()
    assert (account, email) == ("verifier", "v@example.org")
    c.send("VERIFY verifier 00000000")
    assert c.expect("FAIL").params[:2] == ["VERIFY", "INVALID_CODE"]
    c.send("VERIFY verifier %s" % code)
    assert c.expect("VERIFY").params[:2] == ["SUCCESS", "verifier"]
    assert c.expect("900").params[2] == "verifier"
    c.close()
