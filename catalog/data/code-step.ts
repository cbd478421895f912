import { groupBy, sumBy } from 'lodash-es';
import type { CodeStepContext } from '#core/code';

/**
 * What `data.transform@1` does with JSONata, as a code step in TypeScript: reshape data, here totals by customer.
 * Calls nobody: it costs no credits.
 */
interface Input {
  orders: { customer: string; total: number }[];
}

export default async function (input: Input, ctx: CodeStepContext) {
  const byCustomer = groupBy(input.orders, 'customer');
  const totals = Object.entries(byCustomer).map(([customer, orders]) => ({ customer, orders: orders.length, total: sumBy(orders, 'total') }));
  ctx.log('customers', totals.length);
  return { totals };
}
