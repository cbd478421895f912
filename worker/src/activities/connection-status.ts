import type { RunMode } from '#core/catalog-sdk';
import type { ConnectionStatus } from '#core/oauth';
import type { Db } from '#store/database';

export type ConnectionStatusActivity = (input: { workspaceId: string; connectionId: string; mode: RunMode }) => Promise<ConnectionStatus | 'missing'>;

/** The status of one side of a connection (a local activity: a node waiting for a reconnect asks it). */
export function createConnectionStatusActivity(db: Db): ConnectionStatusActivity {
  return async ({ workspaceId, connectionId, mode }) => {
    const row = await db
      .selectFrom('oauth_tokens')
      .select('status')
      .where('workspace_id', '=', workspaceId)
      .where('connection_id', '=', connectionId)
      .where('mode', '=', mode)
      .executeTakeFirst();
    return (row?.status as ConnectionStatus | undefined) ?? 'missing';
  };
}
