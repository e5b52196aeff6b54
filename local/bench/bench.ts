/**
 * `fireplan bench` (`npm run bench`): replays the plan's year for 1, 20 and 100 towns, each in a
 * fresh child process (child.mjs), and prints what it cost on this machine and what it would cost
 * on AWS: wall and CPU time, peak memory, duty instances per second, AWS operations per duty
 * instance, the largest execution history, each Lambda bundle's size, and the modelled cost per
 * town-year at list prices (cost.ts). With a file given (docs/bench.md by default for a full run),
 * it writes the prices, the assumptions and the results there as Markdown.
 *
 * `--quick` replays one town over a short window, to check the output's shape; it writes nothing
 * outside a temporary directory unless `--doc` names a file. Nothing here asserts on timings.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type as osType } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { IsoDate } from '../../functions/core/dates.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { println, type Io } from '../cli/io.ts';
import { DEFAULT_STACK_NAME, loadTemplate, synthesize, type CfnTemplate } from '../runtime/index.ts';
import { sourcesMtime } from '../runtime/synth.ts';
import { bundleSizes, type BundleSize } from './bundles.ts';
import type { ChildArgs, ChildResult } from './child.ts';
import { ASSUMPTION_NOTES, costModel, PRICE_DATE, PRICE_REGION, PRICES, type CostModel, type Price } from './cost.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** The targets the replay and the system are held to. */
export const TARGETS = { oneTownYearSeconds: 10, hundredTownsSeconds: 600, usdPerTownYear: 0.1 };

export interface BenchOptions {
  planFile: string;
  plan: Plan;
  sizes: number[];
  seed: number;
  from: IsoDate;
  to: IsoDate;
  /** Markdown results file, or undefined for none. */
  doc?: string;
  quiet: boolean;
  /** Keep the temporary directory (summaries, results) and say where it is. */
  keep: boolean;
}

export interface SizeResult {
  child: ChildResult;
  cost: CostModel;
  /** 1-minute load average of the machine before and after the replay (other work on the machine slows it). */
  load: [number, number];
}

export interface BenchResult {
  startedAt: string;
  machine: { cpu: string; cores: number; memoryGb: number; os: string; node: string };
  commit: string;
  sizes: SizeResult[];
  bundles: BundleSize[];
}

function commitOf(repoRoot: string): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

/** cdk.out's template when it is fresh; else one synthesized in this process and written to the temporary directory, never to cdk.out. */
async function templateFile(work: string): Promise<{ path: string; template: CfnTemplate }> {
  const cached = join(REPO_ROOT, 'cdk.out', `${DEFAULT_STACK_NAME}.template.json`);
  if (existsSync(cached) && statSync(cached).mtimeMs > sourcesMtime(REPO_ROOT)) {
    const text = readFileSync(cached, 'utf8');
    const path = join(work, 'template.json');
    writeFileSync(path, text); // a copy: a concurrent synth may rewrite cdk.out while the replays run
    return { path, template: JSON.parse(text) as CfnTemplate };
  }
  const { template } = await synthesize(REPO_ROOT);
  const path = join(work, 'template.json');
  writeFileSync(path, JSON.stringify(template));
  return { path, template };
}

function runChild(args: ChildArgs, io: Io, quiet: boolean): Promise<ChildResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'child.mjs'), JSON.stringify(args)], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (!quiet) io.stderr(chunk.toString('utf8'));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr = (stderr + text).slice(-4000);
      if (!quiet) io.stderr(text);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (code !== 0 || !existsSync(args.resultFile)) return fail(new Error(`the replay of ${args.towns} town(s) failed (exit ${code}):\n${stderr}`));
      done(JSON.parse(readFileSync(args.resultFile, 'utf8')) as ChildResult);
    });
  });
}

function countsOf(child: ChildResult): Parameters<typeof costModel>[0] {
  const c = child.counters;
  return {
    towns: child.towns,
    days: child.days,
    stateTransitions: c.stateTransitions,
    lambdaInvocations: c.lambdaInvocations,
    functions: Object.entries(c.lambdaInvocationsByFunction).map(([name, invocations]) => ({
      name,
      invocations,
      millis: c.lambdaMillisByFunction[name] ?? 0,
      memoryMb: child.functionMemoryMb[name] ?? 512,
    })),
    dynamodbReadUnits: c.dynamodbReads,
    dynamodbWriteUnits: c.dynamodbWrites,
    dynamodbIndexWriteUnits: c.dynamodbIndexWritesModelled,
    dynamodbRequests: c.dynamodbReadRequests + c.dynamodbWriteRequests,
    emails: c.emails,
    executions: c.executions,
    historyEventsTotal: c.historyEventsTotal,
    scheduleFires: child.scheduleFires,
    appLogBytes: child.appLogBytes,
    workReports: child.workReports,
  };
}

