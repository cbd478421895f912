import { catalogIndex, type IntegrationDefinition } from '../core/src/catalog-sdk';
import data from './data';
import http from './http';

/** Every ready-made integration. Add a folder, then add it here. */
export const integrations: IntegrationDefinition[] = [http, data];

export const catalog = catalogIndex(integrations);
