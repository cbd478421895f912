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
      const body = o.body;
      if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeErr('ctx.fetch: body must be a string (use JSON.stringify)');
      const req = { url: str(url), method: o.method === undefined ? 'GET' : str(o.method).toUpperCase(), headers: headersOf(o.headers) };
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
