import { catalogIndex, type IntegrationDefinition } from '../core/src/catalog-sdk';
import data from './data';
import email from './email';
import http from './http';
import openai from './openai';
import resend from './resend';
import stripe from './stripe';

/** Every ready-made integration. Add a folder, then add it here. */
export const integrations: IntegrationDefinition[] = [http, data, email, resend, stripe, openai];

export const catalog = catalogIndex(integrations);
