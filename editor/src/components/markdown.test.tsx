// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Markdown, parseBlocks, safeHref } from './markdown';

afterEach(cleanup);

const PROMPT = `# Stripe integration

Charge cards and issue refunds. Uses **live** and *test* keys.

## Setup variables

- \`STRIPE_SECRET_KEY\`: the secret key. Get it at [the dashboard](https://dashboard.stripe.com/apikeys).
- \`STRIPE_WEBHOOK_SECRET\` (optional): for webhooks
  - nested detail

1. First
2. Second

\`\`\`ts
const x = '<b>not bold</b>';
\`\`\`

> A note
`;

describe('Markdown', () => {
  it('renders headings, paragraphs, lists, code blocks and links', () => {
    const { container } = render(<Markdown text={PROMPT} />);
    expect(screen.getByRole('heading', { level: 1, name: 'Stripe integration' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 2, name: 'Setup variables' })).toBeTruthy();
    expect(container.querySelector('strong')?.textContent).toBe('live');
    expect(container.querySelector('em')?.textContent).toBe('test');
    const lists = container.querySelectorAll('ul');
    expect(lists.length).toBe(2); // the list and its nested list
    expect(lists[0]!.children.length).toBe(2);
    expect(lists[1]!.textContent).toBe('nested detail');
    expect([...container.querySelectorAll('ol > li')].map((li) => li.textContent)).toEqual(['First', 'Second']);
    const link = screen.getByRole('link', { name: 'the dashboard' });
    expect(link.getAttribute('href')).toBe('https://dashboard.stripe.com/apikeys');
    expect(link.getAttribute('rel')).toContain('noopener');
    const pre = container.querySelector('pre');
    expect(pre?.textContent).toBe("const x = '<b>not bold</b>';");
    expect(pre?.querySelector('b')).toBeNull();
    expect(container.querySelector('blockquote')?.textContent).toBe('A note');
    expect(screen.getAllByText('STRIPE_SECRET_KEY')[0]!.tagName).toBe('CODE');
  });

  it('shows HTML as text and never runs it', () => {
    const { container } = render(<Markdown text={'Hello <script>alert(1)</script> and <img src=x onerror=alert(2)>\n\n# <i>title</i>'} />);
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('i')).toBeNull();
    expect(container.textContent).toContain('<script>alert(1)</script>');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('<i>title</i>');
  });

  it('keeps only safe link targets', () => {
    const { container } = render(<Markdown text={'[bad](javascript:alert(1)) [data](data:text/html,x) [ok](/docs) [mail](mailto:a@b.c)'} />);
    const hrefs = [...container.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual(['/docs', 'mailto:a@b.c']);
    expect(container.textContent).toContain('bad');
    expect(safeHref('JavaScript:alert(1)')).toBeNull();
    expect(safeHref('https://example.com')).toBe('https://example.com');
  });

  it('offsets heading levels and leaves snake_case words alone', () => {
    render(<Markdown text={'# Title\n\nUse MY_SECRET_NAME and snake_case_words.'} headingOffset={1} />);
    expect(screen.getByRole('heading', { level: 2, name: 'Title' })).toBeTruthy();
    expect(screen.getByText('Use MY_SECRET_NAME and snake_case_words.')).toBeTruthy();
  });

  it('parses an unclosed fence as code to the end', () => {
    expect(parseBlocks(['```json', '{"a": 1}'])).toEqual([{ type: 'code', lang: 'json', code: '{"a": 1}' }]);
  });
});
