import { z } from 'zod';
import { defineAction } from '#core/catalog-sdk';
import { CONNECTION_ID_PATTERN } from '#core/oauth';
import { callSheets, sheetsClient } from '../client';

export const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const AppendRowInput = z.object({
  connection: z.string().regex(CONNECTION_ID_PATTERN, 'a Google connection (con_…)').describe('The Google account to act as'),
  spreadsheetId: z.string().min(1).max(200).describe('The id in the sheet URL: docs.google.com/spreadsheets/d/<id>/edit'),
  range: z.string().min(1).max(200).default('Sheet1').describe('Where the table is, e.g. Sheet1 or Sheet1!A:D; the row goes after its last row'),
  values: z.array(Cell).min(1).max(1000).describe('The cells of the new row, left to right'),
  /** `USER_ENTERED` parses values as if typed (numbers, dates, formulas); `RAW` stores them as given. */
  valueInputOption: z.enum(['USER_ENTERED', 'RAW']).default('USER_ENTERED'),
});
export type AppendRowInput = z.infer<typeof AppendRowInput>;

export const AppendRowOutput = z.object({
  spreadsheetId: z.string(),
  updatedRange: z.string(),
  updatedRows: z.number().int(),
  updatedCells: z.number().int(),
});
export type AppendRowOutput = z.infer<typeof AppendRowOutput>;

/** spreadsheets.values.append (https://developers.google.com/sheets/api/reference/rest/v4/spreadsheets.values/append). */
export const appendRow = defineAction({
  key: 'append-row',
  title: 'Append a row',
  description: 'Adds a row after the last row of a table in a Google Sheet.',
  keywords: ['google sheet', 'spreadsheet', 'add a row to the sheet'],
  input: AppendRowInput,
  example: {
    connection: 'con_0123456789abcdefghij',
    spreadsheetId: '1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms',
    range: 'Signups!A:C',
    values: ['Ada Lovelace', 'ada@example.com', 'pro'],
  },
  output: AppendRowOutput,
  sideEffects: true,
  async run(input, ctx) {
    const api = await sheetsClient(ctx, input.connection);
    const data = await callSheets(ctx, input.connection, `appending a row to ${input.range}`, () =>
      api.spreadsheets.values.append({
        spreadsheetId: input.spreadsheetId,
        range: input.range,
        valueInputOption: input.valueInputOption,
        insertDataOption: 'INSERT_ROWS',
        requestBody: { values: [input.values.map((v) => (v === null ? '' : v))] },
      }),
    );
    return {
      spreadsheetId: data.spreadsheetId ?? input.spreadsheetId,
      updatedRange: data.updates?.updatedRange ?? '',
      updatedRows: data.updates?.updatedRows ?? 0,
      updatedCells: data.updates?.updatedCells ?? 0,
    };
  },
  async sandbox(input) {
    return {
      spreadsheetId: input.spreadsheetId,
      updatedRange: `${input.range.split('!')[0]}!A2:${String.fromCharCode(64 + Math.min(input.values.length, 26))}2`,
      updatedRows: 1,
      updatedCells: input.values.length,
    };
  },
});
