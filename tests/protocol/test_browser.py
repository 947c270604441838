"""Real browser tests: Debian's headless Chromium, driven by puppeteer-core
(tests/browser/driver.js), loads pages that use irc-framework 4.14's browser
build over WebSocket, beside a TCP client here.

Needs chromium, node and npm (tools/deps.sh test installs them) and the npm
packages of tests/browser (installed here with `npm ci` when missing, with
PUPPETEER_SKIP_DOWNLOAD=1: the browser is Debian's). Skipped, with the reason,
only when those cannot be had. Screenshots go to browser-artifacts/ beside
the evircd binary under test.
"""
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time

import pytest

from ts6 import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BINARY = os.environ.get("EVIRCD_BIN") or next(
    (p for p in (os.path.join(ROOT, d, "evircd") for d in ("build-asan", "build")) if os.path.exists(p)),
    os.path.join(ROOT, "build-asan", "evircd"))
ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(BINARY)), "browser-artifacts")


def _npm_ready():
    """'' when tests/browser/node_modules is usable, else why not."""
    if os.path.exists(os.path.join(BROWSER_DIR, "node_modules", "puppeteer-core", "package.json")):
        return ""
    env = dict(os.environ, PUPPETEER_SKIP_DOWNLOAD="1")
    try:
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    except subprocess.TimeoutExpired:
        return "npm ci in tests/browser took over 10 minutes"
    if r.returncode != 0:
        return "npm ci in tests/browser failed:\n" + r.stdout.decode(errors="replace")[-2000:]
    return ""


class Driver:
    """node driver.js: one Chromium page, JSON requests over a pipe, bounded waits."""

    def __init__(self):
        os.makedirs(ARTIFACTS, exist_ok=True)
        for name in os.listdir(ARTIFACTS):  # this run's pictures only
            if name.endswith(".png"):
                os.unlink(os.path.join(ARTIFACTS, name))
        self.log = open(os.path.join(ARTIFACTS, "driver.log"), "ab")
        self.proc = subprocess.Popen(["node", "driver.js"], cwd=BROWSER_DIR,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env=dict(os.environ, CHROMIUM=CHROMIUM))
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        hello = self._line(60)
        if not hello.get("ready"):
            self.stop()
            raise RuntimeError("the browser did not start: %s" % hello.get("error"))
        self.http_port = hello["http_port"]

    def _read(self):
        for raw in self.proc.stdout:
            try:
                self.lines.put(json.loads(raw))
            except ValueError:
                pass
        self.lines.put(None)

    def _line(self, timeout):
        try:
            msg = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError("no answer from the browser driver within %s s" % timeout)
        if msg is None:
            raise AssertionError("the browser driver exited (see %s/driver.log)" % ARTIFACTS)
        return msg

    def call(self, op, timeout=30, **kw):
        self.next_id += 1
        kw.update(id=self.next_id, op=op)
        self.proc.stdin.write((json.dumps(kw) + "\n").encode())
        self.proc.stdin.flush()
        while True:
            msg = self._line(timeout)
            if msg.get("id") == self.next_id:
                break
        if not msg["ok"]:
            raise AssertionError("browser: %s" % msg["error"])
        return msg.get("value")

    def js(self, code, timeout=30):
        """Evaluate code in the page (a Promise is awaited) and return its value."""
        return self.call("eval", js=code, timeout=timeout)

    def open(self, url):
        return self.call("open", url=url)

    def wait(self, cond, ms=10000):
        """Wait in the page until the JS expression cond is true."""
        try:
            return self.js("T.waitFor(() => (%s), %d)" % (cond, ms), timeout=ms / 1000 + 10)
        except AssertionError as e:
            self.screenshot("failure-%d" % self.next_id)
            page_log = self.js("document.getElementById('log').innerText.slice(-4000)")
            console = self.call("console")
            raise AssertionError("%s\npage log:\n%s\nconsole:\n%s"
                                 % (str(e).splitlines()[0], page_log, "\n".join(console)[-2000:]))

    def events(self, who=None, type=None):
        evs = self.js("T.events")
        return [e for e in evs if (who is None or e["who"] == who) and (type is None or e["type"] == type)]

    def screenshot(self, name):
        return self.call("screenshot", path=os.path.join(ARTIFACTS, name + ".png"))

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.call("quit", timeout=15)
            except (AssertionError, OSError):
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self.log.close()


@pytest.fixture(scope="module")
def browser():
    missing = [t for t in ("node", "npm") if shutil.which(t) is None]
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(CHROMIUM)
    if missing:
        pytest.skip("browser tests need %s: `sh tools/deps.sh test` installs them" % ", ".join(missing))
    why = _npm_ready()
    if why:
        pytest.skip(why)
    d = Driver()
    yield d
    d.stop()


