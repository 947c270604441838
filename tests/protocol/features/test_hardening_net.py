"""Transport hardening (issue 11): framing, descriptor exhaustion, TLS stalls,
per-prefix limits, DIE twice, log reopen, descriptors kept from children and
the privilege drop."""
import os
import subprocess
import socket
import time

import pytest

from ircclient import MKPASSWD, Client


def test_bare_cr_never_reaches_members(make_server):
    srv = make_server()
    a = srv.client().register("crsender")
    b = srv.client().register("crmember")
    for c in (a, b):
        c.send("JOIN #cr")
        c.expect("366")
    a.expect(lambda m: m.command == "JOIN" and m.nick == "crmember")
    a.sock.sendall(b"PRIVMSG #cr :bare\rPRIVMSG #cr :second\r\nPRIVMSG #cr :end\r\n")
    seen = [m for m in b.collect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "end")
            if m.command == "PRIVMSG"]
    # The bare CR ended the first line: two messages, neither holding a CR.
    assert [m.params[-1] for m in seen] == ["bare", "second", "end"]
    for m in seen:
        assert "\r" not in m.line


def oper_config(extra=""):
    pw = subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()
    return ("\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n"
            % pw) + extra


@pytest.mark.parametrize("second", ["DIE irc.test", "RESTART irc.test"])
def test_two_shutdowns_in_one_turn_exit_cleanly(make_server, second):
    srv = make_server(oper_config())
    op = srv.client().register("dier")
    op.send("OPER admin sekrit")
    op.expect("381")
    op.sock.sendall(b"DIE irc.test\r\n" + second.encode() + b"\r\n")
    assert "Server terminated by dier" in op.expect("ERROR").params[-1]
    assert srv.proc.wait(10) == 0
    srv.proc = None
    text = srv.log_text()
    for bad in ("AddressSanitizer", "runtime error:", "LeakSanitizer"):
        assert bad not in text, text
