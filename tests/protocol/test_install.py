"""The command line, evircd -t on a configuration's files, and make install.

evircd --help/-h and --version/-v; evircd-mkpasswd --help does not hash
"--help"; -t names a missing certificate once, by its clean path, with how
to make one; "make install DESTDIR=..." from the build folder of the binary
under test gives an evircd whose -t accepts the installed configuration, a
systemd unit (that "systemd-analyze verify" accepts and whose "systemd-analyze
security" exposure stays OK), a sysusers.d entry and a logrotate snippet, and
a second install keeps an edited configuration. The unit under a real
systemd: test_install_systemd.py.
"""
import os
import re
import shutil
import subprocess

import pytest


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL, **kw)


@pytest.fixture
def mkpasswd(evircd_bin):
    return os.path.join(os.path.dirname(evircd_bin), "evircd-mkpasswd")


# --------------------------------------------------------------------------
# The command line.

@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_option(evircd_bin, flag):
    r = run([evircd_bin, flag])
    assert r.returncode == 0, r.stderr
    usage = r.stdout.splitlines()[0]
    assert usage.startswith("usage: evircd ")
    for option in ("-c FILE", "-d", "-h", "-t", "-v", "--config-keys", "--help", "--version"):
        opt = option.split()[0]
        if len(opt) == 2:  # a short one: in the "[-dhtv]" group or on its own
            assert re.search(r"\[-[a-z]*%s[a-z]*\]|\[%s" % (opt[1], opt), usage), (opt, usage)
        else:
            assert opt in usage, (opt, usage)
        assert re.search(r"^\s+.*%s" % re.escape(opt), r.stdout, re.M), (opt, r.stdout)


@pytest.mark.parametrize("flag", ["--version", "-v"])
def test_version(evircd_bin, flag):
    r = run([evircd_bin, flag])
    assert r.returncode == 0
    assert re.fullmatch(r"evircd \d+\.\d+\.\d+\n", r.stdout), r.stdout


def test_unknown_option_prints_usage(evircd_bin):
    r = run([evircd_bin, "--no-such-option"])
    assert r.returncode == 2
    assert "usage: evircd" in r.stderr and r.stdout == ""
    r = run([evircd_bin, "stray"])
    assert r.returncode == 2 and "unexpected argument stray" in r.stderr


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_mkpasswd_help_is_not_a_password(mkpasswd, flag):
    r = run([mkpasswd, flag])
    assert r.returncode == 0
    assert r.stdout.startswith("usage: evircd-mkpasswd")
    assert "$scrypt$" not in r.stdout


