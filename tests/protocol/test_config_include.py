"""The include directive: "include PATTERN" on a line of its own.

A path or glob relative to the including file's folder, read in sorted order
as if its lines stood there; an included file starts outside any section;
relative paths in it resolve against its own folder; errors name the file
and line where they are; a plain name must exist, a glob may match nothing;
a loop stops with an error.
"""
import socket
import subprocess
import time

from ts6 import free_port

BASE = """[server]
name = irc.test
sid = 0TS
database = var/ircd.db
[listen plain]
host = 127.0.0.1
port = 6667
[class default]
[auth all]
mask = *@*
class = default
"""


def check(evircd_bin, path):
    return subprocess.run([evircd_bin, "-t", "-c", str(path)], capture_output=True, text=True,
                          timeout=20, stdin=subprocess.DEVNULL)


def test_include_glob_and_file(evircd_bin, tmp_path):
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "10-admin.conf").write_text("[admin]\nname = First\n")
    (tmp_path / "conf.d" / "20-limits.conf").write_text("[limits]\nnicklen = 20\n")
    (tmp_path / "conf.d" / "ignored.txt").write_text("not ini at all\n")
    (tmp_path / "local.conf").write_text("[oper alice]\ncertfp = %s\n" % ("ab" * 32))
    main = tmp_path / "ircd.conf"
    main.write_text(BASE + "include conf.d/*.conf\ninclude local.conf\ninclude empty.d/*.conf\n")
    r = check(evircd_bin, main)
    assert r.returncode == 0, r.stderr
    assert r.stderr.rstrip().endswith("configuration OK")


def test_errors_name_the_included_file_and_line(evircd_bin, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "opers.conf").write_text(
        "; opers\n[oper bob]\npassword = plain-text\nmasks = *@*\n")
    (tmp_path / "local.conf").write_text("[admin]\nname = X\nbogus = 1\ninclude sub/opers.conf\n")
    main = tmp_path / "ircd.conf"
    main.write_text(BASE + "include local.conf\n[limits]\nnicklen = many\n")
    r = check(evircd_bin, main)
    assert r.returncode == 1
    local, opers = str(tmp_path / "local.conf"), str(tmp_path / "sub" / "opers.conf")
    assert "%s:3: bogus: unknown key in [admin]" % local in r.stderr, r.stderr
    assert "%s:3: password: not a password hash" % opers in r.stderr, r.stderr
    # the including file's own lines keep their numbers
    assert "%s:14: nicklen:" % main in r.stderr, r.stderr


def test_keys_of_an_included_file_need_its_own_section(evircd_bin, tmp_path):
    (tmp_path / "tail.conf").write_text("nicklen = 20\n")
    main = tmp_path / "ircd.conf"
    main.write_text(BASE + "[limits]\ninclude tail.conf\n")
    r = check(evircd_bin, main)
    assert r.returncode == 1
    assert "%s:1: nicklen: key outside any section" % (tmp_path / "tail.conf") in r.stderr


def test_missing_file_and_loop(evircd_bin, tmp_path):
    main = tmp_path / "ircd.conf"
    main.write_text(BASE + "include nothere.conf\n")
    r = check(evircd_bin, main)
    assert r.returncode == 1
    assert "%s:12: include: %s: cannot open" % (main, tmp_path / "nothere.conf") in r.stderr

    main.write_text(BASE + "include = local.conf\n")
    r = check(evircd_bin, main)
    assert r.returncode == 1
    assert "%s:12: include: write \"include PATTERN\", without '='" % main in r.stderr

    (tmp_path / "loop.conf").write_text("include loop.conf\n")
    main.write_text(BASE + "include loop.conf\n")
    r = check(evircd_bin, main)
    assert r.returncode == 1
    assert "includes nested more than" in r.stderr


def test_relative_paths_in_an_included_file(evircd_bin, tmp_path):
    """[server] database set in sub/db.conf resolves against sub/."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "db.conf").write_text("[server]\ndatabase = ../state/ircd.db\n")
    main = tmp_path / "ircd.conf"
    main.write_text(BASE + "include sub/db.conf\n")
    r = check(evircd_bin, main)
    assert r.returncode == 0, r.stderr
    assert "%s does not exist yet" % (tmp_path.resolve() / "state" / "ircd.db") in r.stderr


def test_server_uses_included_settings(make_server, tmp_path):
    """A running server takes [admin] from an included file (here by absolute path)."""
    (tmp_path / "local.conf").write_text("[admin]\nname = Included Admin\n")
    srv = make_server(extra="include %s\n" % (tmp_path / "local.conf"))
    c = srv.client()
    c.register("alice")
    c.send("ADMIN")
    lines = c.collect_until("259")
    assert any(m.command == "257" and m.params[-1] == "Included Admin" for m in lines), lines


def test_include_of_a_device_fifo_or_folder_is_refused(evircd_bin, tmp_path):
    """Only regular files are read: /dev/zero never ends and a FIFO blocks the
    open, which in a rehash would stall the whole server."""
    import os
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    (tmp_path / "folder").mkdir()
    main = tmp_path / "ircd.conf"
    main.write_text(BASE + "include /dev/zero\ninclude fifo\ninclude folder\n")
    r = check(evircd_bin, main)  # bounded by check()'s timeout: a hang fails here
    assert r.returncode == 1
    for name in ("/dev/zero", str(fifo), str(tmp_path / "folder")):
        assert "include: %s: cannot open: not a regular file" % name in r.stderr, r.stderr
    r = check(evircd_bin, "/dev/zero")
    assert r.returncode == 1
    assert "/dev/zero:0: file: cannot open: not a regular file" in r.stderr, r.stderr


def test_glob_including_itself_is_bounded(evircd_bin, tmp_path):
    """'include *' matches the including file: each copy includes it again, and
    three such lines were 3^8 file reads before the depth limit (found by
    tests/fuzz fuzz_conf); six are 6^8, minutes. The number of included files
    is bounded instead."""
    main = tmp_path / "ircd.conf"
    main.write_text(BASE + "include *\n" * 6)
    r = check(evircd_bin, main)  # check() times out after 20 s
    assert r.returncode == 1
    assert "more than 256 files included in all (a loop?)" in r.stderr, r.stderr[-2000:]


def _accepts(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def test_a_listen_block_given_again_is_the_same_listener(evircd_bin, tmp_path):
    """A conf.d file that names [listen plain] again changes that listener (its
    port here), as later keys override earlier ones; it does not add one."""
    first, second = free_port(), free_port()
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "port.conf").write_text("[listen plain]\nport = %d\n" % second)
    main = tmp_path / "ircd.conf"
    main.write_text(BASE.replace("port = 6667", "port = %d" % first) +
                    "[dns]\nenabled = no\ninclude conf.d/*.conf\n")
    proc = subprocess.Popen([evircd_bin, "-c", str(main)], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 20
        while not _accepts(second):
            assert proc.poll() is None, proc.stderr.read()
            assert time.time() < deadline, "no listener on the conf.d port"
            time.sleep(0.05)
        assert not _accepts(first)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
