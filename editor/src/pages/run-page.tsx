// Being built in this session: replaced by the page itself.
export function RunPage(_props: { runId: string }) {
  return <p className="empty">This page is being built.</p>;
}
