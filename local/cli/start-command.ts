import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { isIsoDate, localDate } from '../../functions/core/dates.ts';
import { openingCadences } from '../../functions/core/opening.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import type { LocalRuntime, MailMessage } from '../runtime/index.ts';
import { createLocalRuntime, loadOrSynthesize } from '../runtime/index.ts';
import { serveLocalApi } from '../api/serve.ts';
import { startMailboxServer, type StoredMail } from '../mailbox/mailbox-server.ts';
import type { Summary } from '../simulate/summary.ts';
import { EXIT_FAILURE, EXIT_INVALID, println, type CliContext, type Io } from './io.ts';
import { loadPlanFile, reportLoadFailure } from './plan-file.ts';
import { printSummary, runSimulation } from './simulate-command.ts';

/**
 * `npm start`: replay the plan's year on the local runtime into ./out (once: the state persists
 * under .data/ and a restart serves it again), then keep serving the mailbox page and the HTTP API
 * (on the runtime, which stays running for it). `--live` runs the same runtime on the real clock instead.
 */

interface StartOptions {
  plan: string;
  out: string;
  dataDir: string;
  port: string;
  apiPort: string;
  corsOrigin?: string;
  seed: string;
  to?: string;
  live?: boolean;
}

interface ReplayMarker {
  planHash: string;
  seed: number;
  to: string;
}

/** Pairs each message with its summary notice: the n-th mail to an address with a subject is the n-th such notice. */
export function storedMail(summary: Summary, messages: readonly MailMessage[]): StoredMail[] {
  const queues = new Map<string, Summary['notices']>();
  for (const notice of summary.notices) {
    const key = `${notice.to.join(',')}\u0000${notice.subject}`;
    queues.set(key, [...(queues.get(key) ?? []), notice]);
  }
  return messages.map((m) => {
    const to = [...m.destination.to].sort();
    const notice = queues.get(`${to.join(',')}\u0000${m.subject}`)?.shift();
    return { sentOn: notice?.sentOn ?? '', to, subject: m.subject, kind: notice?.kind ?? 'mail', text: m.body.text ?? '', html: m.body.html ?? '' };
  });
}

