import { catalogIndex, type IntegrationDefinition } from '#core/catalog-sdk';
import data from './data';
import email from './email';
import github from './github';
import gmail from './gmail';
import googleSheets from './google-sheets';
import http from './http';
import openai from './openai';
import resend from './resend';
import slack from './slack';
import stripe from './stripe';
import twilio from './twilio';
import webhooks from './webhooks';

/** Every ready-made integration. Add a folder, then add it here. */
export const integrations: IntegrationDefinition[] = [http, data, email, resend, stripe, slack, openai, github, twilio, webhooks, googleSheets, gmail];

export const catalog = catalogIndex(integrations);
