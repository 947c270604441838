"""Seeded random input against every command: the server must keep serving.

Each seed drives a few registered clients (every capability on, one of them
an operator) and one unregistered connection through a few hundred lines
made of the commands in the table, tags, and parameters chosen to hit edge
cases (empty, "*", ":", lists, masks, timestamps, msgids, huge counts, bytes
that are not UTF-8).  Afterwards a bystander that never fuzzed must still get
a channel message and a PONG, and the server must exit cleanly (no
sanitizer report) when stopped.  Same seed, same lines: a failure replays.  (The operator may not K-line
or D-line: a ban on a fuzzer's nick would ban 127.0.0.1, where everyone is.)
"""
import os
import random
import subprocess

import pytest

from ircclient import MKPASSWD

COMMANDS = (
    "ACCOUNT ADMIN AUTHENTICATE AWAY BATCH CAP CHATHISTORY DLINE HELP INFO INVITE ISON "
    "JOIN KICK KILL KLINE LIST LUSERS MARKREAD METADATA MODE MONITOR MOTD NAMES NICK "
    "NOTICE OPER PART PASS PING PONG PRIVMSG REDACT REGISTER REHASH SETNAME STATS "
    "TAGMSG TIME TOPIC UNDLINE UNKLINE USER USERHOST VERIFY VERSION WALLOPS WHO WHOIS "
    "WHOWAS"
).split()

WORDS = [
    "", "*", ":", "0", "-1", "1", "99999999999999999999", "#fz", "#fz,#fy", "#", "&x",
    "@#fz", "+#fz", "fz1", "fz2", "fz1,fz2,fz3", "nosuch", "+o", "-o", "+b", "+bbbb",
    "-b", "+k", "+l", "+imnpst", "-imnpst", "+beI", "+x", "+w", "+B", "+s", "+v",
    "*!*@*", "x!y@z", "*@127.0.0.99", "127.0.0.128/25", "::1", "LS", "302", "REQ", "END",
    "LIST", "SET", "GET", "SUB", "UNSUB", "SUBS", "SYNC", "CLEAR", "display-name",
    "avatar", "LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS",
    "timestamp=2026-01-01T00:00:00.000Z", "timestamp=bogus", "msgid=nope", "msgid=",
    "PLAIN", "EXTERNAL", "SCRAM-SHA-256", "AAAA", "+", "=", "*", "+fz1", "-fz1", "C",
    "S", "L", "%tcuhnfar,42", "%", "o", "m", "l", "u", "z", "k", "d", "t", "y", "p",
    "+draft/multiline", "ref1", "-ref1", "+ref1", "draft/multiline", "#fz :topic",
    "x" * 300, "\u00e9\u00e8", "a\u00e9b",
]

TAGS = [
    "", "", "", "@label=L1 ", "@+typing=active ", "@batch=ref1 ", "@+a=b;+c ",
    "@draft/multiline-concat ", "@" + "+k=" + "v" * 600 + " ", "@label= ", "@= ",
    "@+reply=nope;label=x ",
]

ALL_CAPS = ["message-tags", "server-time", "batch", "labeled-response", "echo-message",
            "draft/chathistory", "draft/event-playback", "draft/multiline",
            "draft/metadata-3", "draft/read-marker", "draft/message-redaction",
            "draft/account-registration", "extended-join", "account-notify", "away-notify",
            "chghost", "invite-notify", "multi-prefix", "userhost-in-names", "setname",
            "account-tag", "cap-notify", "extended-monitor", "draft/no-implicit-names",
            "standard-replies", "sasl"]

# The conformance additions (issue 12), kept apart from the lists above.
COMMANDS += ["HELPOP", "RENAME"]
WORDS += ["+C", "-C", "m:*!*@*", "m:fz1", "#fz2", "#FZ"]
ALL_CAPS += ["draft/channel-rename"]


def fuzz_line(rng):
    cmd = rng.choice(COMMANDS)
    if rng.random() < 0.1:
        cmd = cmd.lower()
    params = [rng.choice(WORDS) for _ in range(rng.randint(0, 6))]
    line = rng.choice(TAGS) + cmd
    for i, p in enumerate(params):
        if i == len(params) - 1 and rng.random() < 0.5:
            line += " :" + p
        elif p and " " not in p and not p.startswith(":"):
            line += " " + p
    data = line.encode()
    if rng.random() < 0.03:  # a few bytes that are not UTF-8
        data += b" \xff\xc3"
    return data[:600] + b"\r\n"


def caps_offered(c):
    c.send("CAP LS 302")
    offered = []
    while True:
        m = c.expect(lambda m: m.command == "CAP")
        offered += [tok.split("=")[0] for tok in m.params[-1].split()]
        if m.params[2] != "*":
            return offered


def fuzzer(srv, nick, oper=False):
    c = srv.client()
    wanted = [cap for cap in caps_offered(c) if cap in ALL_CAPS]
    c.send("CAP REQ :%s" % " ".join(wanted))
    c.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
    c.send("CAP END")
    c.send("NICK %s" % nick)
    c.send("USER fz 0 * :fuzzer")
    c.expect(lambda m: m.command in ("376", "422"))
    if oper:
        c.send("OPER fuzzop sekrit")
        c.expect("381")
    c.send("JOIN #fz")
    return c


def drain(c):
    """Read whatever is waiting, so no sendq fills up; never blocks."""
    c.sock.setblocking(False)
    try:
        while c.sock.recv(65536):
            pass
    except OSError:  # nothing more for now, or the connection is gone
        pass


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()


# More seeds or lines for a longer hunt: FUZZ_SEEDS=1-200 FUZZ_LINES=3000.
def seeds():
    lo, _, hi = os.environ.get("FUZZ_SEEDS", "1-4").partition("-")
    return range(int(lo), int(hi or lo) + 1)


LINES = int(os.environ.get("FUZZ_LINES", "600"))


@pytest.mark.parametrize("seed", seeds())
def test_random_commands_never_hurt_anyone_else(make_server, oper_hash, seed):
    srv = make_server("\n[oper fuzzop]\npassword = %s\nmask = *@127.0.0.1\n"
                      "privileges = kill rehash wallops\n" % oper_hash)
    rng = random.Random(seed)
    bystander = srv.client().register("bystander")
    bystander.send("JOIN #safe")
    bystander.expect("366")
    fuzzers = [fuzzer(srv, "fz1", oper=True), fuzzer(srv, "fz2"), fuzzer(srv, "fz3")]
    raw = srv.client()
    for i in range(LINES):
        target = rng.randrange(len(fuzzers) + 1)
        conn = raw if target == len(fuzzers) else fuzzers[target]
        try:
            conn.sock.sendall(fuzz_line(rng))
        except OSError:  # KILLed, K-lined, QUIT...: a fresh one takes its place
            if conn is raw:
                raw = srv.client()
            else:
                fuzzers[target] = srv.client()
        if i % 25 == 0:
            for c in fuzzers + [raw]:
                drain(c)
    # The bystander, which never sent anything odd, is served as before.
    bystander.sock.settimeout(5)
    talker = srv.client().register("talker")
    talker.send("JOIN #safe")
    talker.expect("366")
    talker.send("PRIVMSG #safe :still here")
    got = bystander.expect(lambda m: m.command == "PRIVMSG")
    assert got.params == ["#safe", "still here"]
    bystander.send("PING :alive")
    assert bystander.expect("PONG").params[-1] == "alive"
    for c in fuzzers + [raw, talker, bystander]:
        c.close()
    srv.stop()  # exit code 0 and no sanitizer report, or it fails here
