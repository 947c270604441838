"""Account security (issue 11): stale sessions after DROP, password changes,
VERIFY codes, SASL answers for unknown accounts, hashed server passwords,
nick protection against unverified accounts and taken guest nicks."""
import base64
import hashlib
import os
import time


def register_account(srv, nick, password, caps=("account-notify",)):
    c = srv.client().register(nick, caps=list(caps))
    c.send("REGISTER * * :%s" % password)
    assert c.expect("REGISTER").params[:2] == ["SUCCESS", nick]
    assert c.expect("900").params[2] == nick
    return c


def login_session(srv, nick, account, password, caps=("account-notify",)):
    """A second session: SASL PLAIN as account, then registered as nick."""
    c = srv.client()
    c.cap_req(["sasl"] + list(caps))
    c.send("AUTHENTICATE PLAIN")
    assert c.expect("AUTHENTICATE").params == ["+"]
    c.send("AUTHENTICATE " + base64.b64encode(
        b"\0" + account.encode() + b"\0" + password.encode()).decode())
    assert c.expect("900").params[2] == account
    c.expect("903")
    c.send("CAP END")
    c.send("NICK %s" % nick)
    c.send("USER u 0 * :r")
    c.expect("001")
    c.expect(lambda m: m.command in ("376", "422"))
    return c


def sasl_plain_result(srv, account, password):
    """The numeric SASL PLAIN ends with (903 or 904) and its text."""
    c = srv.client()
    c.cap_req("sasl")
    c.send("AUTHENTICATE PLAIN")
    c.expect("AUTHENTICATE")
    c.send("AUTHENTICATE " + base64.b64encode(
        b"\0" + account.encode() + b"\0" + password.encode()).decode())
    m = c.expect(lambda m: m.command in ("903", "904"))
    c.close()
    return m.command, m.params[-1]


def whois_account(c, nick):
    c.send("WHOIS %s" % nick)
    lines = c.collect("318")
    acct = [m for m in lines if m.command == "330"]
    return acct[0].params[2] if acct else None


def fail(c, command):
    m = c.expect(lambda m: m.command == "FAIL" and m.params[0] == command)
    return m.params


# ---------------------------------------------------------------- DROP, PASSWORD


def test_drop_logs_out_every_session_and_a_reregistered_name_is_not_theirs(make_server):
    srv = make_server()
    a = register_account(srv, "dropme", "first password")
    b = login_session(srv, "dropme2", "dropme", "first password")
    watcher = srv.client().register("dwatch", caps=["account-notify"])
    for x in (b, watcher):
        x.send("JOIN #drop")
        x.expect("366")
    a.send("ACCOUNT DROP dropme :first password")
    assert a.expect("NOTE").params[:3] == ["ACCOUNT", "DROPPED", "dropme"]
    # The other session is told it is logged out, and so is its channel.
    assert b.expect("901")
    note = watcher.expect("ACCOUNT")
    assert note.nick == "dropme2" and note.params == ["*"]
    assert whois_account(watcher, "dropme2") is None
    assert whois_account(watcher, "dropme") is None
    # Someone else registers the name; the old session has no hold on it.
    owner = srv.client().register("newowner")
    owner.send("REGISTER dropme * :second password")
    assert owner.expect("REGISTER").params[:2] == ["SUCCESS", "dropme"]
    b.send("ACCOUNT PASSWORD x :taken over")
    assert fail(b, "ACCOUNT")[1] == "ACCOUNT_REQUIRED"
    b.send("ACCOUNT CERT ADD")
    assert fail(b, "ACCOUNT")[1] == "ACCOUNT_REQUIRED"
    assert sasl_plain_result(srv, "dropme", "second password")[0] == "903"
    assert sasl_plain_result(srv, "dropme", "taken over")[0] == "904"
    for x in (a, b, watcher, owner):
        x.close()


