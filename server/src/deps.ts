import type { Logger } from 'pino';
import type { ActionInfo, CatalogIndex } from '../../core/src/catalog-sdk';
import type { Db } from '../../store/src/database';
import type { TemporalAccess } from './temporal';

/** What routes and services need, injected once at start (tests pass their own). */
export interface ServerDeps {
  db: Db;
  temporal: TemporalAccess;
  catalog: CatalogIndex & { actions: ActionInfo[] };
  logger: Logger;
  bodyLimit: string;
  /** Built editor to serve at `/`, if present. */
  editorDir?: string;
}
