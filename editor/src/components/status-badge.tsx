/** What a status means, where the word alone does not say it (shown as the badge's tooltip). */
const STATUS_HINT: Record<string, string> = {
  parked: 'Waiting for you: a step failed and waits for a decision (retry, skip or abort)',
  waitingForCredits: 'Out of credits: the step runs again by itself when credits are added (Credits page)',
};

/** The coloured pill of a run or node status (see the `.status` classes), and the TEST badge of test runs. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`status ${status}`} title={STATUS_HINT[status]}>
      {label ?? (status === 'waitingForCredits' ? 'waiting for credits' : status)}
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
