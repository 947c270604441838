"""Anope 2.0 services (Debian's package) on loopback, for the linking tests.

    a = Anope(uplink_port, password="svcpass", name="services.test", sid="9SV")
    a.start()          # dials evircd's [listen servers]; returns once synced
    ...
    a.stop()           # SIGTERM by PID, then SIGKILL after 10 s

The config is Debian's /etc/anope/*.conf, copied into a folder of its own
with the uplink, serverinfo, protocol module (hybrid) and mail (off) set.
Anope needs no root: when we are root it runs as nobody (setpriv execs, so
the PID we hold is Anope's), in the foreground (--nofork). Everything stays
on 127.0.0.1; every wait is bounded.
"""
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time

import ts6

ANOPE = "/usr/sbin/anope"
CONF_DIR = "/etc/anope"
MODULES_DIR = "/usr/lib/anope"  # Anope adds "modules/"


def missing():
    """Why Anope cannot run here, or None."""
    if not os.access(ANOPE, os.X_OK):
        return "Debian's anope is not installed (tools/deps.sh test installs it)"
    if not os.path.isfile(os.path.join(CONF_DIR, "services.conf")):
        return "anope's example configuration is missing from %s" % CONF_DIR
    if os.getuid() == 0 and shutil.which("setpriv") is None:
        return "setpriv (util-linux) is needed to run anope as nobody"
    return None


class Anope:
    def __init__(self, uplink_port, password, name="services.test", sid="9SV", keep_dir=None):
        self.uplink_port, self.password = uplink_port, password
        self.name, self.sid = name, sid
        self.keep_dir = keep_dir
        self.dir = None
        self.proc = None
        self.output = None
        self.final_log = ""

    def _config(self):
        with open(os.path.join(CONF_DIR, "services.conf")) as f:
            s = f.read()
        uplink = ('uplink\n{\n\thost = "127.0.0.1"\n\tipv6 = no\n\tssl = no\n'
                  '\tport = %d\n\tpassword = "%s"\n}' % (self.uplink_port, self.password))
        serverinfo = ('serverinfo\n{\n\tname = "%s"\n\tdescription = "Anope for evircd tests"\n'
                      '\tid = "%s"\n\tpid = "%s/anope.pid"\n\tmotd = "%s/services.motd"\n}'
                      % (self.name, self.sid, self.dir, self.dir))
        checks = [
            (r'uplink\n\{.*?\n\}', uplink),
            (r'serverinfo\n\{.*?\n\}', serverinfo),
            (r'module\n\{\n\tname = "inspircd3".*?\n\}',
             'module\n{\n\tname = "hybrid"\n\tuse_server_side_mlock = yes\n}'),
            (r'usemail = yes', 'usemail = no'),
        ]
        for pattern, repl in checks:
            s, n = re.subn(pattern, lambda _m: repl, s, count=1, flags=re.S)
            if n != 1:
                raise RuntimeError("anope: %s not found in %s/services.conf" % (pattern, CONF_DIR))
        return s

    def start(self, timeout=20):
        """Write the config, start Anope; returns once it has synced with its uplink."""
        self.dir = tempfile.mkdtemp(prefix="evircd-anope-")
        for f in glob.glob(os.path.join(CONF_DIR, "*.conf")) + [os.path.join(CONF_DIR, "services.motd")]:
            if os.path.isfile(f):
                shutil.copy(f, self.dir)
        with open(os.path.join(self.dir, "services.conf"), "w") as f:
            f.write(self._config())
        for sub in ("data", "logs"):
            os.mkdir(os.path.join(self.dir, sub))
        cmd = [ANOPE, "--nofork", "--confdir=" + self.dir, "--dbdir=" + os.path.join(self.dir, "data"),
               "--logdir=" + os.path.join(self.dir, "logs"), "--modulesdir=" + MODULES_DIR]
        if os.getuid() == 0:
            nobody = pwd.getpwnam("nobody")
            for root, dirs, files in os.walk(self.dir):
                for p in [root] + [os.path.join(root, x) for x in dirs + files]:
                    os.chown(p, nobody.pw_uid, nobody.pw_gid)
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + cmd
        self.output = open(os.path.join(self.dir, "output.log"), "w")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.output,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        deadline = time.monotonic() + timeout
        # "SERVER: <uplink> ... is done syncing", then the same of itself
        while self.log().count("is done syncing") < 2:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                why = ("exited with %s" % self.proc.returncode if self.proc.poll() is not None
                       else "not synced after %s s" % timeout)
                text = self.log()
                self.stop()
                raise RuntimeError("anope %s:\n%s" % (why, text))
            time.sleep(0.05)
        return self

    def log(self):
        """Anope's output (its log lines, the "Module loaded" noise left out)."""
        if self.dir is None:
            return self.final_log
        try:
            with open(os.path.join(self.dir, "output.log"), errors="replace") as f:
                return "".join(l for l in f if "cannot open" not in l and "Module " not in l)
        except OSError:
            return ""

    def stop(self):
        """SIGTERM by PID, wait up to 10 s (then SIGKILL); keep the log."""
        ts6.stop_process(self.proc)
        if self.output is not None:
            self.output.close()
            self.output = None
        if self.dir is not None:
            self.final_log = self.log()
            if self.keep_dir is not None:
                with open(os.path.join(str(self.keep_dir), "anope-%s.log" % self.name), "w") as f:
                    f.write(self.final_log)
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
