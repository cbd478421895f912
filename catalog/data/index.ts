import { defineIntegration } from '#core/catalog-sdk';
import { transform } from './actions/transform.action';

export default defineIntegration({
  key: 'data',
  version: 1,
  title: 'Data',
  description: 'Reshape, filter and combine data between steps with JSONata expressions.',
  auth: { type: 'none' },
  category: 'Core',
  examplePrompts: ['Combine the customer and the order into one message', 'Keep only the paid invoices'],
  actions: [transform],
  docs: [{ title: 'JSONata documentation', url: 'https://docs.jsonata.org/overview' }],
});