def ws_sections(ws_port, origins, extra=None):
    sections = {"listen ws": {"host": "127.0.0.1", "port": str(ws_port), "type": "websocket",
                              "origins": origins}}
    sections.update(extra or {})
    return sections


@pytest.fixture
def Client(conf_tools):
    """The harness's IRC client (tests/protocol/conftest.py)."""
    return conf_tools.Client


@pytest.fixture
def page(browser, make_server):
    """(driver, server, ws_port): a server whose WebSocket listener allows the test pages."""
    ws_port = free_port()
    origin = "http://127.0.0.1:%d" % browser.http_port
    srv = make_server(ws_sections(ws_port, origin))
    browser.open(origin + "/irc.html")
    return browser, srv, ws_port


def test_irc_framework_chats_with_a_tcp_client_and_reconnects(page, Client):
    b, srv, ws_port = page
    b.js("T.ircConnect('web', {port: %d, nick: 'webber', channel: '#browser'})" % ws_port)
    b.wait("T.events.some(e => e.who === 'web' && e.type === 'join' && e.nick === 'webber')")

    tcp = Client(srv.port).connect().register("tcpfriend")
    tcp.join("#browser")
    b.wait("T.events.some(e => e.type === 'join' && e.nick === 'tcpfriend')")
    for i in range(5):
        tcp.send("PRIVMSG #browser :from tcp %d \u00e9\u00e8" % i)
    b.wait("T.count('web', 'privmsg') >= 5")
    got = [e["message"] for e in b.events("web", "privmsg")]
    assert got == ["from tcp %d \u00e9\u00e8" % i for i in range(5)]

    for i in range(5):
        b.js("T.say('web', '#browser', 'from the browser %d')" % i)
    texts = [tcp.expect("PRIVMSG").params[1] for _ in range(5)]
    assert texts == ["from the browser %d" % i for i in range(5)]

    tcp.send("PART #browser :leaving now")
    b.wait("T.events.some(e => e.type === 'part' && e.nick === 'tcpfriend')")
    part = b.events("web", "part")[-1]
    assert part["channel"] == "#browser" and part["message"] == "leaving now"
    tcp.send("WHOIS webber")
    assert "WebSocket" in tcp.expect("320").params[-1]
    b.screenshot("irc-framework-chat")

    # The server restarts: irc-framework reconnects by itself and rejoins.  It
    # only reconnects a connection registered over 5 s ago (its guard against
    # networks that kill right after registering): wait for that first.
    b.wait("Date.now() - T.events.find(e => e.who === 'web' && e.type === 'registered').at > 5500",
           15000)
    srv.stop()
    b.wait("T.count('web', 'reconnecting') >= 1", 15000)
    srv.start()
    b.wait("T.count('web', 'registered') >= 2", 40000)
    b.wait("T.events.filter(e => e.who === 'web' && e.type === 'join' && e.nick === 'webber').length >= 2")
    tcp2 = Client(srv.port).connect().register("tcpagain")
    tcp2.join("#browser")
    tcp2.send("PRIVMSG #browser :welcome back")
    b.wait("T.events.some(e => e.type === 'privmsg' && e.message === 'welcome back')")
    b.js("T.say('web', '#browser', 'glad to be back')")
    assert tcp2.expect("PRIVMSG").params == ["#browser", "glad to be back"]
    b.screenshot("irc-framework-reconnected")
    b.js("T.quit('web', 'done')")
    assert tcp2.expect("QUIT").nick == "webber"