def test_login_racing_a_drop_does_not_outlive_the_account(make_server):
    srv = make_server()
    a = register_account(srv, "racer", "race password")
    b = srv.client()
    b.cap_req("sasl")
    b.send("AUTHENTICATE PLAIN")
    b.expect("AUTHENTICATE")
    # B's password check is on its way (or done) when A drops the account.
    b.send("AUTHENTICATE " + base64.b64encode(b"\0racer\0race password").decode())
    b.send("PING :check-queued")
    # (where a SASL check holds the client's input, its answer comes first)
    seen = b.collect(lambda m: m.command == "PONG")
    a.send("ACCOUNT DROP racer :race password")
    assert a.expect("NOTE").params[:2] == ["ACCOUNT", "DROPPED"]
    if not [m for m in seen if m.command in ("903", "904")]:
        b.expect(lambda m: m.command in ("903", "904"))
    owner = srv.client().register("newracer")
    owner.send("REGISTER racer * :new owner password")
    assert owner.expect("REGISTER").params[:2] == ["SUCCESS", "racer"]
    b.send("CAP END")
    b.send("NICK racer2")
    b.send("USER u 0 * :r")
    b.expect("001")
    assert whois_account(owner, "racer2") is None
    b.send("ACCOUNT CERT ADD")
    assert fail(b, "ACCOUNT")[1] == "ACCOUNT_REQUIRED"
    for x in (a, b, owner):
        x.close()


def test_drop_needs_the_password(make_server):
    srv = make_server()
    a = register_account(srv, "keepme", "keep password")
    a.send("ACCOUNT DROP keepme")
    assert fail(a, "ACCOUNT")[1] == "INVALID_PARAMS"
    a.send("ACCOUNT DROP keepme :wrong password")
    assert fail(a, "ACCOUNT")[1] == "INVALID_CREDENTIALS"
    assert whois_account(a, "keepme") == "keepme"
    assert sasl_plain_result(srv, "keepme", "keep password")[0] == "903"
    a.close()


def test_password_change_needs_the_current_one_and_logs_out_other_sessions(make_server):
    srv = make_server()
    a = register_account(srv, "pwuser", "old password")
    b = login_session(srv, "pwuser2", "pwuser", "old password")
    # ACCOUNT PASSWORD <new> <current>: the current password last (it may hold spaces).
    a.send("ACCOUNT PASSWORD newpassword")
    assert fail(a, "ACCOUNT")[1] == "INVALID_PARAMS"
    a.send("ACCOUNT PASSWORD newpassword :wrong current")
    assert fail(a, "ACCOUNT")[1] == "INVALID_CREDENTIALS"
    b.send("ACCOUNT PASSWORD takenover :not known to b")
    assert fail(b, "ACCOUNT")[1] == "INVALID_CREDENTIALS"
    assert whois_account(a, "pwuser2") == "pwuser"  # nothing changed, nobody out
    assert sasl_plain_result(srv, "pwuser", "old password")[0] == "903"
    # The change: the other session is logged out, the one that changed it stays.
    a.send("ACCOUNT PASSWORD newpassword :old password")
    assert a.expect("NOTE").params[:3] == ["ACCOUNT", "PASSWORD_CHANGED", "pwuser"]
    assert b.expect("901")
    assert whois_account(a, "pwuser") == "pwuser"
    assert whois_account(a, "pwuser2") is None
    assert sasl_plain_result(srv, "pwuser", "old password")[0] == "904"
    assert sasl_plain_result(srv, "pwuser", "newpassword")[0] == "903"
    a.close()
    b.close()


# ---------------------------------------------------------------- VERIFY


def verify_server(make_server, tmp_path, extra=""):
    out = tmp_path / "codes.txt"
    script = tmp_path / "send-code"
    script.write_text("#!/bin/sh\necho \"$1 $2 $3\" >> %s\n" % out)
    script.chmod(0o755)
    srv = make_server("\n[accounts]\nverify = yes\nverify_command = %s\n%s" % (script, extra))
    return srv, out


