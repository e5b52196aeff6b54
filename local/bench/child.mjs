// One replay of the benchmark, in a process of its own so that its peak memory is its own.
// Runs the TypeScript sources directly, as bin/fireplan.mjs does.
import { register } from 'tsx/esm/api';

register();
await import('./child.ts');
