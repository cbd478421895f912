import { useId, useState, useSyncExternalStore } from 'react';

/** The colour theme: the system's (the default), or one chosen here and kept in this browser. */
export type ThemeChoice = 'system' | 'light' | 'dark';

const KEY = 'switchyard.theme';
const dark = () => window.matchMedia?.('(prefers-color-scheme: dark)').matches === true;

export function themeChoice(): ThemeChoice {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

/** Sets `data-theme` on the page (the stylesheet's dark palette keys on it) and the browser's own colour scheme. */
export function applyTheme(choice: ThemeChoice = themeChoice()): void {
  const resolved = choice === 'system' ? (dark() ? 'dark' : 'light') : choice;
  document.documentElement.dataset.theme = resolved;
  document.documentElement.style.colorScheme = resolved;
  window.dispatchEvent(new Event(THEME_EVENT));
}

const THEME_EVENT = 'switchyard:theme';

/** The theme in effect (`light` or `dark`), for components that draw their own colours (React Flow's canvas). */
export function useResolvedTheme(): 'light' | 'dark' {
  return useSyncExternalStore(
    (cb) => {
      window.addEventListener(THEME_EVENT, cb);
      return () => window.removeEventListener(THEME_EVENT, cb);
    },
    () => (document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light'),
  );
}

/** Follows the system's preference while the choice is "system". */
export function followSystemTheme(): void {
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme());
}

export function ThemeToggle() {
  const id = useId();
  const [choice, setChoice] = useState<ThemeChoice>(themeChoice);
  return (
    <span className="theme-toggle">
      <label htmlFor={id} className="sr-only">
        Theme
      </label>
      <select
        id={id}
        value={choice}
        onChange={(e) => {
          const next = e.target.value as ThemeChoice;
          if (next === 'system') localStorage.removeItem(KEY);
          else localStorage.setItem(KEY, next);
          setChoice(next);
          applyTheme(next);
        }}
      >
        <option value="system">System theme</option>
        <option value="light">Light theme</option>
        <option value="dark">Dark theme</option>
      </select>
    </span>
  );
}