def last_code(out, account):
    for line in reversed(out.read_text().splitlines()):
        name, _, code = line.split()
        if name == account:
            return code
    raise AssertionError("no code for %s" % account)


def test_verify_code_is_long_and_dies_after_the_attempt_limit(make_server, tmp_path):
    srv, out = verify_server(make_server, tmp_path, "verify_attempts = 3\n")
    c = srv.client().register("vguess")
    c.send("REGISTER * v@example.org :verify password")
    assert c.expect("REGISTER").params[:2] == ["VERIFICATION_REQUIRED", "vguess"]
    code = last_code(out, "vguess")
    assert len(code) >= 16 and int(code, 16) >= 0  # at least 64 bits, hex
    guesser = srv.client().register("guesser")
    for _ in range(2):
        guesser.send("VERIFY vguess 00000000000000000000000000000000")
        assert fail(guesser, "VERIFY")[1:3] == ["INVALID_CODE", "vguess"]
    guesser.send("VERIFY vguess 11111111111111111111111111111111")
    last = fail(guesser, "VERIFY")
    assert last[1] == "INVALID_CODE" and "register again" in last[-1]
    # The right code no longer works: the registration is void, the name free.
    c.send("VERIFY vguess %s" % code)
    assert fail(c, "VERIFY")[1] == "INVALID_CODE"
    c.send("REGISTER * v@example.org :verify password")
    assert c.expect("REGISTER").params[:2] == ["VERIFICATION_REQUIRED", "vguess"]
    c.send("VERIFY vguess %s" % last_code(out, "vguess"))
    assert c.expect("VERIFY").params[:2] == ["SUCCESS", "vguess"]
    assert c.expect("900").params[2] == "vguess"
    c.close()
    guesser.close()


def test_unverified_registration_expires(make_server, tmp_path):
    srv, out = verify_server(make_server, tmp_path, "verify_expire = 1\n")
    c = srv.client().register("vlate")
    c.send("REGISTER * v@example.org :verify password")
    assert c.expect("REGISTER").params[:2] == ["VERIFICATION_REQUIRED", "vlate"]
    code = last_code(out, "vlate")
    # Once expired, the name can be registered by someone else.
    other = srv.client().register("vother")
    deadline = time.time() + 15
    while True:
        other.send("REGISTER vlate v2@example.org :other password")
        m = other.expect(lambda m: m.command == "REGISTER" or
                         (m.command == "FAIL" and m.params[0] == "REGISTER"))
        if m.command == "REGISTER":
            assert m.params[:2] == ["VERIFICATION_REQUIRED", "vlate"]
            break
        assert m.params[1] == "ACCOUNT_EXISTS"
        assert time.time() < deadline, "the unverified account never expired"
        time.sleep(0.5)
    c.send("VERIFY vlate %s" % code)
    assert fail(c, "VERIFY")[1] == "INVALID_CODE"
    c.close()
    other.close()


# ---------------------------------------------------------------- nick protection


def test_unverified_account_does_not_protect_a_nick(make_server, tmp_path):
    srv, out = verify_server(make_server, tmp_path,
                             "nick_protection = rename\nnick_grace = 1\n")
    squatter = srv.client().register("squatter")
    squatter.send("REGISTER victim v@example.org :squat password")
    assert squatter.expect("REGISTER").params[:2] == ["VERIFICATION_REQUIRED", "victim"]
    victim = srv.client()
    victim.send("NICK victim")
    victim.send("USER u 0 * :r")
    victim.send("PING :after-welcome")
    lines = victim.collect(lambda m: m.command == "PONG")
    assert not [m for m in lines if m.command == "NOTICE" and "registered" in m.params[-1]]
    # Once verified, the account protects its nick like any other.
    squatter.send("VERIFY victim %s" % last_code(out, "victim"))
    assert squatter.expect("VERIFY").params[:2] == ["SUCCESS", "victim"]
    warn = victim.expect(lambda m: m.command == "NOTICE" and "registered" in m.params[-1])
    assert "renamed" in warn.params[-1]
    victim.close()
    squatter.close()