async function serveMailbox(io: Io, source: () => readonly StoredMail[], port: number): Promise<{ url: string; close: () => Promise<void> }> {
  let started: Awaited<ReturnType<typeof startMailboxServer>>;
  try {
    started = await startMailboxServer(source, port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    println(io.stderr, `port ${port} is taken; serving the mailbox on a free port instead`);
    started = await startMailboxServer(source, 0);
  }
  const { server, url } = started;
  return { url, close: () => new Promise((done) => server.close(() => done())) };
}

function waitForInterrupt(): Promise<void> {
  return new Promise((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

/**
 * The replayed world's clock: the last replayed day at 17:00 in Shanghai, running on from when the
 * server starts. A report sent to the replay is dated in the replay's year, not years late.
 */
export function replayWorldClock(lastDay: string, realNow: () => Date = () => new Date()): () => Date {
  const offset = realNow().getTime() - new Date(`${lastDay}T17:00:00+08:00`).getTime();
  return () => new Date(realNow().getTime() - offset);
}

/** The API beside the mailbox, on a running runtime: its address and an admin token of the plan's town are printed. */
async function serveApi(context: CliContext, runtime: LocalRuntime, plan: Plan, options: StartOptions, clock: () => Date) {
  const { io } = context;
  const api = await serveLocalApi({
    runtime,
    dataDir: options.dataDir,
    town: plan.town.id,
    port: Number(options.apiPort),
    ...(options.corsOrigin ? { corsOrigin: options.corsOrigin } : {}),
    clock,
    onPortTaken: (taken) => println(io.stderr, `port ${taken} is taken; serving the API on a free port instead`),
    onError: (error) => println(io.stderr, `fireplan: API request failed: ${(error as Error).message}`),
  });
  return api;
}

function printApi(context: CliContext, api: Awaited<ReturnType<typeof serveApi>>, plan: Plan): void {
  println(context.io.stdout, `API:     ${api.url}  (${api.server.routes.length} routes; the OpenAPI document is ${api.url}/openapi.json, with a token)`);
  println(context.io.stdout, `Admin token for ${plan.town.id} (8 h; more with \`npx fireplan token --role admin|leader|unit …\`):`);
  println(context.io.stdout, `  ${api.adminToken}`);
}

async function replay(context: CliContext, plan: Plan, planText: string, options: StartOptions, seed: number, world: () => Date): Promise<{ mail: StoredMail[]; runtime?: LocalRuntime }> {
  const { io } = context;
  const dataDir = resolve(options.dataDir, 'replay');
  const markerFile = join(dataDir, 'replay.json');
  const mailFile = join(dataDir, 'mailbox.json');
  const to = options.to ?? plan.effectiveTo;
  const marker: ReplayMarker = { planHash: createHash('sha256').update(planText).digest('hex'), seed, to };
  if (existsSync(markerFile) && existsSync(mailFile) && JSON.stringify(JSON.parse(readFileSync(markerFile, 'utf8'))) === JSON.stringify(marker)) {
    println(io.stdout, `The ${plan.id} replay (seed ${seed}, to ${to}) is already in ${options.dataDir}/replay/; serving it again. Delete it to replay from scratch.`);
    const summaryFile = join(options.out, 'summary.json');
    if (existsSync(summaryFile)) printSummary(io, JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary);
    return { mail: JSON.parse(readFileSync(mailFile, 'utf8')) as StoredMail[] };
  }
  // A replay is only reproducible from an empty table: an interrupted one starts over.
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  println(io.stdout, `Replaying ${plan.id} from ${plan.effectiveFrom} to ${to} on the local runtime (state in ${options.dataDir}/) …`);
  let lastMonth = '';
  const run = await runSimulation(plan, {
    seed,
    towns: 1,
    from: plan.effectiveFrom,
    to,
    out: options.out,
    dataDir,
    clock: world,
    onDay: (day, index, total) => {
      if (day.slice(0, 7) === lastMonth && index + 1 < total) return;
      lastMonth = day.slice(0, 7);
      println(io.stderr, `  ${day}  ${index + 1}/${total} days`);
    },
  });
  const mail = storedMail(run.summary, run.runtime.mailbox.messages());
  writeFileSync(mailFile, `${JSON.stringify(mail)}\n`);
  writeFileSync(markerFile, `${JSON.stringify(marker)}\n`);
  printSummary(io, run.summary);
  println(io.stdout, `Wrote ${run.summaryPath} and ${run.reportPath}.`);
  // The runtime keeps running: the API is served on it.
  return { mail, runtime: run.runtime };
}

/** A runtime on a replay kept from an earlier start (one runtime per process: made only when the replay did not leave one running). */
async function replayRuntime(options: StartOptions, world: () => Date): Promise<LocalRuntime> {
  const repoRoot = resolve(import.meta.dirname, '../..');
  const { template } = await loadOrSynthesize({ repoRoot });
  const runtime = createLocalRuntime({ template, repoRoot, dataDir: resolve(options.dataDir, 'replay'), clock: world, env: { POWERTOOLS_LOG_LEVEL: 'ERROR', LOG_LEVEL: 'ERROR' } });
  await runtime.start();
  return runtime;
}

async function live(context: CliContext, plan: Plan, options: StartOptions, port: number): Promise<void> {
  const { io } = context;
  const repoRoot = resolve(import.meta.dirname, '../..');
  const dataDir = resolve(options.dataDir, 'live');
  mkdirSync(dataDir, { recursive: true });
  const { template } = await loadOrSynthesize({ repoRoot });
  const runtime = createLocalRuntime({ template, repoRoot, dataDir, env: { POWERTOOLS_LOG_LEVEL: 'WARN' } });
  await runtime.start();
  const table = await import('../../functions/adapters/table.ts');
  const clockFile = join(dataDir, 'clock.json');
  const now = () => new Date();
  const today = localDate(now(), plan.timeZone);
  const towns = await table.listTowns();
  if (!towns.includes(plan.town.id)) {
    await table.putTownPlan(plan, 'v1');
    for (const cadence of openingCadences) await runtime.runStateMachine('PeriodOpening', { cadence, scheduledTime: now().toISOString() });
  }
  if (today < plan.effectiveFrom || today > plan.effectiveTo) {
    println(io.stdout, `Note: ${plan.id} is in force from ${plan.effectiveFrom} to ${plan.effectiveTo}; today (${today}) is outside it, so its workflows have nothing to do. Load a current plan to see them act.`);
  }
  // Schedules missed while the process was down are fired on restart, up to a week back.
  const saved = existsSync(clockFile) ? new Date(JSON.parse(readFileSync(clockFile, 'utf8')) as string) : now();
  let last = new Date(Math.max(saved.getTime(), now().getTime() - 7 * 86_400_000));
  const tick = async () => {
    const until = now();
    const runs = await runtime.fireSchedules(last, until);
    for (const r of runs) println(io.stdout, `${r.scheduledTime} ${r.stateMachine}: ${r.execution.status}`);
    last = until;
    writeFileSync(clockFile, JSON.stringify(until.toISOString()));
  };
  await tick();
  const timer = setInterval(() => void tick().catch((error: unknown) => println(io.stderr, `fireplan: ${(error as Error).message}`)), 30_000);
  const mailbox = await serveMailbox(
    io,
    () => runtime.mailbox.messages().map((m) => ({ sentOn: '', to: m.destination.to, subject: m.subject, kind: 'mail', text: m.body.text ?? '', html: m.body.html ?? '' })),
    port,
  );
  const api = await serveApi(context, runtime, plan, options, now);
  println(io.stdout, `Live on the real clock. Mailbox: ${mailbox.url}  (Ctrl-C to stop)`);
  printApi(context, api, plan);
  await waitForInterrupt();
  clearInterval(timer);
  await api.close();
  await mailbox.close();
  await runtime.stop();
}

export function registerStartCommand(program: Command, context: CliContext): void {
  program
    .command('start')
    .description('replay the plan on the local runtime into ./out, then serve the mailbox (npm start)')
    .option('--plan <file>', 'the plan file', 'plans/qingfeng-2022.yaml')
    .option('--out <dir>', 'where summary.json and report.html go', 'out')
    .option('--data-dir <dir>', 'where the state persists', '.data')
    .option('--port <n>', 'the mailbox page port', '8080')
    .option('--api-port <n>', 'the HTTP API port', '8081')
    .option('--cors-origin <origin>', 'the one browser origin allowed to call the API (e.g. http://localhost:5173)')
    .option('--seed <n>', 'the replay seed', '1')
    .option('--to <date>', 'the last day replayed (default: the plan ends)')
    .option('--live', 'run on the real clock instead of replaying')
    .action(async (options: StartOptions) => {
      const { io } = context;
      const loaded = await loadPlanFile(options.plan);
      if (!loaded.ok) {
        reportLoadFailure(io, loaded);
        return context.exit(EXIT_INVALID);
      }
      const port = Number(options.port);
      const seed = Number(options.seed);
      const problems = [
        ...(!/^\d+$/.test(options.port) || port > 65535 ? [`--port must be a port number, got ${JSON.stringify(options.port)}`] : []),
        ...(!/^\d+$/.test(options.apiPort) || Number(options.apiPort) > 65535 ? [`--api-port must be a port number, got ${JSON.stringify(options.apiPort)}`] : []),
        ...(options.corsOrigin !== undefined && !/^https?:\/\/[^/\s]+$/.test(options.corsOrigin) ? [`--cors-origin must be an origin such as http://localhost:5173 (no path), got ${JSON.stringify(options.corsOrigin)}`] : []),
        ...(!/^\d+$/.test(options.seed) ? [`--seed must be a whole number, got ${JSON.stringify(options.seed)}`] : []),
        ...(options.to !== undefined && (!isIsoDate(options.to) || options.to < loaded.plan.effectiveFrom) ? [`--to must be a date (YYYY-MM-DD) on or after ${loaded.plan.effectiveFrom}`] : []),
      ];
      if (problems.length > 0) {
        for (const p of problems) println(io.stderr, `fireplan start: ${p}`);
        return context.exit(EXIT_INVALID);
      }
      try {
        if (options.live) return await live(context, loaded.plan, options, port);
        // The API answers in the replayed world, and presigned URLs are judged on the same clock.
        const world = replayWorldClock(options.to ?? loaded.plan.effectiveTo);
        const replayed = await replay(context, loaded.plan, readFileSync(options.plan, 'utf8'), options, seed, world);
        const { mail } = replayed;
        const runtime = replayed.runtime ?? (await replayRuntime(options, world));
        try {
          const mailbox = await serveMailbox(io, () => mail, port);
          const api = await serveApi(context, runtime, loaded.plan, options, world);
          println(io.stdout, `Mailbox: ${mailbox.url}  (${mail.length} emails; Ctrl-C to stop)`);
          println(io.stdout, `The API answers in the replayed world: it is ${world().toISOString()} there, and its clock runs on from that.`);
          printApi(context, api, loaded.plan);
          println(io.stdout, `Report:  ${resolve(options.out, 'report.html')}`);
          await waitForInterrupt();
          await api.close();
          await mailbox.close();
        } finally {
          await runtime.stop();
        }
      } catch (error) {
        println(io.stderr, `fireplan start: ${(error as Error).message}`);
        context.exit(EXIT_FAILURE);
      }
    });
}
