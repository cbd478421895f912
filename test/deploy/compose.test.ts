import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Config, parseConfig } from '#core/config';
import { repoRoot } from '../helpers/processes';

/**
 * docker-compose.yml and the Dockerfile are not run here (no Docker engine), so this test keeps them in step with
 * the code: the services the deployment needs, every Switchyard service's command and environment against what the
 * code reads (core/src/config.ts, parsed as the processes parse it), secrets taken from the environment, files
 * mounted from the repository present, and every script and stage the Dockerfile names existing.
 */
interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string | number | boolean>;
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  ports?: string[];
}

const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;
const switchyard = Object.entries(services).filter(([, s]) => s.build !== undefined);
const SECRETS = [
  'SWITCHYARD_MASTER_KEY',
  'SWITCHYARD_ADMIN_TOKEN',
  'POSTGRES_PASSWORD',
  'POSTGRES_PWD',
  'SWITCHYARD_LLM_API_KEY',
  'SWITCHYARD_OIDC_CLIENT_SECRET',
];

/** Compose's interpolation, with `values` as the environment: `${X}`, `${X:-default}`, `${X:?message}`. */
function interpolate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string | undefined) => {
    const value = values[name];
    if (value !== undefined && value !== '') return value;
    if (op === '?') throw new Error(`${name} is required: ${arg}`);
    return op === '-' ? (arg ?? '') : '';
  });
}