def test_raw_websocket_subprotocols_framing_and_limits(page):
    b, srv, ws_port = page
    url = "ws://127.0.0.1:%d/" % ws_port
    for name, protocols, want, binary in [("bin", ["binary.ircv3.net"], "binary.ircv3.net", True),
                                          ("txt", ["text.ircv3.net"], "text.ircv3.net", False),
                                          ("both", ["binary.ircv3.net", "text.ircv3.net"], "binary.ircv3.net", True),
                                          ("none", None, "", False)]:
        b.js("T.rawOpen(%s, %s, %s)" % (json.dumps(name), json.dumps(url), json.dumps(protocols)))
        b.wait("T.count(%s, 'open') === 1" % json.dumps(name))
        assert b.events(name, "open")[0]["protocol"] == want
        nick = "raw" + name
        b.js("T.rawSend(%s, 'NICK %s', %s)" % (json.dumps(name), nick, json.dumps(binary)))
        b.js("T.rawSend(%s, 'USER u 0 * :raw socket\\r\\n', %s)" % (json.dumps(name), json.dumps(binary)))
        b.wait("T.messages(%s).some(m => m.text.includes(' 376 ') || m.text.includes(' 422 '))"
               % json.dumps(name))
        msgs = b.events(name, "message")
        assert all(m["binary"] == binary for m in msgs), msgs
        # One IRC line per message, no CR or LF in it.
        assert all("\n" not in m["text"] and "\r" not in m["text"] for m in msgs)
        assert any(" 001 %s " % nick in m["text"] for m in msgs)

    # The limits: a message over the longest line closes with 1009.
    b.js("T.rawSend('txt', 'PRIVMSG rawbin :' + 'x'.repeat(9000), false)")
    b.wait("T.count('txt', 'wsclose') === 1")
    assert b.events("txt", "wsclose")[0]["code"] == 1009
    # A clean close from the page: the server answers it.
    b.js("T.sockets['none'].close(1000, 'bye')")
    b.wait("T.count('none', 'wsclose') === 1")
    assert b.events("none", "wsclose")[0]["clean"] is True
    b.screenshot("raw-websocket")


def test_origin_not_allowed_is_refused(browser, make_server):
    ws_port = free_port()
    srv = make_server(ws_sections(ws_port, "http://127.0.0.1:%d" % browser.http_port))
    # The same pages from another origin (localhost is not 127.0.0.1 to a browser).
    browser.open("http://localhost:%d/irc.html" % browser.http_port)
    browser.js("T.rawOpen('evil', 'ws://127.0.0.1:%d/', ['text.ircv3.net'])" % ws_port)
    browser.wait("T.count('evil', 'wsclose') === 1")
    assert browser.events("evil", "open") == []
    assert browser.events("evil", "wsclose")[0]["code"] == 1006  # the handshake failed (403)
    browser.screenshot("origin-refused")


def test_webirc_through_irc_framework(browser, make_server, Client):
    ws_port = free_port()
    origin = "http://127.0.0.1:%d" % browser.http_port
    srv = make_server(ws_sections(ws_port, origin, {
        "webirc kiwi": {"password": "gatewaysecret", "hosts": "127.0.0.1"}}))
    browser.open(origin + "/irc.html")
    browser.js("T.ircConnect('gw', {port: %d, nick: 'gwuser', channel: '#gw', webirc: "
               "{password: 'gatewaysecret', username: 'KiwiIRC', hostname: 'browser.example.net', "
               "address: '192.0.2.77', options: {secure: true}}})" % ws_port)
    browser.wait("T.events.some(e => e.who === 'gw' && e.type === 'join')")
    tcp = Client(srv.port).connect().register("checker")
    tcp.send("WHOIS gwuser")
    user = tcp.expect("311")
    assert user.params[3] == "browser.example.net"
    special = [tcp.expect("320").params[-1] for _ in range(2)]
    assert any("WebIRC gateway kiwi" in s for s in special), special
    # Plain ws:// to the server: the gateway's "secure" cannot make it TLS.
    browser.screenshot("webirc")


def test_irc_framework_over_wss(browser, make_server, Client, tmp_path):
    """wss://: a TLS websocket listener, irc-framework with tls: true."""
    # A certificate as browsers take them (at most 398 days, the address in
    # its names); the browser is told to accept it although no CA signed it.
    (tmp_path / "tls").mkdir()
    subprocess.check_call(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "30",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                           "-addext", "extendedKeyUsage=serverAuth",
                           "-keyout", str(tmp_path / "tls" / "key.pem"),
                           "-out", str(tmp_path / "tls" / "cert.pem")], stderr=subprocess.DEVNULL)
    ws_port = free_port()
    origin = "http://127.0.0.1:%d" % browser.http_port
    sections = ws_sections(ws_port, origin, {
        "tls": {"certificate": str(tmp_path / "tls" / "cert.pem"), "key": str(tmp_path / "tls" / "key.pem")}})
    sections["listen ws"]["tls"] = "yes"
    srv = make_server(sections)
    browser.open(origin + "/irc.html")
    browser.js("T.ircConnect('wss', {port: %d, nick: 'secureweb', channel: '#tls', tls: true})" % ws_port)
    browser.wait("T.events.some(e => e.who === 'wss' && e.type === 'join' && e.nick === 'secureweb')")
    tcp = Client(srv.port).connect().register("tlswatch")
    tcp.join("#tls")
    browser.js("T.say('wss', '#tls', 'over wss')")
    assert tcp.expect("PRIVMSG").params == ["#tls", "over wss"]
    tcp.send("WHOIS secureweb")
    assert tcp.expect("671").params[1] == "secureweb"
    browser.screenshot("irc-framework-wss")
