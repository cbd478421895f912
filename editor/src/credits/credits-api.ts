import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';

/** GET /api/credits: the workspace's plan and balance. */
export interface CreditAccount {
  plan: 'free' | 'builder' | 'pro';
  planTitle: string;
  integrations: boolean;
  monthlyCredits: number;
  period: string;
  balance: number;
  allowanceBalance: number;
  topupBalance: number;
  plans: { key: string; title: string; monthlyCredits: number; integrations: boolean; schedules: boolean }[];
}

/** One usage group: `charged` is what the balance paid (0 in test mode), `listCredits` the list price. */
export interface UsageRow {
  mode: 'live' | 'test';
  charged: number;
  listCredits: number;
  requests: number;
}

export interface CreditUsage {
  balance: number;
  plan: string;
  byDay: (UsageRow & { day: string })[];
  byIntegration: (UsageRow & { integration: string | null })[];
  byFlow: (UsageRow & { flowId: string | null })[];
  byRun: (UsageRow & { runId: string | null; workflowId: string; flowId: string | null })[];
}

export const useCredits = () => useQuery({ queryKey: ['credits'], queryFn: () => api<CreditAccount>('GET', '/api/credits'), refetchInterval: 5000 });

export const useCreditUsage = (from: string) =>
  useQuery({ queryKey: ['credits', 'usage', from], queryFn: () => api<CreditUsage>('GET', `/api/credits/usage?from=${encodeURIComponent(from)}`) });
