/**
 * The first script a sandbox runs, before the user's module. It receives the only two host functions the isolate
 * ever sees (fetch and log, both taking and giving strings) as arguments, keeps them in its closure (never on
 * globalThis), captures JSON and the other built-ins it relies on before user code can replace them, and returns
 * the object the host drives the execution with. Everything crossing the boundary is a JSON string.
 */
export const PRELUDE = String.raw`(function (hostFetch, hostLog, ctxJson) {
  'use strict';
  const stringify = JSON.stringify, parse = JSON.parse, freeze = Object.freeze, keys = Object.keys;
  const isArray = Array.isArray, str = String, P = Promise, TypeErr = TypeError;
  const promiseResolve = P.resolve.bind(P), then = P.prototype.then;
  const data = parse(ctxJson);

  function show(v) {
    if (typeof v === 'string') return v;
    if (v instanceof Error) return str(v.stack || v.name + ': ' + v.message);
    try { const s = stringify(v); return s === undefined ? str(v) : s; } catch (e) { return str(v); }
  }
  function log() {
    const parts = [];
    for (let i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
    hostLog(parts.join(' '));
  }

  // A few web globals backend functions need (Basic auth, form bodies), in plain JavaScript inside the isolate.
  const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  function btoa(input) {
    const s = str(input);
    let out = '';
    for (let i = 0; i < s.length; i += 3) {
      const a = s.charCodeAt(i), b = i + 1 < s.length ? s.charCodeAt(i + 1) : 0, c = i + 2 < s.length ? s.charCodeAt(i + 2) : 0;
      if (a > 255 || b > 255 || c > 255) throw new TypeErr('btoa: the string has characters outside Latin-1');
      const n = (a << 16) | (b << 8) | c;
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < s.length ? B64[(n >> 6) & 63] : '=') + (i + 2 < s.length ? B64[n & 63] : '=');
    }
    return out;
  }
  function atob(input) {
    const s = str(input).replace(/[\t\n\f\r ]/g, '').replace(/=+$/, '');
    let out = '', bits = 0, acc = 0;
    for (let i = 0; i < s.length; i++) {
      const v = B64.indexOf(s[i]);
      if (v < 0) throw new TypeErr('atob: not base64');
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) { bits -= 8; out += String.fromCharCode((acc >> bits) & 255); }
    }
    return out;
  }
  const formEncode = (s) => encodeURIComponent(s).replace(/%20/g, '+');
  const formDecode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
  class URLSearchParams {
    constructor(init) {
      this.pairs = [];
      if (typeof init === 'string') {
        for (const part of init.replace(/^\?/, '').split('&')) {
          if (!part) continue;
          const i = part.indexOf('=');
          this.pairs.push(i < 0 ? [formDecode(part), ''] : [formDecode(part.slice(0, i)), formDecode(part.slice(i + 1))]);
        }
      } else if (isArray(init)) for (const p of init) this.pairs.push([str(p[0]), str(p[1])]);
      else if (init !== undefined && init !== null) for (const k of keys(init)) this.pairs.push([k, str(init[k])]);
    }
    append(k, v) { this.pairs.push([str(k), str(v)]); }
    set(k, v) { this.delete(k); this.append(k, v); }
    delete(k) { this.pairs = this.pairs.filter((p) => p[0] !== str(k)); }
    get(k) { const p = this.pairs.find((q) => q[0] === str(k)); return p ? p[1] : null; }
    getAll(k) { return this.pairs.filter((q) => q[0] === str(k)).map((q) => q[1]); }
    has(k) { return this.pairs.some((q) => q[0] === str(k)); }
    toString() { return this.pairs.map((p) => formEncode(p[0]) + '=' + formEncode(p[1])).join('&'); }
  }
  for (const [name, value] of [['btoa', btoa], ['atob', atob], ['URLSearchParams', URLSearchParams]])
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  function headersOf(h) {
    const out = {};
    if (h === undefined || h === null) return out;
    if (isArray(h)) { for (const pair of h) out[str(pair[0]).toLowerCase()] = str(pair[1]); return out; }
    if (typeof h === 'object') { for (const k of keys(h)) out[k.toLowerCase()] = str(h[k]); return out; }
    throw new TypeErr('ctx.fetch: headers must be an object or a list of [name, value] pairs');
  }
  function responseOf(r) {
    const h = r.headers;
    const headers = freeze({
      get(name) { const v = h[str(name).toLowerCase()]; return v === undefined ? null : v; },
      has(name) { return h[str(name).toLowerCase()] !== undefined; },
      entries() { return keys(h).map((k) => [k, h[k]]); },
      forEach(fn) { for (const k of keys(h)) fn(h[k], k); },
      toJSON() { return h; },
    });
    return freeze({
      ok: r.status >= 200 && r.status < 300, status: r.status, statusText: r.statusText, url: r.url, headers,
      text() { return promiseResolve(r.body); },
      json() { return promiseResolve().then(() => parse(r.body)); },
    });
  }
  function fetch(url, init) {
    return promiseResolve().then(() => {
      const o = init === undefined || init === null ? {} : init;
      if (typeof o !== 'object') throw new TypeErr('ctx.fetch: init must be an object');
      let body = o.body;
      const headers = headersOf(o.headers);
      if (body instanceof URLSearchParams) {
        body = body.toString();
        if (headers['content-type'] === undefined) headers['content-type'] = 'application/x-www-form-urlencoded;charset=UTF-8';
      }
      if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeErr('ctx.fetch: body must be a string or URLSearchParams (use JSON.stringify)');
      const req = { url: str(url), method: o.method === undefined ? 'GET' : str(o.method).toUpperCase(), headers };
      if (typeof body === 'string') req.body = body;
      return hostFetch(stringify(req));
    }).then((answer) => responseOf(parse(answer)));
  }

  const secrets = freeze(Object.assign(Object.create(null), data.secrets));
  const ctx = freeze({
    secrets, fetch, log, idempotencyKey: data.idempotencyKey, mode: data.mode,
    run: freeze(Object.assign(Object.create(null), data.run)),
  });
  globalThis.console = freeze({ log: log, info: log, warn: log, error: log, debug: log });

  function describe(e) {
    try {
      if (e !== null && typeof e === 'object')
        return stringify({ name: str(e.name === undefined ? 'Error' : e.name), message: str(e.message === undefined ? show(e) : e.message), stack: str(e.stack === undefined ? '' : e.stack) });
      return stringify({ name: 'Error', message: 'a non-error value was thrown: ' + show(e), stack: '' });
    } catch (err) {
      return stringify({ name: 'Error', message: 'an error that cannot be described was thrown', stack: '' });
    }
  }
  function toJson(v) {
    const s = stringify(v === undefined ? null : v);
    return s === undefined ? 'null' : s;
  }
  return freeze({
    start(ns, inputJson) {
      const f = ns.default;
      if (typeof f !== 'function') throw new TypeErr('the default export is not a function: write export default async function (input, ctx) { … }');
      return then.call(promiseResolve(), () => f(parse(inputJson), ctx)).then(toJson);
    },
    describe,
  });
})`;
