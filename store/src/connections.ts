import crypto from 'node:crypto';
import type { RunMode } from '#core/catalog-sdk';
import {
  clientSecretNames,
  GenericProviderConfig,
  OAUTH_STATE_TTL_MS,
  refreshDueAt,
  resolveProvider,
  type ConnectionStatus,
  type OAuth2Provider,
} from '#core/oauth';
import type { Db } from './database';
import { nowIso } from './database';
import { OAuthProtocol, OAuthRequestError, type ClientCredentials } from './oauth-protocol';
import type { SecretStore } from './secrets';

/**
 * OAuth connections: authorization (state + PKCE, bound to a browser session), tokens in the encrypted store, and
 * access tokens handed to actions, refreshed before they expire with one refresh at a time per connection side
 * across every process (a lease row in the shared database). See docs/oauth.md.
 */

export const ConnectionErrorKinds = ['not-found', 'needs-reconnect', 'client-missing', 'refused', 'transient'] as const;
export type ConnectionErrorKind = (typeof ConnectionErrorKinds)[number];

/** A connection problem with a message for people: what, which connection, what to do. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly kind: ConnectionErrorKind,
    message: string,
    readonly connectionId?: string,
  ) {
    super(message);
  }
}

export interface ConnectionSide {
  status: ConnectionStatus;
  scopes: string[];
  expiresAt: string | null;
  lastRefreshAt: string | null;
  refreshCount: number;
  lastError: string | null;
  connectedAt: string;
}

export interface ConnectionSummary {
  id: string;
  provider: string;
  name: string;
  createdAt: string;
  live: ConnectionSide | null;
  test: ConnectionSide | null;
}

interface StoredTokens {
  accessToken: string;
  refreshToken?: string;
  tokenType: string;
}

const LEASE_MS = 30_000;
const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const tokenBinding = (ws: string, connectionId: string, mode: RunMode) => `oauth-token:${ws}:${connectionId}:${mode}`;
const verifierBinding = (ws: string, stateHash: string) => `oauth-verifier:${ws}:${stateHash}`;

export function newConnectionId(): string {
  // 20 characters of [a-z0-9] (CONNECTION_ID_PATTERN).
  return `con_${crypto.randomBytes(10).toString('hex')}`;
}

export interface ConnectionsOptions {
  /** The transport of token requests (tests, or a guarded fetch). */
  fetch?: typeof fetch;
  /** Who holds a refresh lease: unique per process. */
  owner?: string;
  /** Counts refreshes done here (tests and metrics). */
  onRefresh?: (connectionId: string, mode: RunMode) => void;
}

