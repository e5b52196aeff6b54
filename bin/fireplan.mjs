#!/usr/bin/env node
// The command line runs the TypeScript sources directly, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../local/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
