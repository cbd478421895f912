// Being built in this session: replaced by the page itself.
export function CatalogPage(_props: { integrationKey?: string }) {
  return <p className="empty">This page is being built.</p>;
}
