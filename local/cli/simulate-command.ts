import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isIsoDate, type IsoDate } from '../../functions/core/dates.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { createLocalRuntime, loadOrSynthesize, type CfnTemplate } from '../runtime/index.ts';
import { reportHtml } from '../simulate/report-html.ts';
import { simulate } from '../simulate/simulate.ts';
import type { Summary } from '../simulate/summary.ts';
import { townPlans } from '../simulate/towns.ts';
import { EXIT_FAILURE, EXIT_INVALID, EXIT_OK, println, type CliContext, type Io } from './io.ts';
import { loadPlanFile, reportLoadFailure } from './plan-file.ts';

export interface SimulateOptions {
  plan: string;
  out: string;
  seed: string;
  towns: string;
  from?: string;
  to?: string;
  dataDir?: string;
  quiet?: boolean;
}

export interface SimulationRun {
  summary: Summary;
  summaryPath: string;
  reportPath: string;
  mailboxUrl: string;
}

function wholeNumber(value: string, option: string, min: number, max: number): number | string {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) return `${option} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`;
  return n;
}

/** Checks the options against the plan; every problem is named with its option. */
export function checkOptions(options: SimulateOptions, plan: Plan): { seed: number; towns: number; from: IsoDate; to: IsoDate } | { problems: string[] } {
  const problems: string[] = [];
  const seed = wholeNumber(options.seed, '--seed', 0, 2 ** 31 - 1);
  const towns = wholeNumber(options.towns, '--towns', 1, 2000);
  if (typeof seed === 'string') problems.push(seed);
  if (typeof towns === 'string') problems.push(towns);
  const from = options.from ?? plan.effectiveFrom;
  const to = options.to ?? plan.effectiveTo;
  if (!isIsoDate(from)) problems.push(`--from must be a date as YYYY-MM-DD, got ${JSON.stringify(from)}`);
  if (!isIsoDate(to)) problems.push(`--to must be a date as YYYY-MM-DD, got ${JSON.stringify(to)}`);
  if (isIsoDate(from) && from < plan.effectiveFrom) problems.push(`--from ${from} is before the plan takes effect (${plan.effectiveFrom})`);
  if (isIsoDate(from) && isIsoDate(to) && to < from) problems.push(`--to ${to} is before --from ${from}`);
  if (problems.length > 0 || typeof seed === 'string' || typeof towns === 'string') return { problems };
  return { seed, towns, from, to };
}