export async function runBench(options: BenchOptions, io: Io): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const work = mkdtempSync(join(tmpdir(), 'fireplan-bench-'));
  try {
    const { path: templatePath, template } = await templateFile(work);
    const bundles = await bundleSizes(loadTemplate(template).functions, REPO_ROOT);
    const sizes: SizeResult[] = [];
    for (const towns of options.sizes) {
      if (!options.quiet) println(io.stderr, `replaying ${options.from} → ${options.to} for ${towns} town(s) in a fresh process …`);
      const before = loadavg()[0] as number;
      const child = await runChild(
        { plan: resolve(options.planFile), towns, seed: options.seed, from: options.from, to: options.to, templatePath, out: join(work, `replay-${towns}`), resultFile: join(work, `result-${towns}.json`) },
        io,
        options.quiet,
      );
      sizes.push({ child, cost: costModel(countsOf(child)), load: [before, loadavg()[0] as number] });
    }
    const cpu = cpus();
    const result: BenchResult = {
      startedAt,
      machine: { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGb: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version },
      commit: commitOf(REPO_ROOT),
      sizes,
      bundles,
    };
    printResult(io, result, options);
    if (options.doc) {
      mkdirSync(dirname(resolve(options.doc)), { recursive: true });
      writeFileSync(options.doc, markdown(result, options));
      println(io.stdout, `wrote ${resolve(options.doc)}`);
    }
    if (options.keep) println(io.stdout, `kept ${work}`);
    return result;
  } finally {
    if (!options.keep) rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Presenting

interface Row {
  label: string;
  value: (s: SizeResult) => number;
  digits: number;
}

const per = (s: SizeResult, n: number) => n / Math.max(1, s.child.instances);

/** The metrics, one row each; every value is a number. */
export const ROWS: Row[] = [
  { label: 'duty instances', value: (s) => s.child.instances, digits: 0 },
  { label: 'days replayed', value: (s) => s.child.days, digits: 0 },
  { label: 'wall time, whole process (s)', value: (s) => s.child.processMs / 1000, digits: 1 },
  { label: 'wall time, replay only (s)', value: (s) => s.child.replayMs / 1000, digits: 1 },
  { label: 'CPU time, user + system (s)', value: (s) => (s.child.userCpuMs + s.child.systemCpuMs) / 1000, digits: 1 },
  { label: 'peak memory, RSS (MB)', value: (s) => s.child.maxRssKb / 1024, digits: 0 },
  { label: 'machine load average, before/after', value: (s) => (s.load[0] + s.load[1]) / 2, digits: 1 },
  { label: 'duty instances per second', value: (s) => s.child.instances / (s.child.replayMs / 1000), digits: 1 },
  { label: 'state transitions per duty instance', value: (s) => per(s, s.child.counters.stateTransitions), digits: 2 },
  { label: 'Lambda invocations per duty instance', value: (s) => per(s, s.child.counters.lambdaInvocations), digits: 2 },
  { label: 'DynamoDB read units per duty instance', value: (s) => per(s, s.child.counters.dynamodbReads), digits: 2 },
  { label: 'DynamoDB write units per duty instance, table', value: (s) => per(s, s.child.counters.dynamodbWrites), digits: 2 },
  { label: 'DynamoDB write units per duty instance, with GSIs', value: (s) => per(s, s.child.counters.dynamodbWrites + s.child.counters.dynamodbIndexWritesModelled), digits: 2 },
  { label: 'DynamoDB requests per duty instance', value: (s) => per(s, s.child.counters.dynamodbReadRequests + s.child.counters.dynamodbWriteRequests), digits: 2 },
  { label: 'emails per duty instance', value: (s) => per(s, s.child.counters.emails), digits: 2 },
  { label: 'largest execution history (events)', value: (s) => s.child.counters.largestExecutionHistory?.events ?? 0, digits: 0 },
  { label: 'modelled AWS cost per town, replayed window (US$)', value: (s) => s.cost.perTown, digits: 4 },
  { label: 'modelled AWS cost per town-year, 365 days (US$)', value: (s) => s.cost.perTownYear365, digits: 4 },
];

const fmt = (n: number, digits: number) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const townsLabel = (n: number) => `${n} town${n === 1 ? '' : 's'}`;

function textTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)];
}

function windowText(result: BenchResult): string {
  const first = result.sizes[0]?.child;
  return first ? `${first.from} → ${first.to} (${first.days} days), seed ${first.seed}` : '';
}

