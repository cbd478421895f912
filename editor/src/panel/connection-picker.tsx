import { useConnections } from '../api/queries';
import { ErrorBox } from '../components/error-box';
import { href } from '../router';
import type { SecretFieldProps } from './schema-form';

/**
 * Connection fields hold a connection's id (`con_…`); the picker lists the workspace's connections by name, provider
 * and which sides are connected. Publish refuses one of the wrong provider, naming the node and field.
 */
export function ConnectionPicker({ id, value, onChange, disabled, required, 'aria-describedby': describedBy }: SecretFieldProps) {
  const connections = useConnections();
  const known = value === undefined || connections.data?.some((c) => c.id === value);
  return (
    <div className="connection-picker">
      <select
        id={id}
        value={value ?? ''}
        disabled={disabled}
        aria-required={required || undefined}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.value || undefined)}
      >
        <option value="">{connections.isPending ? 'Loading connections…' : 'Choose a connection…'}</option>
        {connections.data?.map((c) => {
          const sides = (['live', 'test'] as const).filter((m) => c[m]).map((m) => `${m}: ${c[m]!.status}`);
          return (
            <option key={c.id} value={c.id}>
              {c.name} ({c.providerTitle}
              {sides.length ? `, ${sides.join(', ')}` : ', not connected'})
            </option>
          );
        })}
        {!known && <option value={value}>{value} (not found)</option>}
      </select>{' '}
      <a href={href({ page: 'connections' })} className="small">
        Connections
      </a>
      <ErrorBox error={connections.error} />
    </div>
  );
}