describe('docker-compose.yml', () => {
  it('has the topology: PostgreSQL, Temporal schema setup and server (not auto-setup), the UI with a codec endpoint, 2 APIs behind a proxy, 2 workers', () => {
    expect(services.postgresql?.image).toMatch(/^postgres:\d+/);
    expect(services['temporal-schema']?.image).toMatch(/^temporalio\/admin-tools:/);
    expect(services.temporal?.image).toMatch(/^temporalio\/server:/);
    expect(Object.values(services).some((s) => /auto-setup/.test(s.image ?? ''))).toBe(false);
    expect(services.temporal?.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    expect(services['temporal-ui']?.environment?.TEMPORAL_CODEC_ENDPOINT).toBeTruthy();
    expect(switchyard.map(([name]) => name).sort()).toEqual(['api-1', 'api-2', 'worker-1', 'worker-2']);
    for (const [name, s] of switchyard) expect(s.command, name).toEqual([name.startsWith('api') ? 'api' : 'worker']);
    const caddy = read('deploy/caddy/Caddyfile');
    expect(services.proxy?.image).toMatch(/^caddy:/);
    expect(caddy).toMatch(/reverse_proxy api-1:3000 api-2:3000/);
    expect(caddy).toMatch(/health_uri \/api\/ready/);
  });

  it('gives every long-running service a health check (the Switchyard image has its own) and orders starts by health', () => {
    for (const [name, s] of Object.entries(services)) {
      const oneShot = s.restart?.startsWith('on-failure');
      if (s.build !== undefined) expect(read('Dockerfile'), name).toMatch(/^HEALTHCHECK .*scripts\/healthcheck\.mjs/m);
      else if (!oneShot) expect(s.healthcheck?.test, `${name} has no healthcheck`).toBeTruthy();
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on unknown ${dep}`).toBeDefined();
        const depOneShot = services[dep]!.restart?.startsWith('on-failure');
        expect(condition, `${name} → ${dep}`).toBe(depOneShot ? 'service_completed_successfully' : 'service_healthy');
      }
    }
  });

  it("sets only variables the code reads, and they parse as the processes parse them (each service's own configuration)", () => {
    const known = new Set(Object.keys(Config.shape));
    const env = { POSTGRES_PASSWORD: 'pw', SWITCHYARD_MASTER_KEY: 'ab'.repeat(32), SWITCHYARD_ADMIN_TOKEN: 'x'.repeat(24) };
    for (const [name, s] of switchyard) {
      const vars = s.environment ?? {};
      expect(
        Object.keys(vars).filter((k) => !known.has(k)),
        `${name}: variables core/src/config.ts does not read`,
      ).toEqual([]);
      const resolved = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, interpolate(String(v), env)]));
      const config = parseConfig(resolved);
      expect(config.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
      expect(config.databaseUrl, name).toMatch(/^postgres:\/\/switchyard:pw@postgresql:5432\/switchyard$/);
      expect(config.HOST, name).toBe('0.0.0.0');
      if (name.startsWith('api')) expect(config.PORT, name).toBe(3000);
      else {
        expect(config.WORKER_ID, name).toBe(name);
        expect(config.WORKER_METRICS_PORT, name).toBe(9464);
      }
    }
    // Both workers answer on the same task queue as the APIs start runs on; the workers have distinct identities.
    const queues = new Set(switchyard.map(([, s]) => s.environment?.TEMPORAL_TASK_QUEUE));
    expect(queues.size).toBe(1);
    expect(new Set(switchyard.filter(([n]) => n.startsWith('worker')).map(([, s]) => s.environment?.WORKER_ID)).size).toBe(2);
    // A missing secret stops compose with a message naming it.
    expect(() => interpolate(String(services['api-1']!.environment!.SWITCHYARD_MASTER_KEY), {})).toThrow(/SWITCHYARD_MASTER_KEY is required/);
  });

  it('takes every secret from the environment, never from the file', () => {
    for (const [name, s] of Object.entries(services))
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (SECRETS.includes(k)) expect(String(v), `${name}.${k}`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
        if (k === 'DATABASE_URL') expect(String(v), `${name}.${k}`).toMatch(/:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/);
      }
  });

  it('mounts files that exist and declares every named volume; each Switchyard process has its own data volume', () => {
    for (const [name, s] of Object.entries(services))
      for (const volume of s.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('./')) expect(fs.existsSync(path.join(repoRoot, source)), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
    const dataVolumes = switchyard.map(([, s]) => s.volumes!.find((v) => v.endsWith(':/data')));
    expect(new Set(dataVolumes).size).toBe(switchyard.length);
    for (const script of ['setup-schema.sh', 'create-namespace.sh'])
      expect(services[script === 'setup-schema.sh' ? 'temporal-schema' : 'temporal-namespace']!.command).toEqual([`/deploy/${script}`]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));

  it('builds in stages from node:20-bookworm-slim, and every COPY --from names an earlier stage', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    const stages: string[] = [];
    for (const line of lines) {
      const from = /^FROM (\S+)(?: AS (\S+))?/.exec(line);
      if (from) {
        if (!from[1]!.startsWith('$')) expect(stages, line).toContain(from[1]);
        if (from[2]) stages.push(from[2]);
      }
      const copy = /^COPY --from=(\S+)/.exec(line);
      if (copy) expect(stages, line).toContain(copy[1]);
    }
    expect(stages).toEqual(['deps', 'build', 'prod-deps', 'runtime']);
  });

  it('installs production dependencies only in the runtime, prebuilds the editor and the workflow bundle, runs as a non-root user', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/npm run build:editor && npm run build:workflows/);
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/npm ci(?! --omit=dev)/);
    expect(runtime).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
  });

  it('names only scripts and npm scripts that exist, and the entry point handles every command compose uses', () => {
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    for (const [, name] of dockerfile.matchAll(/npm run ([a-z:-]+)/g)) expect(pkg.scripts, `npm run ${name}`).toHaveProperty(name!);
    for (const [file] of dockerfile.matchAll(/scripts\/[a-z-]+\.(?:sh|mjs|ts)/g)) expect(fs.existsSync(path.join(repoRoot, file)), file).toBe(true);
    for (const [, dir] of dockerfile.matchAll(/^COPY (\S+) \.\/\S+$/gm)) expect(fs.existsSync(path.join(repoRoot, dir!)), dir).toBe(true);
    const entrypoint = read('scripts/docker-entrypoint.sh');
    for (const [name, s] of switchyard) expect(entrypoint, name).toContain(`  ${(s.command as string[])[0]})`);
    for (const [, entry] of entrypoint.matchAll(/node --import tsx (\S+)/g)) expect(fs.existsSync(path.join(repoRoot, entry!)), entry).toBe(true);
    expect(fs.statSync(path.join(repoRoot, 'scripts/docker-entrypoint.sh')).mode & 0o111).not.toBe(0);
  });
});