def test_taken_guest_nick_does_not_let_a_user_keep_a_registered_nick(make_server):
    srv = make_server("\n[accounts]\nnick_protection = rename\nnick_grace = 1\n")
    register_account(srv, "guarded", "guarded password").close()
    v = srv.client().register("guarded")
    renamed = v.expect(lambda m: m.command == "NICK" and m.nick == "guarded", timeout=10)
    guest = renamed.params[0]  # Guest and the UID's digits: predictable
    assert guest.startswith("Guest")
    # The user goes back to the registered nick; an accomplice takes the guest nick.
    v.send("NICK guarded")
    assert v.expect("NICK").params[0] == "guarded"
    accomplice = srv.client().register(guest)
    # The rename still happens, to another guest nick.
    again = v.expect(lambda m: m.command == "NICK" and m.nick == "guarded", timeout=10)
    assert again.params[0].startswith("Guest") and again.params[0] != guest
    accomplice.close()
    v.close()


# ---------------------------------------------------------------- SASL oracles


def test_sasl_plain_answers_unknown_and_unverified_accounts_like_wrong_passwords(
        make_server, tmp_path):
    srv, out = verify_server(make_server, tmp_path)
    c = srv.client().register("pending")
    c.send("REGISTER * p@example.org :pending password")
    c.expect("REGISTER")
    c.send("VERIFY pending %s" % last_code(out, "pending"))
    c.expect("900")
    c.close()
    d = srv.client().register("unverif")
    d.send("REGISTER * u@example.org :unverified password")
    d.expect("REGISTER")
    d.close()
    wrong = sasl_plain_result(srv, "pending", "not the password")
    assert wrong[0] == "904"
    assert sasl_plain_result(srv, "nosuchaccount", "whatever pass") == wrong
    assert sasl_plain_result(srv, "unverif", "unverified password") == wrong
    assert sasl_plain_result(srv, "pending", "pending password")[0] == "903"


def scram_first(srv, user):
    """The server-first message for user, and the client to finish with."""
    c = srv.client()
    c.cap_req("sasl")
    c.send("AUTHENTICATE SCRAM-SHA-256")
    c.expect("AUTHENTICATE")
    cnonce = base64.b64encode(os.urandom(12)).decode()
    c.send("AUTHENTICATE " + base64.b64encode(("n,,n=%s,r=%s" % (user, cnonce)).encode())
           .decode())
    m = c.expect(lambda m: m.command in ("AUTHENTICATE", "904"))
    assert m.command == "AUTHENTICATE", "the server told at once that %s is unknown" % user
    first = base64.b64decode(m.params[0]).decode()
    return c, dict(p.split("=", 1) for p in first.split(","))


def test_scram_unknown_user_gets_a_stable_fake_salt_and_fails_at_the_end(make_server):
    srv = make_server()
    register_account(srv, "scramreal", "real password").close()
    c, real = scram_first(srv, "scramreal")
    c.close()
    c, fake = scram_first(srv, "scramghost")
    assert fake["i"] == real["i"]
    assert len(base64.b64decode(fake["s"])) == len(base64.b64decode(real["s"]))
    proof = base64.b64encode(os.urandom(32)).decode()
    c.send("AUTHENTICATE " + base64.b64encode(
        ("c=biws,r=%s,p=%s" % (fake["r"], proof)).encode()).decode())
    assert "invalid credentials" in c.expect("904").params[-1]
    c.close()
    c, again = scram_first(srv, "ScramGhost")
    assert again["s"] == fake["s"]  # the same salt each time, as a real account has
    c.close()
    c, other = scram_first(srv, "scramghost2")
    assert other["s"] != fake["s"]
    c.close()
    # ...and after a restart too.
    srv.stop()
    srv.start()
    c, after = scram_first(srv, "scramghost")
    assert after["s"] == fake["s"]
    c.close()


