import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FlowScheduleDescription } from '#core/schedule';
import { api, ApiError } from '../api/client';

/** A flow's live schedule as Temporal describes it (GET /api/flows/:id/schedules/live); null when it has none. */
export const useFlowSchedule = (flowId: string, enabled: boolean) =>
  useQuery({
    queryKey: ['schedule', flowId],
    enabled,
    refetchInterval: 10_000,
    queryFn: () =>
      api<FlowScheduleDescription>('GET', `/api/flows/${flowId}/schedules/live`).catch((err: unknown) => {
        // 409: not published with a schedule trigger; 404: no schedule in Temporal yet (the worker recreates it).
        if (err instanceof ApiError && (err.status === 409 || err.status === 404)) return null;
        throw err;
      }),
  });

/** Pause (with a note), resume, or run now. */
export function useScheduleAction(flowId: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { action: 'pause' | 'resume' | 'run'; note?: string }) =>
      api<unknown>('POST', `/api/flows/${flowId}/schedules/live/${a.action}`, a.action === 'run' ? undefined : { ...(a.note ? { note: a.note } : {}) }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['schedule', flowId] });
      void qc.invalidateQueries({ queryKey: ['runs'] });
    },
  });
}