function targetLines(result: BenchResult): string[] {
  const lines: string[] = [];
  const fullYear = (s: SizeResult) => s.child.days >= 260;
  const one = result.sizes.find((s) => s.child.towns === 1);
  const hundred = result.sizes.find((s) => s.child.towns === 100);
  if (one && fullYear(one)) {
    const t = one.child.processMs / 1000;
    lines.push(`a year for one town in under ${TARGETS.oneTownYearSeconds} s: ${fmt(t, 1)} s, ${t < TARGETS.oneTownYearSeconds ? 'met' : 'not met'}`);
  }
  if (hundred && fullYear(hundred)) {
    const t = hundred.child.processMs / 1000;
    lines.push(`100 towns in under ${TARGETS.hundredTownsSeconds / 60} minutes: ${fmt(t / 60, 1)} min, ${t < TARGETS.hundredTownsSeconds ? 'met' : 'not met'}`);
  }
  for (const s of result.sizes) {
    const c = s.cost.perTownYear365;
    lines.push(`under US$${TARGETS.usdPerTownYear.toFixed(2)} per town-year at ${townsLabel(s.child.towns)}: US$${fmt(c, 4)} (365 days), ${c < TARGETS.usdPerTownYear ? 'met' : 'not met'}`);
  }
  return lines;
}

export function printResult(io: Io, result: BenchResult, options: Pick<BenchOptions, 'planFile'>): void {
  const m = result.machine;
  println(io.stdout, `fireplan bench: ${options.planFile}, ${windowText(result)}; ${m.cpu} × ${m.cores}, ${m.memoryGb} GB, Node ${m.node}; ${result.startedAt}`);
  println(io.stdout);
  const header = ['metric', ...result.sizes.map((s) => townsLabel(s.child.towns))];
  for (const line of textTable(header, ROWS.map((r) => [r.label, ...result.sizes.map((s) => fmt(r.value(s), r.digits))]))) println(io.stdout, line);
  println(io.stdout);
  for (const line of textTable(['Lambda bundle (esbuild, minified)', 'bytes', 'zipped', 'source map'], result.bundles.map((b) => [b.function, fmt(b.bytes, 0), fmt(b.zippedBytes, 0), fmt(b.sourceMapBytes, 0)]))) println(io.stdout, line);
  println(io.stdout);
  const services = result.sizes[0]?.cost.lines.map((l) => l.service) ?? [];
  const costRows = services.map((service) => [`${service} (US$ per town)`, ...result.sizes.map((s) => fmt((s.cost.lines.find((l) => l.service === service)?.usd ?? 0) / s.child.towns, 5))]);
  for (const line of textTable(['modelled cost, replayed window', ...result.sizes.map((s) => townsLabel(s.child.towns))], costRows)) println(io.stdout, line);
  println(io.stdout);
  for (const line of targetLines(result)) println(io.stdout, line);
}

