// The send journal thread's entry: registers TypeScript loading (tsx) in this thread, then loads the thread's code.
import { register } from 'tsx/esm/api';

register();
await import('./journal-thread.ts');
