// harness.js - what the browser tests run in the page; results are read
// back by the test through window.T (puppeteer page.evaluate).
'use strict';
window.T = {
  events: [], // everything that happened, in order
  clients: {},
  sockets: {},
};

function show(cls, text) {
  const div = document.createElement('div');
  div.className = cls;
  div.textContent = new Date().toISOString().slice(11, 23) + ' ' + text;
  document.getElementById('log').appendChild(div);
}

function record(who, type, data) {
  const e = Object.assign({ who, type, at: Date.now() }, data || {});
  T.events.push(e);
  show(type === 'error' ? 'err' : 'ev', who + ' ' + type + ' ' + JSON.stringify(data || {}));
}

// Resolve when cond() is true (polled), reject after ms.
T.waitFor = function (cond, ms) {
  return new Promise((resolve, reject) => {
    const until = Date.now() + (ms || 10000);
    (function poll() {
      let v;
      try { v = cond(); } catch (e) { v = false; }
      if (v) return resolve(v);
      if (Date.now() > until) return reject(new Error('timed out: ' + cond.toString()));
      setTimeout(poll, 20);
    })();
  });
};

T.count = (who, type) => T.events.filter((e) => e.who === who && e.type === type).length;

// An irc-framework client over WebSocket.  opts: {port, nick, channel, protocol, webirc}.
T.ircConnect = function (name, opts) {
  const IrcFramework = window['irc-framework'];
  // connect() takes the options (the constructor's are replaced by them).
  const options = {
    host: '127.0.0.1',
    port: opts.port,
    path: '/',
    tls: !!opts.tls,
    nick: opts.nick,
    username: 'web',
    gecos: 'irc-framework in Chromium',
    auto_reconnect: true,
    auto_reconnect_max_wait: 500,
    auto_reconnect_max_retries: 30,
    ping_interval: 30,
    websocket_protocol: opts.protocol === undefined ? 'text.ircv3.net' : opts.protocol,
    webirc: opts.webirc,
  };
  const client = new IrcFramework.Client(options);
  T.clients[name] = client;
  client.on('registered', () => {
    record(name, 'registered', { nick: client.user.nick });
    document.getElementById('status').textContent = name + ' registered as ' + client.user.nick;
    if (opts.channel) client.join(opts.channel);
  });
  client.on('join', (e) => record(name, 'join', { nick: e.nick, channel: e.channel }));
  client.on('part', (e) => record(name, 'part', { nick: e.nick, channel: e.channel, message: e.message }));
  client.on('quit', (e) => record(name, 'quit', { nick: e.nick, message: e.message }));
  client.on('privmsg', (e) => record(name, 'privmsg', { nick: e.nick, target: e.target, message: e.message }));
  client.on('whois', (e) => record(name, 'whois', { nick: e.nick, hostname: e.hostname, actual_ip: e.actual_ip, actual_hostname: e.actual_hostname, secure: !!e.secure, special: e.special }));
  client.on('reconnecting', (e) => record(name, 'reconnecting', { attempt: e.attempt }));
  client.on('close', () => record(name, 'close'));
  client.on('socket close', () => record(name, 'socket close'));
  client.on('raw', (e) => show(e.from_server ? 'in' : 'out', (e.from_server ? '<< ' : '>> ') + e.line));
  client.connect(options);
  return true;
};

T.say = function (name, target, text) {
  T.clients[name].say(target, text);
  return true;
};

T.raw = function (name, line) {
  T.clients[name].raw(line);
  return true;
};

T.quit = function (name, msg) {
  T.clients[name].quit(msg || 'bye');
  return true;
};

// A raw WebSocket: every message and the close are recorded.
T.rawOpen = function (name, url, protocols) {
  const ws = protocols === null ? new WebSocket(url) : new WebSocket(url, protocols);
  ws.binaryType = 'arraybuffer';
  T.sockets[name] = ws;
  ws.onopen = () => record(name, 'open', { protocol: ws.protocol });
  ws.onerror = () => record(name, 'error');
  ws.onclose = (e) => record(name, 'wsclose', { code: e.code, reason: e.reason, clean: e.wasClean });
  ws.onmessage = (e) => {
    const binary = e.data instanceof ArrayBuffer;
    const text = binary ? new TextDecoder('utf-8', { fatal: false }).decode(e.data) : e.data;
    record(name, 'message', { binary, text });
  };
  return true;
};

T.rawSend = function (name, data, asBinary) {
  const ws = T.sockets[name];
  ws.send(asBinary ? new TextEncoder().encode(data) : data);
  return true;
};

T.messages = (name) => T.events.filter((e) => e.who === name && e.type === 'message');
