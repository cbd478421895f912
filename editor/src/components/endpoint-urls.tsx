import { CopyButton } from './copy-button';

/** A webhook endpoint's live and test URLs, each with a copy button (the test URL starts test runs, with test secrets). */
export function EndpointUrls({ urls }: { urls: { live: string; test: string } }) {
  return (
    <dl className="webhook-urls">
      {(['live', 'test'] as const).map((mode) => (
        <div key={mode} className="webhook-url">
          <dt>{mode === 'live' ? 'Live URL' : 'Test URL'}</dt>
          <dd>
            <code>{urls[mode]}</code> <CopyButton text={urls[mode]} label={`Copy the ${mode} URL`} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
