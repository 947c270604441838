// driver.js - headless Chromium for the browser tests, driven over stdin/stdout.
//
// Serves pages/ and irc-framework's browser build on a loopback HTTP port,
// starts Chromium (CHROMIUM, default /usr/bin/chromium) with puppeteer-core,
// prints {"ready":true,"http_port":N}, then answers one JSON request per
// line:  {"id":1,"op":"open","url":...} | {"op":"eval","js":...} |
// {"op":"screenshot","path":...} | {"op":"quit"}  ->  {"id":1,"ok":true,"value":...}
// or {"id":1,"ok":false,"error":"..."}.  The caller owns the timeouts.
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const readline = require('readline');
const puppeteer = require('puppeteer-core');

const ROOT = __dirname;
const FILES = {
  '/irc-framework.js': path.join(ROOT, 'node_modules/irc-framework/dist/browser/static/browser.js'),
};
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

function serve(req, res) {
  const url = new URL(req.url, 'http://x');
  let file = FILES[url.pathname];
  if (!file) {
    const name = path.normalize(url.pathname).replace(/^(\.\.[/\\])+/, '');
    file = path.join(ROOT, 'pages', name);
    if (!file.startsWith(path.join(ROOT, 'pages'))) file = null;
  }
  fs.readFile(file || '/nonexistent', (err, data) => {
    if (err) {
      res.writeHead(404);
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
    res.end(data);
  });
}

function reply(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

async function main() {
  const server = http.createServer(serve);
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    acceptInsecureCerts: true,
    // Root in a container has no user namespaces for the sandbox.
    // The wss:// test's certificate is a self-signed one made by the test; the
    // pages and the server are all on loopback (no Local Network Access prompt).
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--ignore-certificate-errors',
      '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests'],
  });
  const page = await browser.newPage();
  const consoleLines = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  page.on('pageerror', (e) => consoleLines.push('pageerror: ' + e.message));
  await page.setViewport({ width: 1000, height: 700 });
  reply({ ready: true, http_port: server.address().port });

  const ops = {
    open: async (r) => {
      await page.goto(r.url, { waitUntil: 'load' });
      return page.url();
    },
    eval: async (r) => page.evaluate(r.js),
    screenshot: async (r) => {
      await page.screenshot({ path: r.path, fullPage: true });
      return r.path;
    },
    console: async () => consoleLines.splice(0),
    quit: async () => {
      await browser.close();
      server.close();
      return true;
    },
  };
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    let r;
    try {
      r = JSON.parse(line);
      const value = await ops[r.op](r);
      reply({ id: r.id, ok: true, value });
      if (r.op === 'quit') break;
    } catch (e) {
      reply({ id: r && r.id, ok: false, error: String(e && e.stack || e) });
    }
  }
  process.exit(0);
}

main().catch((e) => {
  reply({ ready: false, error: String(e && e.stack || e) });
  process.exit(1);
});
