/** The coloured pill of a run or node status (see the `.status` classes), and the TEST badge of test runs. */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return <span className={`status ${status}`}>{label ?? status}</span>;
}

export function TestBadge() {
  return (
    <span className="badge-test" title="A test run: it used test secrets, or the integration's sandbox">
      TEST
    </span>
  );
}
