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
    ['core/src/fixture.ts', "import { openDatabase } from '../../store/src/database';", /core\/ imports nothing outside core/],
    ['core/src/net/fixture.ts', "import { catalog } from '../../../catalog';", /core\/ imports nothing outside core/],
    ['store/src/fixture.ts', "import { createApp } from '../../server/src/app';", /store\/ imports only core/],
    ['catalog/stripe/fixture.ts', "import { Scrubber } from '../../worker/src/activities/scrub';", /catalog\/ imports only core/],
    ['editor/src/graph/fixture.ts', "import { SecretStore } from '../../../store/src/secrets';", /editor imports only core/],
    ['worker/src/fixture.ts', "import { createApp } from '../../server/src/app';", /worker\/ never imports server/],
    ['server/src/fixture.ts', "import { createSwitchyardWorker } from '../../worker/src/worker';", /server\/ never imports worker/],
    ['server/src/routes/fixture.routes.ts', "import { listRuns } from '../../../store/src/runs.repository';", /Routes call services/],
    ['worker/src/workflows/fixture.ts', "import { createApp } from '../../../server/src/app';", /worker\/ never imports server/],
  ])('%s: %s is refused', async (file, code, message) => {
    expect(await problems(file, `${code}\nexport const x = 1;\n`)).toContainEqual(expect.stringMatching(message));
  });

  it('allowed imports pass: core from anywhere, the editor its own store, the catalog its webhook kit', async () => {
    expect(await problems('server/src/fixture.ts', "import { AppError } from '../../core/src/errors';\nexport const x = AppError;\n")).toEqual([]);
    expect(await problems('editor/src/canvas/fixture.ts', "import { useEditor } from '../store/editor-store';\nexport const x = useEditor;\n")).toEqual([]);
    expect(await problems('catalog/stripe/fixture.ts', "import { requireJson } from '../webhooks/verify-helpers';\nexport const x = requireJson;\n")).toEqual(
      [],
    );
  });
});
