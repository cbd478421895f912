// Being built in this session: replaced by the page itself.
export function RunsPage(_props: { flowId?: string }) {
  return <p className="empty">This page is being built.</p>;
}
