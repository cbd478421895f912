import { defineIntegration } from '#core/catalog-sdk';
import { request } from './actions/request.action';

export default defineIntegration({
  key: 'http',
  version: 1,
  title: 'HTTP',
  description: 'Call any HTTP API. Requests go through the guarded client: private and metadata addresses are blocked unless allow-listed.',
  auth: { type: 'none' },
  category: 'Core',
  // Any API, described in the flow rather than the catalog: needs Backend functions switched on in App Settings.
  instant: true,
  examplePrompts: ['Call our billing API when an order is placed', 'Post the new user to our CRM webhook'],
  actions: [request],
  docs: [{ title: 'MDN: HTTP request methods', url: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Methods' }],
});