def test_mkpasswd_hashes_after_double_dash(mkpasswd):
    r = run([mkpasswd, "--", "--help"])
    assert r.returncode == 0 and r.stdout.startswith("$scrypt$"), r.stderr
    r = run([mkpasswd, "-x"])
    assert r.returncode == 2 and "unknown option -x" in r.stderr
    r = subprocess.run([mkpasswd], input="sekrit\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("$scrypt$")


# --------------------------------------------------------------------------
# evircd -t and the files a configuration names.

BASE = """
[server]
name = irc.test
sid = 0TS
database = %(database)s
[listen plain]
host = 127.0.0.1
port = 6667
[class default]
[auth all]
mask = *@*
class = default
"""


def write_conf(tmp_path, extra="", database="../var/ircd.db"):
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir(exist_ok=True)
    path = conf_dir / "ircd.conf"
    path.write_text(BASE % {"database": database} + extra)
    return str(path)


def test_check_missing_certificate_once_with_clean_path(evircd_bin, tmp_path):
    path = write_conf(tmp_path, "[tls]\ncertificate = ../var/tls/cert.pem\n"
                                "key = ../var/tls/key.pem\n")
    r = run([evircd_bin, "-t", "-c", path])
    assert r.returncode == 1
    cert = str(tmp_path.resolve() / "var" / "tls" / "cert.pem")
    lines = [line for line in r.stderr.splitlines() if "cert.pem" in line]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(path + ":0: certificate: " + cert + " does not exist")
    assert "mkcert " + os.path.dirname(cert) in lines[0]
    assert "/../" not in r.stderr and "configuration OK" not in r.stderr


def test_check_made_certificate_passes(evircd_bin, tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.check_call(["sh", os.path.join(root, "tools", "mkcert"), str(tmp_path / "var" / "tls")],
                          stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    path = write_conf(tmp_path, "[tls]\ncertificate = ../var/tls/cert.pem\n"
                                "key = ../var/tls/key.pem\n")
    r = run([evircd_bin, "-t", "-c", path])
    assert r.returncode == 0, r.stderr
    assert r.stderr.rstrip().endswith("configuration OK")


def test_check_notes_files_made_at_start(evircd_bin, tmp_path):
    """A database and cloak key still to be made: noted by their clean paths, not errors."""
    path = write_conf(tmp_path, "[cloak]\nenabled = yes\nkey_file = ../var/deep/cloak.key\n")
    r = run([evircd_bin, "-t", "-c", path])
    assert r.returncode == 0, r.stderr
    var = str(tmp_path.resolve() / "var")
    assert "note: database: %s/ircd.db does not exist yet: made at start" % var in r.stderr
    assert "note: key_file: %s/deep/cloak.key does not exist yet" % var in r.stderr
    assert "/../" not in r.stderr


def test_check_database_folder_that_is_a_file(evircd_bin, tmp_path):
    (tmp_path / "var").write_text("not a folder\n")
    path = write_conf(tmp_path)
    r = run([evircd_bin, "-t", "-c", path])
    assert r.returncode == 1
    var = str(tmp_path.resolve() / "var")
    assert "%s:0: database: %s is not a folder" % (path, var) in r.stderr, r.stderr


def test_server_makes_missing_folders(make_server):
    """What -t calls "made at start" is made: the database's and cloak key's folders."""
    srv = make_server({"server": {"database": "state/db/evircd.db"},
                       "cloak": {"enabled": "yes", "key_file": "state/keys/cloak.key"}})
    srv.client().register("alice")
    assert os.path.exists(os.path.join(srv.dir, "state", "db", "evircd.db"))
    assert os.path.exists(os.path.join(srv.dir, "state", "keys", "cloak.key"))


# --------------------------------------------------------------------------
# make install DESTDIR=...

def build_dir(evircd_bin):
    d = os.path.dirname(evircd_bin)
    if not os.path.exists(os.path.join(d, "Makefile")) or not shutil.which("make"):
        pytest.skip("%s is not an evircd build folder" % d)
    return d


def make_install(builddir, destdir):
    r = run(["make", "-s", "-C", builddir, "install", "DESTDIR=" + str(destdir)])
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def configured(builddir, var):
    """A make variable of the build folder, expanded (GNU make --eval)."""
    r = run(["make", "-s", "-C", builddir, "--no-print-directory",
             "--eval", "print-var: ; @echo $(%s)" % var, "print-var"])
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_make_install_destdir(evircd_bin, tmp_path):
    builddir = build_dir(evircd_bin)
    dest = tmp_path / "dest"
    make_install(builddir, dest)
    sbindir, bindir, sysconfdir, unitdir, sysusersdir, statedir = (
        configured(builddir, v) for v in
        ("sbindir", "bindir", "sysconfdir", "systemdsystemunitdir", "sysusersdir", "statedir"))
    root = str(dest)
    evircd = root + sbindir + "/evircd"
    conf = root + sysconfdir + "/evircd/ircd.conf"
    for f in (evircd, bindir + "/evircd-mkpasswd", bindir + "/evircd-mkcert"):
        f = f if f.startswith(root) else root + f
        assert os.access(f, os.X_OK), f
    assert os.path.exists(root + sysconfdir + "/evircd/ircd.motd")
    # the service's user must read the configuration it starts with
    assert os.stat(root + sysconfdir + "/evircd/ircd.conf").st_mode & 0o004

    # The installed server accepts the installed configuration as it is.
    r = run([evircd, "-t", "-c", conf])
    assert r.returncode == 0, r.stderr
    assert r.stderr.rstrip().endswith(conf + ": configuration OK")
    text = open(conf).read()
    assert "../var" not in text and not re.search(r"@[a-z]+@", text)
    assert "database    = %s/evircd.db" % statedir in text
    # local settings go in conf.d/, read last
    assert text.rstrip().endswith("include conf.d/*.conf")
    assert os.path.isdir(root + sysconfdir + "/evircd/conf.d")

    r = run([root + bindir + "/evircd-mkpasswd", "--help"])
    assert r.returncode == 0 and "usage: evircd-mkpasswd" in r.stdout

    unit = open(root + unitdir + "/evircd.service").read()
    assert not re.search(r"@[a-z]+@", unit)
    assert "ExecStart=%s/evircd -c %s/evircd/ircd.conf\n" % (sbindir, sysconfdir) in unit
    for line in ("Type=notify", "ExecReload=/bin/kill -HUP $MAINPID", "User=evircd",
                 "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes",
                 "ReadWritePaths=-%s -%s" % (statedir, configured(builddir, "logdir"))):
        assert line + "\n" in unit, line
    assert ("ExecStartPre=+/usr/bin/install -d -o evircd -g evircd -m 0750 %s %s\n"
            % (statedir, configured(builddir, "logdir"))) in unit
    assert "u evircd " in open(root + sysusersdir + "/evircd.conf").read()
    rotate = open(root + sysconfdir + "/logrotate.d/evircd").read()
    assert "--signal=USR1" in rotate and not re.search(r"@[a-z]+@", rotate)
    man = configured(builddir, "mandir")
    for page in ("/man8/evircd.8", "/man5/ircd.conf.5"):
        assert os.path.exists(root + man + page), page

    if shutil.which("systemd-analyze"):
        r = run(["systemd-analyze", "verify", root + unitdir + "/evircd.service"])
        bad = [line for line in (r.stdout + r.stderr).splitlines()
               if "Unknown key" in line or "Failed to parse" in line or "Invalid" in line]
        assert not bad, bad
        # The hardening keeps systemd's exposure score "OK" (1.7 of 10 as of
        # this writing; --threshold is in tenths).
        r = run(["systemd-analyze", "security", "--offline=yes", "--root=" + root,
                 "--threshold=25", root + unitdir + "/evircd.service"])
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr
        assert re.search(r"Overall exposure level for evircd\.service: [0-2]\.\d OK", r.stdout), (
            r.stdout[-500:])

    # A second install keeps what the operator changed.
    with open(conf, "a") as f:
        f.write("\n; edited by the operator\n")
    r = make_install(builddir, dest)
    assert "keeping" in r.stdout
    assert open(conf).read().endswith("; edited by the operator\n")
