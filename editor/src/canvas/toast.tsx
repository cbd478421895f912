import { useEffect } from 'react';
import { create } from 'zustand';

/** A small message at the bottom of the canvas (an impossible operation, a copy, a publish…). */
interface ToastState {
  message: string | null;
  tone: 'info' | 'error';
  seq: number;
  show(message: string, tone?: 'info' | 'error'): void;
  clear(): void;
}

export const useToast = create<ToastState>((set) => ({
  message: null,
  tone: 'info',
  seq: 0,
  show: (message, tone = 'error') => set((s) => ({ message, tone, seq: s.seq + 1 })),
  clear: () => set({ message: null }),
}));

export function showToast(message: string, tone: 'info' | 'error' = 'error'): void {
  useToast.getState().show(message, tone);
}

export function Toast() {
  const { message, tone, seq, clear } = useToast();
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(clear, 5000);
    return () => clearTimeout(timer);
  }, [message, seq, clear]);
  // A message belongs to the page that showed it.
  useEffect(() => clear, [clear]);
  return (
    <div className="sy-toast-region" role="status" aria-live="polite">
      {message && (
        <div className={`sy-toast ${tone}`}>
          <span>{message}</span>
          <button type="button" className="sy-icon-button" aria-label="Dismiss message" onClick={clear}>
            ×
          </button>
        </div>
      )}
    </div>
  );
}
