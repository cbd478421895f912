import type { CanvasKind } from '../graph/canvas-model';

/** A colour and a short mark per integration (no icon font, no images: works offline and in tests). */
const INTEGRATIONS: Record<string, { colour: string; mark: string; title: string }> = {
  http: { colour: '#1971c2', mark: 'H', title: 'HTTP' },
  slack: { colour: '#4a154b', mark: 'S', title: 'Slack' },
  github: { colour: '#24292f', mark: 'GH', title: 'GitHub' },
  stripe: { colour: '#635bff', mark: 'St', title: 'Stripe' },
  openai: { colour: '#10a37f', mark: 'AI', title: 'OpenAI' },
  email: { colour: '#e8590c', mark: '@', title: 'Email' },
  resend: { colour: '#111111', mark: 'Re', title: 'Resend' },
  twilio: { colour: '#f22f46', mark: 'Tw', title: 'Twilio' },
  data: { colour: '#5f3dc4', mark: '{}', title: 'Data' },
};

const KINDS: Record<Exclude<CanvasKind, 'action'>, { colour: string; path: string }> = {
  trigger: { colour: '#f08c00', path: 'M13 2 4 14h7l-1 8 9-12h-7l1-8z' },
  code: { colour: '#2b8a3e', path: 'M8 6l-6 6 6 6M16 6l6 6-6 6M14 4l-4 16' },
  condition: { colour: '#0c8599', path: 'M12 3l9 9-9 9-9-9 9-9z' },
  switch: { colour: '#0b7285', path: 'M3 12h6m0 0 9-7m-9 7h9m-9 0 9 7' },
  delay: { colour: '#868e96', path: 'M12 4a8 8 0 1 0 0 16 8 8 0 0 0 0-16zm0 4v4l3 2' },
  waitForWebhook: { colour: '#5c7cfa', path: 'M10 14a4 4 0 1 1 4-4M14 10l4 7M6 17h12M8 10l-3 7' },
  forEach: { colour: '#7048e8', path: 'M4 12a8 8 0 0 1 14-5.3M18 3v4h-4M20 12a8 8 0 0 1-14 5.3M6 21v-4h4' },
  end: { colour: '#495057', path: 'M7 7h10v10H7z' },
  respond: { colour: '#1971c2', path: 'M9 14 4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3' },
};

export function integrationTitle(key: string): string {
  return INTEGRATIONS[key]?.title ?? key.charAt(0).toUpperCase() + key.slice(1);
}

export function kindColour(kind: CanvasKind, integration?: string): string {
  if (kind === 'action') return integrationColour(integration ?? '');
  return KINDS[kind].colour;
}

function integrationColour(key: string): string {
  const known = INTEGRATIONS[key];
  if (known) return known.colour;
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h} 45% 40%)`;
}

/** The square icon of a node kind or integration; decorative (`aria-hidden`): the text next to it names the step. */
export function KindIcon({ kind, integration, size = 28 }: { kind: CanvasKind; integration?: string | undefined; size?: number }) {
  const colour = kindColour(kind, integration);
  if (kind === 'action') {
    const mark = INTEGRATIONS[integration ?? '']?.mark ?? (integration ?? '?').slice(0, 2).replace(/^./, (c) => c.toUpperCase());
    return (
      <span
        className="sy-icon"
        aria-hidden="true"
        style={{ background: colour, width: size, height: size, fontSize: mark.length > 1 ? size * 0.38 : size * 0.5 }}
      >
        {mark}
      </span>
    );
  }
  return (
    <span className="sy-icon" aria-hidden="true" style={{ background: colour, width: size, height: size }}>
      <svg
        viewBox="0 0 24 24"
        width={size * 0.62}
        height={size * 0.62}
        fill="none"
        stroke="currentColor"
        strokeWidth={2}
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        <path d={KINDS[kind].path} />
      </svg>
    </span>
  );
}
