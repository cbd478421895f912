import { defineIntegration } from '#core/catalog-sdk';
import { oauth2 } from '#core/oauth';
import { google } from '#catalog/oauth-providers';
import { appendRow } from './actions/append-row.action';
import { readRows } from './actions/read-rows.action';
import { SHEETS_SCOPE } from './client';

/** Google Sheets through a Google OAuth connection, on Google's official `@googleapis/sheets` client. */
export default defineIntegration({
  key: 'google-sheets',
  version: 1,
  title: 'Google Sheets',
  description: 'Append rows to and read rows from Google Sheets, as the Google account you connect.',
  category: 'Productivity',
  auth: oauth2(google, { scopes: [SHEETS_SCOPE] }),
  actions: [appendRow, readRows],
  docs: [
    { title: 'spreadsheets.values.append', url: 'https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append' },
    { title: 'spreadsheets.values.get', url: 'https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/get' },
  ],
  examplePrompts: ['Add a row to our Signups sheet when someone signs up', 'Look up the customer in the Accounts sheet before sending the invoice'],
});
