/** What a status means, where the word alone does not say it (shown as the badge's tooltip). */
const STATUS_HINT: Record<string, string> = {
  parked: 'Waiting for you: a step failed and waits for a decision (retry, skip or abort)',
  waitingForCredits: 'Out of credits: the step runs again by itself when credits are added (Credits page)',
  waitingForReconnect: 'An OAuth connection needs you to sign in again: the step runs again by itself when you reconnect it (Connections)',
  waitingForEvent: 'Waiting for a webhook event (or its timeout); the run holds no worker while it waits',
};

/** The words shown for a status that is one camel-cased word in the API. */
export const STATUS_WORDS: Record<string, string> = {
  waitingForCredits: 'waiting for credits',
  waitingForReconnect: 'waiting for reconnect',
  waitingForEvent: 'waiting for webhook',
};

/** The coloured pill of a run or node status (see the `.status` classes), and the TEST badge of test runs. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`status ${status}`} title={STATUS_HINT[status]}>
      {label ?? STATUS_WORDS[status] ?? status}
    </span>
  );
}

export function TestBadge() {
  return (
    <span className="badge-test" title="A test run: it used test secrets, or the integration's sandbox">
      TEST
    </span>
  );
}
