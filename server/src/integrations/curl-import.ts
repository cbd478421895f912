import { toJsonObject } from 'curlconverter';
import { AppError } from '#core/errors';
import type { ActionNode } from '#core/flow';
import { SECRET_NAME_PATTERN } from '#core/names';

/** A credential found in the command: moved into a workspace secret (setup variable), never into the flow. */
export interface FoundCredential {
  name: string;
  /** Where it was: `Authorization header`, `-u`, `query parameter api_key`, `X-Api-Key header`. */
  where: string;
  /** The literal value, when the command had one (a `$VARIABLE` has none: the secret is to be filled). */
  value?: string;
}

export interface CurlImport {
  node: ActionNode;
  credentials: FoundCredential[];
  notes: string[];
}

interface Parsed {
  url: string;
  raw_url: string;
  method: string;
  headers?: Record<string, string | null>;
  queries?: Record<string, string | string[]>;
  data?: unknown;
  files?: Record<string, string>;
  auth?: { user: string; password: string };
  auth_type?: string;
  insecure?: boolean;
}

const SECRET_PARAMS = /^(?:api[_-]?key|apikey|key|token|access[_-]?token|auth[_-]?token|secret|client[_-]?secret|password)$/i;
const SECRET_HEADERS = /^(?:x-)?(?:api[_-]?key|auth[_-]?token|access[_-]?token|[a-z-]*-(?:api-key|token|secret|key))$/i;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;

/**
 * One HTTP request action from a pasted cURL command line, parsed by curlconverter (bash quoting, `\` line
 * continuations, `-X`, `-H`, `-d`/`--data-raw`/`--data-binary`, `--json`, `-F`, `-u`, `-G`, query strings): method,
 * URL, headers, query and body become the node's inputs with their values; a credential (Authorization, `-u`,
 * an API-key header or query parameter) becomes the node's `auth`, naming a workspace secret, and is returned apart.
 */
export function importCurl(command: string, nodeId = 'request'): CurlImport {
  let parsed: Parsed;
  try {
    parsed = toJsonObject(command.trim().replace(/^\$\s+/, '')) as unknown as Parsed;
  } catch (err) {
    throw new AppError('IMPORT_INVALID', `That is not a cURL command curlconverter can read: ${err instanceof Error ? err.message : String(err)}`, {
      field: 'command',
    });
  }
  const method = parsed.method.toUpperCase();
  if (!(METHODS as readonly string[]).includes(method))
    throw new AppError('IMPORT_INVALID', `The HTTP action cannot send ${method} requests; it sends ${METHODS.join(', ')}`, { field: 'command' });
  const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(parsed.raw_url) ? parsed.raw_url : `https://${parsed.raw_url}`;
  if (!URL.canParse(raw)) throw new AppError('IMPORT_INVALID', `The command's URL is not a valid URL: ${raw.slice(0, 200)}`, { field: 'command' });
  const url = new URL(raw);
  if (!/^https?:$/.test(url.protocol))
    throw new AppError('IMPORT_INVALID', `Only http and https URLs can be called (the command has ${url.protocol})`, { field: 'command' });
  const service = serviceName(url.hostname);
  const credentials: FoundCredential[] = [];
  const notes: string[] = [];
  let auth: Record<string, unknown> | undefined;
  const take = (a: Record<string, unknown>, c: FoundCredential) => {
    if (auth) {
      notes.push(`A second credential (${c.where}) was left out: the HTTP action sends one. Add it as a header if the API needs both.`);
      return;
    }
    auth = a;
    credentials.push(c);
  };

  if (parsed.auth) {
    const { user, password } = parsed.auth;
    if (password)
      take(
        { type: 'basic', username: user, secret: secretName(password, `${service}_PASSWORD`) },
        credential(password, `${service}_PASSWORD`, '-u (the password)'),
      );
    else
      take({ type: 'basic', username: '', secret: secretName(user, `${service}_API_KEY`), secretIs: 'username' }, credential(user, `${service}_API_KEY`, '-u'));
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.headers ?? {})) {
    if (value === null) continue;
    if (/^authorization$/i.test(name)) {
      const [scheme, ...rest] = value.split(' ');
      const token = rest.join(' ');
      if (/^bearer$/i.test(scheme ?? '') && token)
        take({ type: 'bearer', secret: secretName(token, `${service}_API_KEY`) }, credential(token, `${service}_API_KEY`, 'Authorization header'));
      else if (/^basic$/i.test(scheme ?? '') && token) {
        const [user, ...pw] = Buffer.from(token, 'base64').toString('utf8').split(':');
        const password = pw.join(':');
        take(
          { type: 'basic', username: user ?? '', secret: `${service}_PASSWORD` },
          credential(password, `${service}_PASSWORD`, 'Authorization header (Basic)'),
        );
      } else
        take(
          { type: 'header', header: 'Authorization', prefix: token ? `${scheme} ` : '', secret: secretName(token || value, `${service}_API_KEY`) },
          credential(token || value, `${service}_API_KEY`, 'Authorization header'),
        );
      continue;
    }
    if (SECRET_HEADERS.test(name) && !/^content-|^accept/i.test(name)) {
      const fallback = `${service}_${name
        .replace(/^x-/i, '')
        .replace(/[^a-z0-9]+/gi, '_')
        .toUpperCase()}`;
      take({ type: 'header', header: name, secret: secretName(value, fallback) }, credential(value, fallback, `${name} header`));
      continue;
    }
    headers[name] = value;
  }
  for (const [param, value] of [...url.searchParams]) {
    if (!SECRET_PARAMS.test(param)) continue;
    const fallback = `${service}_${param.replace(/[^a-z0-9]+/gi, '_').toUpperCase()}`;
    url.searchParams.delete(param);
    take({ type: 'query', param, secret: secretName(value, fallback) }, credential(value, fallback, `query parameter ${param}`));
  }
  // -F fields with no file come back as plain data: the command says it was a multipart form.
  const form = /(?:^|\s)(?:-F|--form(?:-string)?)[\s=]/.test(command);
  const body = bodyOf(parsed, headers, notes, form);
  if (parsed.insecure) notes.push('-k (--insecure) is ignored: certificates are always checked.');
  const inputs: Record<string, unknown> = {
    url: url.toString(),
    method,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(auth ? { auth } : {}),
  };
  return { node: { id: nodeId, type: 'action', action: 'http.request@1', label: `${method} ${url.hostname}${url.pathname}`, inputs }, credentials, notes };
}