function mdTable(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function priceRow(p: Price): string[] {
  const amount = p.usd < 0.001 ? p.usd.toString() : p.usd.toFixed(p.usd < 1 ? 3 : 2);
  return [p.service, p.item, `$${amount} per ${p.per === 1 ? '' : `${p.per.toLocaleString('en-US')} `}${p.unit}`, p.note ?? ''];
}

export function markdown(result: BenchResult, options: Pick<BenchOptions, 'planFile'>): string {
  const m = result.machine;
  const sizes = result.sizes;
  const header = ['metric', ...sizes.map((s) => townsLabel(s.child.towns))];
  const out: string[] = [];
  out.push('# Fireplan benchmark');
  out.push('');
  out.push('Written by `npm run bench` (`fireplan bench`); do not edit by hand. Each size replays the plan in a fresh');
  out.push('process on the embedded local runtime, exactly as `fireplan simulate` does, and the AWS cost is modelled from');
  out.push('the operations the local runtime counted, at the list prices below.');
  out.push('');
  out.push(`- run: ${result.startedAt}, commit ${result.commit}`);
  out.push(`- machine: ${m.cpu} × ${m.cores} cores, ${m.memoryGb} GB, ${m.os}, Node ${m.node}`);
  out.push(`- replay: \`${options.planFile}\`, ${windowText(result)}`);
  out.push('- the machine is shared: the load average column shows how much else ran; CPU time is the steadier measure');
  out.push('');
  out.push('## Results');
  out.push('');
  out.push(mdTable(header, ROWS.map((r) => [r.label, ...sizes.map((s) => fmt(r.value(s), r.digits))]), ['l', ...sizes.map(() => 'r' as const)]));
  out.push('');
  out.push('Largest execution history: ' + sizes.map((s) => `${townsLabel(s.child.towns)}: ${s.child.counters.largestExecutionHistory?.events ?? 0} events (${s.child.counters.largestExecutionHistory?.executionName ?? '—'})`).join('; ') + '. The AWS limit is 25,000 events per execution.');
  out.push('');
  out.push('### Targets');
  out.push('');
  for (const line of targetLines(result)) out.push(`- ${line}`);
  out.push('');
  out.push('### Where the state transitions and invocations go');
  out.push('');
  const machines = [...new Set(sizes.flatMap((s) => Object.keys(s.child.counters.stateTransitionsByStateMachine)))].sort();
  out.push(
    mdTable(
      ['per town', ...sizes.map((s) => townsLabel(s.child.towns))],
      [
        ...machines.map((name) => [`${name}: executions / transitions`, ...sizes.map((s) => `${fmt((s.child.counters.executionsByStateMachine[name] ?? 0) / s.child.towns, 1)} / ${fmt((s.child.counters.stateTransitionsByStateMachine[name] ?? 0) / s.child.towns, 1)}`)]),
        ...[...new Set(sizes.flatMap((s) => Object.keys(s.child.counters.lambdaInvocationsByFunction)))].sort().map((name) => [`${name}: invocations`, ...sizes.map((s) => fmt((s.child.counters.lambdaInvocationsByFunction[name] ?? 0) / s.child.towns, 1))]),
        ...[...new Set(sizes.flatMap((s) => Object.keys(s.child.counters.dynamodbOperations)))].sort().map((name) => [`DynamoDB ${name}: requests`, ...sizes.map((s) => fmt((s.child.counters.dynamodbOperations[name] ?? 0) / s.child.towns, 1))]),
        ...[...new Set(sizes.flatMap((s) => Object.keys(s.child.counters.dynamodbConditionalFailures)))].sort().map((name) => [`DynamoDB ${name}: refused by its condition`, ...sizes.map((s) => fmt((s.child.counters.dynamodbConditionalFailures[name] ?? 0) / s.child.towns, 1))]),
      ],
      ['l', ...sizes.map(() => 'r' as const)],
    ),
  );
  out.push('');
  out.push('## Modelled AWS cost');
  out.push('');
  out.push(`Prices: ${PRICE_REGION} list prices, ${PRICE_DATE}. A deployment in China (cn-north-1, cn-northwest-1) is billed in CNY at other rates.`);
  out.push('');
  out.push(mdTable(['service', 'item', 'price', 'note'], Object.values(PRICES).map(priceRow), ['l', 'l', 'r', 'l']));
  out.push('');
  out.push('Per town, for the replayed window:');
  out.push('');
  const services = sizes[0]?.cost.lines.map((l) => l.service) ?? [];
  out.push(
    mdTable(
      ['service', ...sizes.flatMap((s) => [`${townsLabel(s.child.towns)}: quantity`, 'US$'])],
      [
        ...services.map((service) => [
          service,
          ...sizes.flatMap((s) => {
            const line = s.cost.lines.find((l) => l.service === service);
            return [`${fmt((line?.quantity ?? 0) / s.child.towns, line?.unit === 'GB' ? 6 : 1)} ${line?.unit ?? ''}`, fmt((line?.usd ?? 0) / s.child.towns, 5)];
          }),
        ]),
        ['**total per town**', ...sizes.flatMap((s) => ['', `**${fmt(s.cost.perTown, 4)}**`])],
        ['total per town, scaled to 365 days', ...sizes.flatMap((s) => ['', fmt(s.cost.perTownYear365, 4)])],
      ],
      ['l', ...sizes.flatMap(() => ['r' as const, 'r' as const])],
    ),
  );
  out.push('');
  out.push('Assumptions:');
  out.push('');
  for (const note of ASSUMPTION_NOTES) out.push(`- ${note}`);
  out.push('');
  out.push('## Lambda bundles');
  out.push('');
  out.push('Each handler bundled with esbuild as the CDK bundles it (infra/constructs/fireplan-function.ts: ESM, node22, arm64 runtime, minified, keepNames, AWS SDK bundled, external source map without sources).');
  out.push('');
  out.push(mdTable(['function', 'entry', 'index.mjs (bytes)', 'deflated (bytes)', 'source map (bytes)'], result.bundles.map((b) => [b.function, `\`${b.entry}\``, fmt(b.bytes, 0), fmt(b.zippedBytes, 0), fmt(b.sourceMapBytes, 0)]), ['l', 'l', 'r', 'r', 'r']));
  out.push('');
  return `${out.join('\n')}\n`;
}