export class Connections {
  private readonly owner: string;
  /** Concurrent callers in this process share one wait for a fresh token. */
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly db: Db,
    private readonly secrets: SecretStore,
    private readonly providers: ReadonlyMap<string, OAuth2Provider>,
    private readonly options: ConnectionsOptions = {},
  ) {
    this.owner = options.owner ?? `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  }

  provider(key: string): OAuth2Provider {
    const provider = this.providers.get(key);
    if (!provider) throw new ConnectionError('not-found', `There is no OAuth provider "${key}"; known: ${[...this.providers.keys()].join(', ')}`);
    return provider;
  }

  /** The provider as this workspace configured it (the generic provider's URLs) and the workspace's client. */
  async client(
    workspaceId: string,
    providerKey: string,
    mode: RunMode,
  ): Promise<{ provider: OAuth2Provider; client: ClientCredentials; protocol: OAuthProtocol }> {
    const base = this.provider(providerKey);
    const config = base.configurable ? await this.genericConfig(workspaceId, providerKey, mode) : undefined;
    if (base.configurable && !config)
      throw new ConnectionError(
        'client-missing',
        `The ${base.title} provider has no URLs for ${mode} connections yet: set its client (authorize and token URLs, client id and secret) first`,
      );
    const provider = resolveProvider(base, config);
    const names = clientSecretNames(providerKey);
    const [clientId, clientSecret] = await Promise.all([
      this.secrets.resolve(workspaceId, names.clientId, mode),
      this.secrets.resolve(workspaceId, names.clientSecret, mode),
    ]);
    if (!clientId || !clientSecret)
      throw new ConnectionError(
        'client-missing',
        `${provider.title} connections need your OAuth app's client id and secret: set the ${mode} values of the secrets ${names.clientId} and ${names.clientSecret} (${provider.whereToGet})`,
      );
    return { provider, client: { clientId, clientSecret }, protocol: new OAuthProtocol(provider, this.options.fetch) };
  }

  async genericConfig(workspaceId: string, providerKey: string, mode: RunMode): Promise<GenericProviderConfig | undefined> {
    const row = await this.db
      .selectFrom('oauth_clients')
      .select('config')
      .where('workspace_id', '=', workspaceId)
      .where('provider', '=', providerKey)
      .where('mode', '=', mode)
      .executeTakeFirst();
    return row ? GenericProviderConfig.parse(JSON.parse(row.config)) : undefined;
  }

  async setGenericConfig(workspaceId: string, providerKey: string, mode: RunMode, config: GenericProviderConfig): Promise<void> {
    const now = nowIso();
    await this.db
      .insertInto('oauth_clients')
      .values({ workspace_id: workspaceId, provider: providerKey, mode, config: JSON.stringify(config), updated_at: now })
      .onConflict((oc) => oc.columns(['workspace_id', 'provider', 'mode']).doUpdateSet({ config: JSON.stringify(config), updated_at: now }))
      .execute();
  }

  // ---- Authorization code

  /**
   * Starts an authorization: a single-use `state` (stored as its hash) bound to the browser session `sessionId`, a
   * PKCE verifier (encrypted), and the exact redirect URI. Returns the provider's authorization URL.
   */
  async startAuthorization(o: {
    workspaceId: string;
    mode: RunMode;
    providerKey: string;
    name: string;
    connectionId: string;
    sessionId: string;
    redirectUri: string;
    scopes?: string[];
  }): Promise<{ authorizeUrl: string; expiresAt: string }> {
    const { provider, client, protocol } = await this.client(o.workspaceId, o.providerKey, o.mode);
    if (provider.grant !== 'authorization_code')
      throw new ConnectionError('refused', `${provider.title} connections use the client credentials grant: there is nobody to sign in`);
    const request = await protocol.authorizationRequest({ clientId: client.clientId, redirectUri: o.redirectUri, scopes: o.scopes ?? provider.scopes });
    const stateHash = sha256(request.state);
    const expiresAt = new Date(Date.now() + OAUTH_STATE_TTL_MS).toISOString();
    // Expired states are removed whenever a new one is made.
    await this.db.deleteFrom('oauth_states').where('expires_at', '<', nowIso()).execute();
    await this.db
      .insertInto('oauth_states')
      .values({
        state_hash: stateHash,
        workspace_id: o.workspaceId,
        mode: o.mode,
        provider: o.providerKey,
        connection_id: o.connectionId,
        name: o.name,
        session_hash: sha256(o.sessionId),
        redirect_uri: o.redirectUri,
        verifier: await this.secrets.seal(o.workspaceId, verifierBinding(o.workspaceId, stateHash), request.verifier),
        expires_at: expiresAt,
        created_at: nowIso(),
      })
      .execute();
    return { authorizeUrl: request.url, expiresAt };
  }

  /**
   * The provider's callback. The state is taken (deleted) before anything else, so it works once whatever follows;
   * it must belong to this browser session and be unexpired; then oauth4webapi checks the response (`iss`) and
   * exchanges the code with the verifier and the same redirect URI. Nothing is stored unless all of that passes.
   */
  async completeAuthorization(o: {
    callback: URLSearchParams;
    sessionId: string | undefined;
  }): Promise<{ workspaceId: string; connectionId: string; mode: RunMode; name: string }> {
    const state = o.callback.get('state');
    if (!state) throw new ConnectionError('refused', 'The callback has no state parameter: start connecting again from Switchyard');
    const stateHash = sha256(state);
    const row = await this.db.deleteFrom('oauth_states').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
    if (!row) throw new ConnectionError('refused', 'This sign-in link is unknown or was already used: start connecting again from Switchyard');
    if (row.expires_at < nowIso())
      throw new ConnectionError('refused', 'This sign-in took longer than 10 minutes and expired: start connecting again from Switchyard');
    if (!o.sessionId || sha256(o.sessionId) !== row.session_hash)
      throw new ConnectionError(
        'refused',
        'This sign-in was started in another browser session: finish it in the browser that started it, or start again here',
      );
    const mode: RunMode = row.mode === 'test' ? 'test' : 'live';
    const { provider, client, protocol } = await this.client(row.workspace_id, row.provider, mode);
    const verifier = await this.secrets.open(row.workspace_id, verifierBinding(row.workspace_id, stateHash), row.verifier, 'The PKCE verifier');
    let tokens;
    try {
      tokens = await protocol.exchangeCode(client, o.callback, { expectedState: state, redirectUri: row.redirect_uri, verifier });
    } catch (err) {
      if (err instanceof OAuthRequestError) throw new ConnectionError('refused', `Connecting to ${provider.title} failed: ${err.message}`);
      throw err;
    }
    await this.storeTokens(row.workspace_id, row.connection_id, mode, { provider: row.provider, name: row.name }, tokens);
    return { workspaceId: row.workspace_id, connectionId: row.connection_id, mode, name: row.name };
  }

  // ---- Client credentials

  /** A client-credentials connection: the first token is fetched now, so a wrong client is refused before anything is stored. */
  async connectClientCredentials(o: {
    workspaceId: string;
    mode: RunMode;
    providerKey: string;
    name: string;
    connectionId: string;
    scopes?: string[];
  }): Promise<void> {
    const { provider, client, protocol } = await this.client(o.workspaceId, o.providerKey, o.mode);
    let tokens;
    try {
      tokens = await protocol.clientCredentials(client, o.scopes ?? provider.scopes);
    } catch (err) {
      if (err instanceof OAuthRequestError)
        throw new ConnectionError(err.permanent ? 'refused' : 'transient', `Connecting to ${provider.title} failed: ${err.message}`);
      throw err;
    }
    await this.storeTokens(o.workspaceId, o.connectionId, o.mode, { provider: o.providerKey, name: o.name }, tokens);
  }

  private async storeTokens(
    workspaceId: string,
    connectionId: string,
    mode: RunMode,
    meta: { provider: string; name: string },
    tokens: { access_token: string; refresh_token?: string; token_type: string; expires_in?: number; scope?: string },
  ): Promise<void> {
    const now = Date.now();
    const nowText = new Date(now).toISOString();
    const sealed = await this.secrets.seal(
      workspaceId,
      tokenBinding(workspaceId, connectionId, mode),
      JSON.stringify({
        accessToken: tokens.access_token,
        tokenType: tokens.token_type,
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      } satisfies StoredTokens),
    );
    const expiresAt = tokens.expires_in !== undefined ? now + tokens.expires_in * 1000 : undefined;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('oauth_connections')
        .values({ id: connectionId, workspace_id: workspaceId, provider: meta.provider, name: meta.name, created_at: nowText, updated_at: nowText })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      const side = {
        status: 'connected' as ConnectionStatus,
        tokens: sealed,
        scopes: tokens.scope ?? null,
        expires_at: expiresAt !== undefined ? new Date(expiresAt).toISOString() : null,
        refresh_due_at: expiresAt !== undefined ? new Date(refreshDueAt(now, expiresAt)).toISOString() : null,
        last_error: null,
        lease_owner: null,
        lease_until: null,
        connected_at: nowText,
        updated_at: nowText,
      };
      await trx
        .insertInto('oauth_tokens')
        .values({ connection_id: connectionId, mode, workspace_id: workspaceId, refresh_count: 0, version: 1, last_refresh_at: null, ...side })
        .onConflict((oc) => oc.columns(['connection_id', 'mode']).doUpdateSet((eb) => ({ ...side, version: eb('oauth_tokens.version', '+', 1) })))
        .execute();
    });
  }

  // ---- Reading and managing

  async list(workspaceId: string, o: { modes: readonly RunMode[]; provider?: string }): Promise<ConnectionSummary[]> {
    let query = this.db.selectFrom('oauth_connections').selectAll().where('workspace_id', '=', workspaceId);
    if (o.provider) query = query.where('provider', '=', o.provider);
    const rows = await query.orderBy('created_at').execute();
    if (rows.length === 0) return [];
    const sides = await this.db
      .selectFrom('oauth_tokens')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where(
        'connection_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((r) => {
      const side = (mode: RunMode) => {
        const s = o.modes.includes(mode) ? sides.find((x) => x.connection_id === r.id && x.mode === mode) : undefined;
        return s ? toSide(s) : null;
      };
      return { id: r.id, provider: r.provider, name: r.name, createdAt: r.created_at, live: side('live'), test: side('test') };
    });
  }

  async get(workspaceId: string, connectionId: string, modes: readonly RunMode[]): Promise<ConnectionSummary | undefined> {
    return (await this.list(workspaceId, { modes })).find((c) => c.id === connectionId);
  }

  async rename(workspaceId: string, connectionId: string, name: string): Promise<boolean> {
    const res = await this.db
      .updateTable('oauth_connections')
      .set({ name, updated_at: nowIso() })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  /**
   * Disconnects: the provider is asked to revoke the refresh and access tokens where it has a revocation endpoint, then
   * the tokens are forgotten whatever it answered. With both modes the connection is deleted; with one, that side stays
   * as `revoked` (flows keep their reference, runs that need it wait for a reconnect).
   */
  async disconnect(workspaceId: string, connectionId: string, modes: readonly RunMode[]): Promise<{ revoked: boolean; removed: boolean }> {
    const conn = await this.db
      .selectFrom('oauth_connections')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', connectionId)
      .executeTakeFirst();
    if (!conn) return { revoked: false, removed: false };
    let revoked = false;
    for (const mode of modes) {
      const side = await this.side(workspaceId, connectionId, mode);
      if (!side?.tokens) continue;
      const tokens = await this.openTokens(workspaceId, connectionId, mode, side.tokens);
      try {
        const { client, protocol } = await this.client(workspaceId, conn.provider, mode);
        if (tokens.refreshToken) revoked = (await protocol.revoke(client, tokens.refreshToken, 'refresh_token')) || revoked;
        revoked = (await protocol.revoke(client, tokens.accessToken, 'access_token')) || revoked;
      } catch {
        // Revocation is best effort: the tokens are forgotten here either way.
      }
      await this.db
        .updateTable('oauth_tokens')
        .set((eb) => ({
          status: 'revoked',
          tokens: null,
          expires_at: null,
          refresh_due_at: null,
          last_error: `Disconnected on ${nowIso()}`,
          lease_owner: null,
          lease_until: null,
          version: eb('version', '+', 1),
          updated_at: nowIso(),
        }))
        .where('connection_id', '=', connectionId)
        .where('mode', '=', mode)
        .execute();
    }
    if (modes.length === 2) {
      await this.db.deleteFrom('oauth_tokens').where('connection_id', '=', connectionId).execute();
      await this.db.deleteFrom('oauth_connections').where('id', '=', connectionId).execute();
    }
    return { revoked, removed: true };
  }

  private async side(workspaceId: string, connectionId: string, mode: RunMode) {
    return this.db
      .selectFrom('oauth_tokens')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('connection_id', '=', connectionId)
      .where('mode', '=', mode)
      .executeTakeFirst();
  }

  private async openTokens(workspaceId: string, connectionId: string, mode: RunMode, payload: string): Promise<StoredTokens> {
    return JSON.parse(
      await this.secrets.open(workspaceId, tokenBinding(workspaceId, connectionId, mode), payload, `The ${mode} tokens of connection ${connectionId}`),
    ) as StoredTokens;
  }

  // ---- Access tokens for actions

  /**
   * A valid access token for a run of `mode`. Refreshed before it expires (at `refresh_due_at`): one process takes the
   * lease and refreshes, the others keep using the current token while it is valid, or wait for the new one.
   * Throws ConnectionError `needs-reconnect` when the grant is dead, `transient` when the provider could not be reached
   * and the current token has expired.
   */
  async accessToken(workspaceId: string, connectionId: string, mode: RunMode): Promise<string> {
    const key = `${workspaceId}/${connectionId}/${mode}`;
    for (let waited = 0; ;) {
      const side = await this.side(workspaceId, connectionId, mode);
      if (!side || !side.tokens)
        throw new ConnectionError('not-found', `Connection ${connectionId} has no ${mode} side: connect it for ${mode} runs first`, connectionId);
      if (side.status === 'needs reconnect' || side.status === 'revoked')
        throw new ConnectionError(
          'needs-reconnect',
          `Connection ${connectionId} needs a reconnect (${side.last_error ?? side.status}): reconnect it in Connections`,
          connectionId,
        );
      const now = Date.now();
      const due = side.refresh_due_at ? Date.parse(side.refresh_due_at) : Infinity;
      const expires = side.expires_at ? Date.parse(side.expires_at) : Infinity;
      if (now < due) return (await this.openTokens(workspaceId, connectionId, mode, side.tokens)).accessToken;
      let pending = this.inflight.get(key);
      if (!pending) {
        pending = this.tryRefresh(workspaceId, connectionId, mode, side).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      const fresh = await pending;
      if (fresh) return fresh;
      // Another process holds the lease: the current token serves until shortly before it expires.
      if (now < expires - 1000) return (await this.openTokens(workspaceId, connectionId, mode, side.tokens)).accessToken;
      if (waited > LEASE_MS)
        throw new ConnectionError(
          'transient',
          `Connection ${connectionId}: the token refresh did not finish in time; the step will be tried again`,
          connectionId,
        );
      await new Promise((r) => setTimeout(r, 100));
      waited += 100;
    }
  }

  /**
   * The provider refused a token (401): due now, so the next caller refreshes, unless the side already has newer
   * tokens than the ones that were refused (another caller refreshed meanwhile).
   */
  async rejected(workspaceId: string, connectionId: string, mode: RunMode, token: string): Promise<void> {
    const side = await this.side(workspaceId, connectionId, mode);
    if (!side?.tokens) return;
    if ((await this.openTokens(workspaceId, connectionId, mode, side.tokens)).accessToken !== token) return;
    await this.db
      .updateTable('oauth_tokens')
      .set({ refresh_due_at: nowIso() })
      .where('connection_id', '=', connectionId)
      .where('mode', '=', mode)
      .where('version', '=', side.version)
      .execute();
  }

  /** Refreshes under the lease; '' when another process holds it (or already refreshed this version). */
  private async tryRefresh(
    workspaceId: string,
    connectionId: string,
    mode: RunMode,
    side: NonNullable<Awaited<ReturnType<Connections['side']>>>,
  ): Promise<string> {
    const now = nowIso();
    const leaseUntil = new Date(Date.now() + LEASE_MS).toISOString();
    const taken = await this.db
      .updateTable('oauth_tokens')
      .set({ lease_owner: this.owner, lease_until: leaseUntil, status: 'refreshing' })
      .where('connection_id', '=', connectionId)
      .where('mode', '=', mode)
      .where('version', '=', side.version)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 0) return '';
    const conn = await this.db.selectFrom('oauth_connections').select('provider').where('id', '=', connectionId).executeTakeFirstOrThrow();
    const release = (set: { status: ConnectionStatus; last_error?: string | null }) =>
      this.db
        .updateTable('oauth_tokens')
        .set({ ...set, lease_owner: null, lease_until: null, updated_at: nowIso() })
        .where('connection_id', '=', connectionId)
        .where('mode', '=', mode)
        .where('lease_owner', '=', this.owner)
        .execute();
    try {
      const stored = await this.openTokens(workspaceId, connectionId, mode, side.tokens!);
      const { provider, client, protocol } = await this.client(workspaceId, conn.provider, mode);
      let response;
      if (provider.grant === 'client_credentials') response = await protocol.clientCredentials(client, side.scopes ? side.scopes.split(' ') : provider.scopes);
      else if (stored.refreshToken) response = await protocol.refresh(client, stored.refreshToken);
      else throw new OAuthRequestError(`${provider.title} gave no refresh token, so an expired access token cannot be renewed`, 'invalid_grant', true);
      this.options.onRefresh?.(connectionId, mode);
      const issued = Date.now();
      const expiresAt = response.expires_in !== undefined ? issued + response.expires_in * 1000 : undefined;
      // Rotation: a new refresh token replaces the old one, which is never sent again; without one the old one stays.
      const next: StoredTokens = {
        accessToken: response.access_token,
        tokenType: response.token_type,
        ...((response.refresh_token ?? stored.refreshToken) ? { refreshToken: response.refresh_token ?? stored.refreshToken } : {}),
      };
      const sealed = await this.secrets.seal(workspaceId, tokenBinding(workspaceId, connectionId, mode), JSON.stringify(next));
      await this.db
        .updateTable('oauth_tokens')
        .set((eb) => ({
          tokens: sealed,
          status: 'connected',
          expires_at: expiresAt !== undefined ? new Date(expiresAt).toISOString() : null,
          refresh_due_at: expiresAt !== undefined ? new Date(refreshDueAt(issued, expiresAt)).toISOString() : null,
          last_refresh_at: new Date(issued).toISOString(),
          refresh_count: eb('refresh_count', '+', 1),
          version: eb('version', '+', 1),
          last_error: null,
          lease_owner: null,
          lease_until: null,
          updated_at: nowIso(),
        }))
        .where('connection_id', '=', connectionId)
        .where('mode', '=', mode)
        .where('lease_owner', '=', this.owner)
        .execute();
      return next.accessToken;
    } catch (err) {
      if (err instanceof OAuthRequestError && err.permanent) {
        await release({ status: 'needs reconnect', last_error: err.message });
        throw new ConnectionError('needs-reconnect', `Connection ${connectionId} needs a reconnect: ${err.message}`, connectionId);
      }
      await release({ status: 'connected', last_error: err instanceof Error ? err.message : String(err) });
      if (err instanceof ConnectionError) throw err;
      // Transient: the current token serves while it is valid; otherwise the step is retried.
      if (side.expires_at && Date.now() < Date.parse(side.expires_at) - 1000)
        return (await this.openTokens(workspaceId, connectionId, mode, side.tokens!)).accessToken;
      throw new ConnectionError('transient', `Connection ${connectionId}: ${err instanceof Error ? err.message : String(err)}`, connectionId);
    }
  }

  /** Which connections (and the side for `mode`) exist, for publish checks. */
  async findMany(workspaceId: string, ids: string[]): Promise<Map<string, { provider: string; name: string; modes: Set<string> }>> {
    const out = new Map<string, { provider: string; name: string; modes: Set<string> }>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('oauth_connections')
      .select(['id', 'provider', 'name'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', ids)
      .execute();
    for (const r of rows) out.set(r.id, { provider: r.provider, name: r.name, modes: new Set() });
    const sides = await this.db
      .selectFrom('oauth_tokens')
      .select(['connection_id', 'mode'])
      .where('workspace_id', '=', workspaceId)
      .where('connection_id', 'in', ids)
      .execute();
    for (const s of sides) out.get(s.connection_id)?.modes.add(s.mode);
    return out;
  }
}

function toSide(s: {
  status: string;
  scopes: string | null;
  expires_at: string | null;
  last_refresh_at: string | null;
  refresh_count: number;
  last_error: string | null;
  connected_at: string;
}): ConnectionSide {
  return {
    status: s.status as ConnectionStatus,
    scopes: s.scopes ? s.scopes.split(/[ ,]+/).filter(Boolean) : [],
    expiresAt: s.expires_at,
    lastRefreshAt: s.last_refresh_at,
    refreshCount: s.refresh_count,
    lastError: s.last_error,
    connectedAt: s.connected_at,
  };
}
