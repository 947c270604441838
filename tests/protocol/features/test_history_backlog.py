"""The history writer falling behind: [history] write_backlog.

While another process holds the database locked (a backup, say), the
history writer waits up to 5 s a batch; lines keep coming. Past
write_backlog lines waiting for the writer, new batches are kept in the
in-memory windows only: the server stays responsive, memory stays bounded,
STATS z and the metrics count the lines not written, and once the lock is
gone lines are written again.
"""
import os
import re
import sqlite3
import subprocess
import time

import pytest

from ircclient import MKPASSWD

LINES = 12000  # three batches of 4096 past a backlog of 4096


@pytest.fixture(scope="module")
def oper_hash():
    return subprocess.check_output([MKPASSWD, "sekrit"]).decode().strip()


def config(oper_hash):
    return ("\n[history]\nwrite_backlog = 4096\nflush_interval = 20\n"
            "\n[oper admin]\npassword = %s\nmask = *@127.0.0.1\nprivileges = all\n" % oper_hash)


def history_stats(op):
    op.send("STATS z")
    for m in op.collect("219"):
        if m.command == "249" and "history window" in m.params[-1]:
            found = re.search(r"(\d+) messages written, (\d+) waiting for the writer, "
                              r"(\d+) not written", m.params[-1])
            assert found, m
            return tuple(int(x) for x in found.groups())
    raise AssertionError("no history line in STATS z")


def wait_for(pred, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in %d s" % timeout)


def test_writer_behind_keeps_lines_in_memory_and_recovers(make_server, oper_hash):
    srv = make_server(config(oper_hash))
    op = srv.client().register("op")
    op.send("OPER admin sekrit")
    op.expect("381")
    talker = srv.client().register("talker")
    talker.send("JOIN #busy")
    talker.expect("366")
    reader = srv.client().register(
        "reader", caps=["draft/chathistory", "batch", "server-time", "message-tags"])
    reader.send("JOIN #busy")
    reader.expect("366")
    talker.send("PRIVMSG #busy :before the lock")
    wait_for(lambda: history_stats(op)[0] >= 2)  # the JOIN and the line

    lock = sqlite3.connect(os.path.join(srv.dir, "evircd.db"), timeout=5, isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # the writer's inserts now wait, 5 s a batch
    try:
        chunk = "".join("PRIVMSG #busy :line %d\r\n" % i for i in range(LINES))
        talker.sock.sendall(chunk.encode())
        talker.send("PING :flooded")
        talker.expect(lambda m: m.command == "PONG" and m.params[-1] == "flooded", timeout=30)
        # The rest of the server answers while the writer waits on the lock.
        started = time.time()
        op.send("PING :alive")
        op.expect(lambda m: m.command == "PONG" and m.params[-1] == "alive")
        assert time.time() - started < 2
        written, waiting, unwritten = wait_for(
            lambda: (lambda s: s if s[2] > 0 else None)(history_stats(op)))
        assert waiting <= 4096 + 4096, (written, waiting, unwritten)
        assert unwritten >= LINES - 2 * 4096, (written, waiting, unwritten)
        assert "the database writer is" in srv.log_text()
        # The newest lines are still answered, from memory.
        reader.send("PING :drained")
        reader.expect(lambda m: m.command == "PONG" and m.params[-1] == "drained", timeout=30)
        reader.send("CHATHISTORY LATEST #busy * 5")
        lines = [m.params[-1] for m in reader.collect(
            lambda m: m.command == "BATCH" and m.params[0].startswith("-"))
            if m.command == "PRIVMSG"]
        assert lines == ["line %d" % i for i in range(LINES - 5, LINES)], lines
    finally:
        lock.execute("ROLLBACK")
        lock.close()

    # Lock gone: the writer catches up and new lines are written again.
    before = wait_for(lambda: (lambda s: s if s[1] == 0 else None)(history_stats(op)))
    talker.send("PRIVMSG #busy :after the lock")
    wait_for(lambda: history_stats(op)[0] > before[0])
    db = sqlite3.connect(os.path.join(srv.dir, "evircd.db"))
    try:
        assert db.execute("SELECT count(*) FROM history WHERE body LIKE '%after the lock'"
                          ).fetchone()[0] == 1
    finally:
        db.close()
