// Being built in this session: replaced by the page itself.
export function FlowEditorPage(_props: { flowId: string; version?: number }) {
  return <p className="empty">This page is being built.</p>;
}
