import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The layering rules of eslint.config.js, shown on fixtures: each import below must be refused where it stands. */
describe('lint: layering', () => {
  const eslint = new ESLint();
  const problems = async (filePath: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
  };

  it.each([
    ['core/src/fixture.ts', "import { openDatabase } from '#store/database';", /core\/ imports nothing outside core/],
    ['core/src/net/fixture.ts', "import { catalog } from '../../../catalog';", /core\/ imports nothing outside core/],
    ['store/src/fixture.ts', "import { createApp } from '#server/app';", /store\/ imports only core/],
    ['catalog/stripe/fixture.ts', "import { Scrubber } from '#worker/activities/scrub';", /catalog\/ imports only core/],
    ['editor/src/graph/fixture.ts', "import { SecretStore } from '../../../store/src/secrets';", /editor imports only core/],
    ['worker/src/fixture.ts', "import { createApp } from '#server/app';", /worker\/ never imports server/],
    ['server/src/fixture.ts', "import { createSwitchyardWorker } from '#worker/worker';", /server\/ never imports worker/],
    ['server/src/routes/fixture.routes.ts', "import { listRuns } from '../../../store/src/runs.repository';", /Routes call services/],
    ['worker/src/workflows/fixture.ts', "import { createApp } from '../../../server/src/app';", /worker\/ never imports server/],
    ['server/src/routes/fixture.routes.ts', "import { listRuns } from '#store/runs.repository';", /Routes call services/],
    ['worker/src/workflows/fixture.ts', "import { loadConfig } from '#core/config';", /Config reads the environment/],
    ['server/src/services/fixture.ts', "import { AppError } from '../../../core/src/errors';", /through its alias/],
    ['test/fixture.test.ts', "import { openDatabase } from '../store/src/database';", /through its alias/],
  ])('%s: %s is refused', async (file, code, message) => {
    expect(await problems(file, `${code}\nexport const x = 1;\n`)).toContainEqual(expect.stringMatching(message));
  });

  it('allowed imports pass: core from anywhere, the editor its own store, the catalog its webhook kit', async () => {
    expect(await problems('server/src/fixture.ts', "import { AppError } from '#core/errors';\nexport const x = AppError;\n")).toEqual([]);
    expect(await problems('editor/src/canvas/fixture.ts', "import { useEditor } from '../store/editor-store';\nexport const x = useEditor;\n")).toEqual([]);
    expect(await problems('catalog/stripe/fixture.ts', "import { requireJson } from '../webhooks/verify-helpers';\nexport const x = requireJson;\n")).toEqual(
      [],
    );
  });
});
