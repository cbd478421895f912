import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorMiddleware } from './errors';
import { defineRoute, mountRoutes, type Authenticators } from './route';

/** With checkResponses on (as in every API test), an answer its declared schema refuses is a 500, not a silent drift. */
describe('mountRoutes: response check', () => {
  let url = '';
  let close = () => {};
  const Answer = z.object({ id: z.string(), count: z.number().int() });
  const routes = [
    defineRoute({
      method: 'get',
      path: '/ok',
      auth: 'none',
      tag: 'Test',
      summary: 'ok',
      responses: { 200: { description: 'ok', schema: Answer } },
      handler: async () => ({ body: { id: 'a', count: 1 } }),
    }),
    defineRoute({
      method: 'get',
      path: '/drift',
      auth: 'none',
      tag: 'Test',
      summary: 'drift',
      responses: { 200: { description: 'ok', schema: Answer } },
      handler: async () => ({ body: { id: 'a', count: '1' } }),
    }),
    defineRoute({
      method: 'get',
      path: '/undeclared',
      auth: 'none',
      tag: 'Test',
      summary: 'undeclared',
      responses: { 200: { description: 'ok', schema: Answer } },
      handler: async () => ({ status: 201, body: { id: 'a', count: 1 } }),
    }),
  ];
  const authn: Authenticators = {
    guard: async () => {},
    workspace: async () => ({ workspaceId: 'w', mode: 'live', keyId: 'k', scopes: [], actor: { type: 'key', id: 'k', label: 'k' } }),
    person: async () => ({ workspaceId: '', mode: 'live', keyId: '', scopes: [], actor: { type: 'user', id: 'u', label: 'u' } }),
    admin: () => {},
    publishable: async () => {},
  };

  beforeAll(async () => {
    const app = express();
    const router = express.Router();
    mountRoutes(router, routes, authn, { checkResponses: true });
    app.use(router);
    app.use(errorMiddleware(pino({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  afterAll(() => close());

  it('passes an answer that matches its schema', async () => {
    const res = await fetch(`${url}/ok`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 'a', count: 1 });
  });

  it('refuses a field of the wrong type and a status the route does not declare', async () => {
    expect((await fetch(`${url}/drift`)).status).toBe(500);
    expect((await fetch(`${url}/undeclared`)).status).toBe(500);
  });
});