/** The body as curl sends it: JSON stays JSON (sent as application/json), anything else the exact string. */
function bodyOf(parsed: Parsed, headers: Record<string, string>, notes: string[], form: boolean): unknown {
  if ((parsed.files && Object.keys(parsed.files).length) || (form && parsed.data && typeof parsed.data === 'object')) {
    const boundary = '----SwitchyardFormBoundary';
    const fields = Object.entries((parsed.data as Record<string, string> | undefined) ?? {});
    for (const [name, file] of Object.entries(parsed.files ?? {})) {
      notes.push(`The file field "${name}" (${file}) cannot be read from your disk: it is sent as the text "${file}"; map the file's content into the body.`);
      fields.push([name, file]);
    }
    headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
    return fields.map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') + `--${boundary}--\r\n`;
  }
  if (parsed.data === undefined || parsed.data === null) return undefined;
  const type = Object.entries(headers).find(([k]) => /^content-type$/i.test(k))?.[1] ?? '';
  if (typeof parsed.data === 'string') return parsed.data;
  if (/json/i.test(type) || !type) return parsed.data;
  // A form that curlconverter read into fields: sent back the way curl sent it.
  return new URLSearchParams(Object.entries(parsed.data as Record<string, string>)).toString();
}

function credential(value: string, fallback: string, where: string): FoundCredential {
  const variable = value.match(/^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/)?.[1];
  return variable ? { name: secretName(value, fallback), where } : { name: fallback, where, value };
}

/** `$OPENAI_API_KEY` names its own secret; a literal value gets one from the service (`RESEND_API_KEY`). */
function secretName(value: string, fallback: string): string {
  const variable = value.match(/^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/)?.[1]?.toUpperCase();
  const name = variable ?? fallback;
  return new RegExp(SECRET_NAME_PATTERN).test(name) ? name : fallback.replace(/[^A-Z0-9_]/g, '_');
}

/** api.resend.com → RESEND; hooks.slack.com → SLACK; 127.0.0.1 → HTTP. */
function serviceName(host: string): string {
  if (/^[\d.]+$|^\[|^localhost$/.test(host)) return 'HTTP';
  const parts = host.split('.');
  const main = parts.length >= 2 ? parts[parts.length - 2]! : parts[0]!;
  return main
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '_')
    .replace(/^(\d)/, '_$1');
}
