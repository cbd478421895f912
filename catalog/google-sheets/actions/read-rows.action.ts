import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { CONNECTION_ID_PATTERN } from '#core/oauth';
import { callSheets, sheetsClient } from '../client';

export const ReadRowsInput = z.object({
  connection: z.string().regex(CONNECTION_ID_PATTERN, 'a Google connection (con_…)').describe('The Google account to act as'),
  spreadsheetId: z.string().min(1).max(200).describe('The id in the sheet URL: docs.google.com/spreadsheets/d/<id>/edit'),
  range: z.string().min(1).max(200).describe('A range in A1 notation, e.g. Sheet1!A1:D50'),
});
export type ReadRowsInput = z.infer<typeof ReadRowsInput>;

export const ReadRowsOutput = z.object({
  range: z.string(),
  /** Rows of formatted cell values; trailing empty cells and rows are left out, as Google answers. */
  rows: z.array(z.array(z.string())),
});
export type ReadRowsOutput = z.infer<typeof ReadRowsOutput>;

/** spreadsheets.values.get (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/get). */
export const readRows = defineAction({
  key: 'read-rows',
  title: 'Read rows',
  description: 'Reads the rows of a range of a Google Sheet.',
  keywords: ['google sheet', 'spreadsheet', 'read the sheet'],
  input: ReadRowsInput,
  example: { connection: 'con_0123456789abcdefghij', spreadsheetId: '1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms', range: 'Signups!A2:C100' },
  output: ReadRowsOutput,
  async run(input, ctx) {
    const api = await sheetsClient(ctx, input.connection);
    const data = await callSheets(ctx, input.connection, `reading ${input.range}`, () =>
      api.spreadsheets.values.get({ spreadsheetId: input.spreadsheetId, range: input.range, majorDimension: 'ROWS' }),
    );
    return { range: data.range ?? input.range, rows: (data.values ?? []).map((row) => row.map((cell) => String(cell ?? ''))) };
  },
  async sandbox(input) {
    return {
      range: input.range,
      rows: [
        ['Name', 'Email'],
        ['Ada Lovelace', 'ada@example.com'],
      ],
    };
  },
});