# ---------------------------------------------------------------- server password


def scrypt_hash(password, ln=10):
    salt = os.urandom(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=1 << ln, r=8, p=1, dklen=32)
    return "$scrypt$ln=%d,r=8,p=1$%s$%s" % (ln, salt.hex(), key.hex())


def test_hashed_server_password(make_server):
    srv = make_server()
    srv.restart_with("class = default\n\n[dns]",
                     "class = default\npassword = %s\n\n[dns]" % scrypt_hash("letmein"))
    good = srv.client()
    good.send("PASS letmein")
    good.send("NICK goodpw")
    good.send("USER u 0 * :r")
    good.expect("001")
    good.send("PING :alive")
    good.expect("PONG")
    bad = srv.client()
    bad.send("PASS $scrypt$ln=10")  # the hash's own text is no password either
    bad.send("NICK badpw")
    bad.send("USER u 0 * :r")
    closing = bad.collect(lambda m: m.command == "ERROR")
    assert [m for m in closing if m.command == "464"]
    assert not [m for m in closing if m.command == "001"]
    none = srv.client()
    none.send("NICK nopw")
    none.send("USER u 0 * :r")
    assert [m for m in none.collect(lambda m: m.command == "ERROR") if m.command == "464"]
    good.close()


def test_accounts_from_schema_7_get_ids_and_keep_working(make_server):
    import sqlite3
    srv = make_server()
    register_account(srv, "olduser", "old schema pw").close()
    srv.stop()
    db = sqlite3.connect(os.path.join(srv.dir, "evircd.db"))
    db.executescript("DROP INDEX accounts_id; ALTER TABLE accounts DROP COLUMN id;"
                     "ALTER TABLE accounts DROP COLUMN verify_attempts; DROP TABLE secrets;"
                     "PRAGMA user_version = 7;")
    db.close()
    srv.start()
    a = login_session(srv, "olduser", "olduser", "old schema pw")
    b = login_session(srv, "olduser2", "olduser", "old schema pw")
    a.send("ACCOUNT DROP olduser :old schema pw")
    assert a.expect("NOTE").params[:2] == ["ACCOUNT", "DROPPED"]
    assert b.expect("901")
    a.close()
    b.close()


def cap_ls(c):
    c.send("CAP LS 302")
    caps = {}
    while True:
        m = c.expect(lambda m: m.command == "CAP" and m.params[1] == "LS")
        for item in m.params[-1].split():
            name, _, value = item.partition("=")
            caps[name] = value
        if m.params[2] != "*":
            return caps


def test_register_before_connect_cannot_get_round_a_server_password(make_server, tmp_path):
    srv, _ = verify_server(make_server, tmp_path)
    c = srv.client()
    assert cap_ls(c)["draft/account-registration"] == "before-connect,email-required"
    c.close()
    srv.restart_with("class = default\n\n[dns]", "class = default\npassword = letmein\n\n[dns]")
    c = srv.client()
    assert cap_ls(c)["draft/account-registration"] == "email-required"
    c.send("NICK early")
    c.send("REGISTER * e@example.org :early password")
    assert fail(c, "REGISTER")[1] == "COMPLETE_CONNECTION_REQUIRED"
    c.send("VERIFY early 00000000000000000000000000000000")
    assert fail(c, "VERIFY")[1] == "COMPLETE_CONNECTION_REQUIRED"
    c.send("PASS letmein")
    c.send("USER u 0 * :r")
    c.send("CAP END")
    c.expect("001")
    c.send("REGISTER * e@example.org :early password")
    assert c.expect("REGISTER").params[:2] == ["VERIFICATION_REQUIRED", "early"]
    c.close()
