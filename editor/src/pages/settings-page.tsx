// Being built in this session: replaced by the page itself.
export function SettingsPage(_props: object) {
  return <p className="empty">This page is being built.</p>;
}
