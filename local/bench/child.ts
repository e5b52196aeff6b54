/**
 * One replay of `fireplan bench`, run by child.mjs in a fresh process: replays the plan for N
 * towns exactly as `fireplan simulate` does (runSimulation), then writes what it measured as JSON
 * to the file named in its arguments. Progress goes to stderr.
 *
 * The handlers log at LOG_LEVEL=INFO, as deployed, and their log lines are counted (for the
 * CloudWatch Logs estimate) instead of printed. Logging does not change what the replay does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { addDays, type IsoDate } from '../../functions/core/dates.ts';
import { loadPlanFile } from '../cli/plan-file.ts';
import { runSimulation } from '../cli/simulate-command.ts';
import type { CfnTemplate, CounterSnapshot } from '../runtime/index.ts';
import { shanghai } from '../simulate/simulate.ts';

export interface ChildArgs {
  plan: string;
  towns: number;
  seed: number;
  from: IsoDate;
  to: IsoDate;
  templatePath: string;
  out: string;
  resultFile: string;
}

export interface ChildResult {
  towns: number;
  seed: number;
  from: IsoDate;
  to: IsoDate;
  days: number;
  instances: number;
  /** Milliseconds from the process's start to the end of the replay (module loading included). */
  processMs: number;
  /** Milliseconds of runSimulation: the runtime's start, the replay, summary.json and report.html. */
  replayMs: number;
  userCpuMs: number;
  systemCpuMs: number;
  /** Peak resident set size, kilobytes (process.resourceUsage().maxRSS). */
  maxRssKb: number;
  counters: CounterSnapshot;
  workReports: number;
  scheduleFires: number;
  appLogBytes: number;
  appLogLines: number;
  functionMemoryMb: Record<string, number>;
  summaryPath: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;

// Count (and swallow) the handlers' JSON log lines; anything else still reaches stdout.
let appLogBytes = 0;
let appLogLines = 0;
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  if (text.startsWith('{')) {
    appLogBytes += Buffer.byteLength(text);
    appLogLines += text.split('\n').filter((l) => l.trim()).length;
    const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }
  return write(chunk as never, ...(rest as []));
}) as typeof process.stdout.write;

const loaded = await loadPlanFile(args.plan);
if (!loaded.ok) throw new Error(`${args.plan} is not a valid plan`);
const template = JSON.parse(readFileSync(args.templatePath, 'utf8')) as CfnTemplate;

let lastMonth = '';
const started = performance.now();
const run = await runSimulation(loaded.plan, {
  seed: args.seed,
  towns: args.towns,
  from: args.from,
  to: args.to,
  out: args.out,
  template,
  env: { LOG_LEVEL: 'INFO', POWERTOOLS_LOG_LEVEL: 'INFO' },
  onDay: (day, index, total) => {
    if (day.slice(0, 7) === lastMonth && index + 1 < total) return;
    lastMonth = day.slice(0, 7);
    process.stderr.write(`  ${args.towns} town(s): ${day} ${index + 1}/${total} days, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  },
});
const replayMs = performance.now() - started;
const counters = run.runtime.counters.snapshot();
const scheduleFires = run.runtime.plannedFires(shanghai(args.from, '00:00'), shanghai(addDays(args.to, 1), '00:00')).length;
const functionMemoryMb = Object.fromEntries(run.runtime.template.functions.map((f) => [f.name, f.memoryMb]));
await run.runtime.stop();
const processMs = performance.now();
const usage = process.resourceUsage();

const result: ChildResult = {
  towns: args.towns,
  seed: args.seed,
  from: args.from,
  to: args.to,
  days: Math.round((Date.parse(`${args.to}T00:00:00Z`) - Date.parse(`${args.from}T00:00:00Z`)) / 86_400_000) + 1,
  instances: run.summary.instances.length,
  processMs,
  replayMs,
  userCpuMs: usage.userCPUTime / 1000,
  systemCpuMs: usage.systemCPUTime / 1000,
  maxRssKb: usage.maxRSS,
  counters,
  workReports: counters.lambdaInvocationsByFunction['ReportWork'] ?? 0,
  scheduleFires,
  appLogBytes,
  appLogLines,
  functionMemoryMb,
  summaryPath: run.summaryPath,
};
writeFileSync(args.resultFile, `${JSON.stringify(result, null, 1)}\n`);