function progressBar(io: Io, quiet: boolean): (day: IsoDate, index: number, total: number) => void {
  const tty = process.stderr.isTTY === true && io.stderr === processStderr;
  let lastMonth = '';
  return (day, index, total) => {
    if (quiet) return;
    const done = index + 1;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${day} ${done}/${total} days`;
    if (tty) io.stderr(`\r${bar}${done === total ? '\n' : ''}`);
    else if (day.slice(0, 7) !== lastMonth || done === total) {
      lastMonth = day.slice(0, 7);
      println(io.stderr, bar);
    }
  };
}

const processStderr = (text: string) => void process.stderr.write(text);

export function printSummary(io: Io, summary: Summary): void {
  const count = <T>(list: T[], pick: (item: T) => string) => list.reduce<Record<string, number>>((acc, item) => ({ ...acc, [pick(item)]: (acc[pick(item)] ?? 0) + 1 }), {});
  const status = count(summary.instances, (i) => i.status);
  const kinds = count(summary.notices, (n) => n.kind);
  const levels = count(
    summary.instances.flatMap((i) => i.escalations),
    (e) => String(e.level),
  );
  const names = new Map(summary.units.map((u) => [u.id, u.name]));
  const ranked = [...summary.scores].sort((a, b) => b.score - a.score || (a.unit < b.unit ? -1 : 1));
  const label = (s: Summary['scores'][number]) => `${names.get(s.unit) ?? s.unit}${summary.towns.length > 1 ? ` (${s.town})` : ''} ${s.score.toFixed(1)}`;
  println(io.stdout, `${summary.planId}: ${summary.from} → ${summary.to}, ${summary.towns.length} town(s), seed ${summary.seed}`);
  println(io.stdout, `duties opened ${summary.instances.length}: on time ${status['on_time'] ?? 0}, late ${status['late'] ?? 0}, missed ${status['missed'] ?? 0}, open ${status['open'] ?? 0}`);
  println(io.stdout, `emails ${summary.notices.length}: ${Object.entries(kinds).sort().map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
  println(io.stdout, `escalations: yellow ${levels['1'] ?? 0}, red ${levels['2'] ?? 0}, warning talk ${levels['3'] ?? 0}`);
  println(io.stdout, `best: ${ranked.slice(0, 3).map(label).join('; ')}`);
  println(io.stdout, `worst: ${ranked.slice(-3).reverse().map(label).join('; ')}`);
  for (const line of specialLines(summary)) println(io.stdout, line);
  const ops = summary.operations;
  println(io.stdout, `AWS operations: ${ops.stateTransitions} state transitions, ${ops.lambdaInvocations} Lambda invocations, ${ops.dynamodbReads} DynamoDB read units, ${ops.dynamodbWrites} write units, ${ops.emails} emails`);
}

const list = (days: string[], max = 4) => (days.length <= max ? days.join(', ') : `${days.slice(0, max).join(', ')} …`);

/**
 * A line each for the special flows: recruitment, fires, hazards (with the exposure lists) and the
 * key-date alerts. A summary.json written before they were there (npm start serving an old
 * replay) has none of the fields: its lines say so rather than fail.
 */
export function specialLines(summary: Partial<Pick<Summary, 'recruitment' | 'incidents' | 'hazards'>> & Pick<Summary, 'notices'>): string[] {
  const lines: string[] = [];
  const campaigns = summary.recruitment ?? [];
  if (campaigns.length === 0) lines.push('recruitment: none');
  else {
    const sum = (pick: (c: (typeof campaigns)[number]) => number) => campaigns.reduce((n, c) => n + pick(c), 0);
    const funnel = (campaigns[0]?.byStage ?? []).map((s, n) => `${s.stage} ${sum((c) => c.byStage[n]?.count ?? 0)}`).join(', ');
    const escalations = campaigns.flatMap((c) => c.escalations.map((e) => e.on)).sort();
    lines.push(
      `recruitment: hired ${sum((c) => c.hired)} of ${sum((c) => c.target)}${campaigns.length > 1 ? ` (${campaigns.length} campaigns)` : ''}; ${funnel}; escalated ${escalations.length} time(s)${escalations.length > 0 ? `: ${list(escalations)}` : ''}`,
    );
  }
  const fires = summary.incidents ?? [];
  const serious = fires.filter((f) => f.severity === 'serious');
  const investigations = serious.flatMap((f) => (f.investigation ? [f.investigation] : []));
  const lookBacks = serious.flatMap((f) => f.lookBack?.instances ?? []);
  lines.push(
    `incidents: ${fires.length} fire(s), ${serious.length} serious; investigations closed ${investigations.filter((i) => i.status === 'closed').length} of ${investigations.length}` +
      `${investigations.some((i) => i.closedOn) ? ` (${list(investigations.flatMap((i) => (i.closedOn ? [i.closedOn] : [])))})` : ''}` +
      `, accountability reviews ${serious.reduce((n, f) => n + f.accountabilityReview.length, 0)}, rectifications ${serious.reduce((n, f) => n + f.rectifications.length, 0)}` +
      `, look-backs ${lookBacks.length}${lookBacks.length > 0 ? ` (opening ${list([...new Set(lookBacks.map((l) => l.opensOn))].sort())})` : ''}`,
  );
  const hazards = summary.hazards ?? [];
  const total = (pick: (h: (typeof hazards)[number]) => number) => hazards.reduce((n, h) => n + pick(h), 0);
  const exposures = hazards.flatMap((h) => h.exposures);
  lines.push(
    `hazards: ${total((h) => h.total)} (general ${total((h) => h.byGrade.general)}, major ${total((h) => h.byGrade.major)}; self-built houses ${total((h) => h.selfBuiltHouses)}); ` +
      `closed ${total((h) => h.byStatus.closed)} (on time ${total((h) => h.closedOnTime)}, late ${total((h) => h.closedLate)}), open ${total((h) => h.byStatus.open)}; ` +
      `listed ${total((h) => h.listed.length)}; exposure lists ${exposures.length}, published ${exposures.filter((e) => e.status === 'published').length}` +
      `${exposures.length > 0 && hazards.length === 1 ? ` (${exposures.map((e) => `${e.quarter} ${e.entries} on ${e.publishedOn ?? e.status}`).join(', ')})` : ''}`,
  );
  const alerts = summary.notices.filter((n) => n.kind === 'alert');
  const alertDays = [...new Set(alerts.map((n) => n.sentOn))].sort();
  lines.push(`key-date alerts: ${alerts.length} mail(s) on ${alertDays.length} day(s)${alertDays.length > 0 ? `: ${list(alertDays, 6)}` : ''}`);
  return lines;
}

/**
 * Runs a whole simulation: used by `fireplan simulate`, `npm start` and `fireplan bench`. The
 * runtime is returned still running: the caller stops it. `template` skips loading (or
 * synthesizing) cdk.out's; `env` is set over the replay's quiet defaults.
 */
export async function runSimulation(
  plan: Plan,
  settings: {
    seed: number;
    towns: number;
    from: IsoDate;
    to: IsoDate;
    out: string;
    dataDir?: string;
    onDay?: (day: IsoDate, index: number, total: number) => void;
    template?: CfnTemplate;
    env?: Record<string, string>;
    /** The clock of API requests served on the runtime afterwards (the S3 stand-in judges presigned URLs by it). */
    clock?: () => Date;
  },
) {
  const repoRoot = resolve(import.meta.dirname, '../..');
  const template = settings.template ?? (await loadOrSynthesize({ repoRoot })).template;
  const runtime = createLocalRuntime({
    template,
    repoRoot,
    ...(settings.dataDir ? { dataDir: settings.dataDir } : {}),
    ...(settings.clock ? { clock: settings.clock } : {}),
    env: { POWERTOOLS_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'ERROR', CONSOLE_URL: 'http://localhost:8080', ...settings.env },
  });
  await runtime.start();
  try {
    const summary = await simulate({ plans: townPlans(plan, settings.towns), seed: settings.seed, from: settings.from, to: settings.to, runtime, ...(settings.onDay ? { onDay: settings.onDay } : {}) });
    await mkdir(settings.out, { recursive: true });
    const summaryPath = join(settings.out, 'summary.json');
    const reportPath = join(settings.out, 'report.html');
    await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    await writeFile(reportPath, reportHtml(summary));
    return { summary, summaryPath, reportPath, runtime };
  } catch (error) {
    await runtime.stop();
    throw error;
  }
}

export function registerSimulateCommand(program: Command, context: CliContext): void {
  program
    .command('simulate')
    .description("replay a plan's year on the local runtime and write DIR/summary.json and DIR/report.html")
    .requiredOption('--plan <file>', 'the plan file')
    .requiredOption('--out <dir>', 'where to write summary.json and report.html')
    .option('--seed <n>', 'chooses which units are prompt, late or never', '1')
    .option('--towns <n>', 'how many towns run the plan', '1')
    .option('--from <date>', 'first day replayed (default: the plan takes effect)')
    .option('--to <date>', 'last day replayed (default: the plan ends)')
    .option('--quiet', 'no progress bar')
    .action(async (options: SimulateOptions) => {
      const { io } = context;
      const loaded = await loadPlanFile(options.plan);
      if (!loaded.ok) {
        reportLoadFailure(io, loaded);
        return context.exit(EXIT_INVALID);
      }
      const checked = checkOptions(options, loaded.plan);
      if ('problems' in checked) {
        for (const problem of checked.problems) println(io.stderr, `fireplan simulate: ${problem}`);
        return context.exit(EXIT_INVALID);
      }
      try {
        const run = await runSimulation(loaded.plan, { ...checked, out: options.out, onDay: progressBar(io, options.quiet === true) });
        await run.runtime.stop();
        printSummary(io, run.summary);
        println(io.stdout, `wrote ${run.summaryPath} and ${run.reportPath}`);
        context.exit(EXIT_OK);
      } catch (error) {
        println(io.stderr, `fireplan simulate: ${(error as Error).message}`);
        context.exit(EXIT_FAILURE);
      }
    });
}
