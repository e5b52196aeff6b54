/**
 * The embedded local runtime: the synthesized template's state machines, run by
 * aws-local-stepfunctions on the template's own handler modules, with real AWS SDK clients talking
 * to dynalite, aws-ses-v2-local and the S3 stand-in (s3rver behind a signature check, with the
 * template's buckets) in this process, and the template's schedules fired on an injected clock.
 * Nothing is re-described for local use.
 *
 *   const runtime = createLocalRuntime({ templatePath: 'cdk.out/Fireplan.template.json', repoRoot });
 *   await runtime.start();
 *   await runtime.fireSchedules('2022-05-01T00:00:00Z', '2022-05-02T00:00:00Z');
 *   runtime.counters.operations();   // { stateTransitions, lambdaInvocations, dynamodbReads, … }
 *   await runtime.stop();
 *
 * The runtime never reads the system clock for anything that affects results: executions are
 * named from a counter or the fire instant, and schedules fire only in the window they are given.
 * One runtime runs at a time per process (handler modules and their SDK clients are process-wide).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Counters, instrumentAllDynamoDbClients, setActiveCounters, setIndexKeys } from './counters.ts';
import { fireTimes, parseScheduleExpression, schedulerTime, utcOffsetMinutes } from './cron.ts';
import type { ScheduleExpression } from './cron.ts';
import { applyAwsEnv, ensureTables, sesStore, startEmulators } from './emulators.ts';
import type { Emulators, MailMessage } from './emulators.ts';
import { routeDynamoDbClientsInProcess } from './in-process-transport.ts';
import { LocalFunctions } from './lambda-functions.ts';
import { LocalStateMachine } from './state-machines.ts';
import type { DeadLetter, ExecutionResult } from './state-machines.ts';
import { findFunction, findStateMachine, loadTemplate, TemplateError } from './template.ts';
import type { CfnTemplate, LocalTemplate, ScheduleSpec } from './template.ts';

export interface LocalRuntimeOptions {
  /** A template object, or the path of `cdk.out/<Stack>.template.json` in `templatePath`. */
  template?: CfnTemplate;
  templatePath?: string;
  /** Stack name, for `AWS::StackName`; defaults to the template file's name. */
  stackName?: string;
  /** Repository root: `fireplan:entry` paths are relative to it. */
  repoRoot: string;
  /** Keep DynamoDB data (and the dead letters) on disk under this directory; in memory when absent. */
  dataDir?: string;
  /** Variables set after the template's, e.g. `{ LOG_LEVEL: 'ERROR' }` for a quiet replay. */
  env?: Record<string, string>;
  host?: string;
  ports?: { dynamodb?: number; ses?: number; s3?: number };
  /**
   * The clock the S3 stand-in judges presigned URLs' expiry by: give the API server's clock when its
   * requests are dated otherwise than by the system clock (a presigned URL is signed at the request's time).
   * @default the system clock
   */
  clock?: () => Date;
  /**
   * How this process's SDK clients reach dynalite: `in-process` hands each HTTP request to
   * dynalite's request listener without the loopback socket (see in-process-transport.ts); `http`
   * goes through the socket. Either way the SDK serializes, signs and parses as on AWS.
   * @default 'in-process'
   */
  dynamodbTransport?: 'in-process' | 'http';
  /**
   * Where dynalite runs: `worker` (a worker thread, so that DynamoDB and the handlers use two
   * cores) or `main` (this thread).
   * @default 'worker'
   */
  dynamodbThread?: 'worker' | 'main';
}

export interface ScheduledFire {
  schedule: string;
  scheduleLogicalId: string;
  stateMachine: string;
  /** The fire instant, as substituted for `<aws.scheduler.scheduled-time>`: `2022-05-01T22:00:00Z`. */
  scheduledTime: string;
  input: unknown;
}

export interface ScheduledRun extends ScheduledFire {
  execution: ExecutionResult;
}

export interface Mailbox {
  /** The aws-ses-v2-local web page; `${url}/store` returns the captured mail as JSON. */
  readonly url: string;
  /** The messages received since this runtime started, oldest first; with `from`, only those from that index on (copies). */
  messages(from?: number): MailMessage[];
  /** How many messages were received since this runtime started (`messages().length`, without copying them). */
  count(): number;
}

export interface LocalRuntime {
  readonly template: LocalTemplate;
  readonly counters: Counters;
  readonly deadLetters: readonly DeadLetter[];
  readonly mailbox: Mailbox;
  readonly endpoints: { dynamodb: string; ses: string; s3: string };
  readonly warnings: readonly string[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Starts an execution by state machine name (`DailyFollowUp`) or logical id, and waits for its end. */
  runStateMachine(name: string, input?: unknown, options?: { executionName?: string }): Promise<ExecutionResult>;
  /** What the schedules would fire in [from, to), in time order, without running anything. */
  plannedFires(from: Date | string, to: Date | string): ScheduledFire[];
  /** Fires every enabled schedule whose expression hits [from, to), in time order, one execution at a time. */
  fireSchedules(from: Date | string, to: Date | string): Promise<ScheduledRun[]>;
  /** Invokes a function (by friendly name or logical id) the way API Gateway would: counted, JSON in and out. */
  invokeFunction(name: string, event: unknown): Promise<unknown>;
}

let activeRuntime: string | undefined;

/**
 * LevelDB allows one process per directory, and dynalite throws (uncaught, ending the process) when
 * it cannot open it: take the directory with a pid file first, so that a second process gets a
 * clear error instead. A pid file left by a process that no longer runs is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'runtime.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(file, 'utf8'));
      let alive = Number.isInteger(pid) && pid > 0 && pid !== process.pid;
      if (alive) {
        try {
          process.kill(pid, 0);
        } catch {
          alive = false;
        }
      }
      if (alive) throw new Error(`the data directory ${dataDir} is in use by the local runtime of process ${pid}`, { cause: error });
      rmSync(file, { force: true });
    }
  }
  throw new Error(`cannot lock the data directory ${dataDir}`);
}

function instant(value: Date | string, what: string): Date {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new Error(`${what}: '${String(value)}' is not an instant`);
  return date;
}

function compactTime(scheduledTime: string): string {
  return scheduledTime.replace(/[-:]/g, '');
}

function scheduleInput(schedule: ScheduleSpec, scheduledTime: string, executionId: string): unknown {
  if (schedule.input === undefined) return {};
  const text = schedule.input
    .replaceAll('<aws.scheduler.scheduled-time>', scheduledTime)
    .replaceAll('<aws.scheduler.execution-id>', executionId)
    .replaceAll('<aws.scheduler.attempt-number>', '1')
    .replaceAll('<aws.scheduler.schedule-arn>', `arn:aws:scheduler:cn-local:000000000000:schedule/default/${schedule.name}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Reads and checks the template; throws if anything in it cannot run locally (a Task whose
 * resource is not emulated, JSONata, an unsupported schedule expression, a missing handler file),
 * listing every problem, so that nothing ever falls through to real AWS.
 */
export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const source = options.template ?? options.templatePath;
  if (!source) throw new Error('createLocalRuntime: give a template or a templatePath');
  const template = loadTemplate(source, options.stackName);
  const repoRoot = resolve(options.repoRoot);
  let emulators: Emulators | undefined;
  let unlockDataDir: (() => void) | undefined;
  /** Mail already in the process-wide SES store when this runtime started is not this runtime's. */
  let mailBaseline = new Set<string>();
  /**
   * This runtime's messages, kept up to date incrementally: the store only appends (or is replaced
   * whole when cleared), so each message is looked at once, not once per call. A replay asks twice
   * a day, and copying or filtering the whole mailbox each time grows with the square of its size.
   */
  let ownMail: MailMessage[] = [];
  let scannedStore: MailMessage[] | undefined;
  let scanned = 0;
  function storeEmails(): MailMessage[] {
    const emails = sesStore().getStoreReadonly().emails;
    if (emails !== scannedStore || emails.length < scanned) {
      scannedStore = emails;
      scanned = 0;
      ownMail = [];
    }
    for (; scanned < emails.length; scanned += 1) {
      const message = emails[scanned] as MailMessage;
      if (!mailBaseline.has(message.messageId)) ownMail.push(message);
    }
    return ownMail;
  }
  let executionCounter = 0;
  const warnings: string[] = [];
  const runtimeId = `${template.stackName}@${repoRoot}`;
  let counters = new Counters(() => storeEmails().length);
  const functions = new LocalFunctions(template.functions, repoRoot, () => counters);

  const deadLetters: DeadLetter[] = [];
  const deadLetterFile = options.dataDir ? join(resolve(options.dataDir), 'dead-letters.jsonl') : undefined;
  const sendToQueue = (letter: DeadLetter) => {
    deadLetters.push(letter);
    if (deadLetterFile) appendFileSync(deadLetterFile, `${JSON.stringify(letter)}\n`);
  };

  const problems: string[] = [];
  const machines = new Map<string, LocalStateMachine>();
  for (const spec of template.stateMachines) {
    if (spec.problems.length) {
      problems.push(...spec.problems.map((p) => `state machine ${spec.name} (${spec.logicalId}): ${p}`));
    } else {
      try {
        machines.set(spec.logicalId, new LocalStateMachine(spec, { functions, counters: () => counters, sendToQueue }));
      } catch (error) {
        problems.push(`state machine ${spec.name} (${spec.logicalId}): ${(error as Error).message}`);
      }
    }
  }
  const expressions = new Map<string, ScheduleExpression>();
  for (const schedule of template.schedules) {
    problems.push(...schedule.problems);
    try {
      expressions.set(schedule.logicalId, parseScheduleExpression(schedule.expression));
      utcOffsetMinutes(schedule.timezone);
    } catch (error) {
      problems.push(`schedule ${schedule.name} (${schedule.logicalId}): ${(error as Error).message}`);
    }
  }
  problems.push(...functions.check());
  if (problems.length) {
    throw new TemplateError(`the template cannot run on the local runtime:\n  - ${problems.join('\n  - ')}`);
  }


  function requireStarted(): Emulators {
    if (!emulators) throw new Error('the local runtime is not started: call start() first');
    return emulators;
  }

  async function run(logicalId: string, input: unknown, executionName: string): Promise<ExecutionResult> {
    requireStarted();
    const machine = machines.get(logicalId);
    if (!machine) throw new Error(`state machine ${logicalId} cannot run locally`);
    return machine.run(input, { executionName });
  }

  function plannedFires(fromValue: Date | string, toValue: Date | string): ScheduledFire[] {
    const from = instant(fromValue, 'from');
    const to = instant(toValue, 'to');
    const fires: (ScheduledFire & { at: number; order: number })[] = [];
    template.schedules.forEach((schedule, order) => {
      if (!schedule.enabled || !schedule.targetStateMachine) return;
      const start = schedule.startDate ? Math.max(from.getTime(), instant(schedule.startDate, `${schedule.name} StartDate`).getTime()) : from.getTime();
      const end = schedule.endDate ? Math.min(to.getTime(), instant(schedule.endDate, `${schedule.name} EndDate`).getTime()) : to.getTime();
      const expression = expressions.get(schedule.logicalId) as ScheduleExpression;
      for (const at of fireTimes(expression, { from: new Date(start), to: new Date(end) }, schedule.timezone)) {
        const scheduledTime = schedulerTime(at);
        const stateMachine = template.stateMachines.find((sm) => sm.logicalId === schedule.targetStateMachine);
        fires.push({
          schedule: schedule.name,
          scheduleLogicalId: schedule.logicalId,
          stateMachine: stateMachine?.name ?? schedule.targetStateMachine,
          scheduledTime,
          input: scheduleInput(schedule, scheduledTime, `${schedule.name}-${compactTime(scheduledTime)}`),
          at: at.getTime(),
          order,
        });
      }
    });
    // Simultaneous fires run in template order (on AWS they would run concurrently).
    fires.sort((a, b) => a.at - b.at || a.order - b.order);
    return fires.map(({ at: _at, order: _order, ...fire }) => fire);
  }

  const runtime: LocalRuntime = {
    template,
    get counters() {
      return counters;
    },
    deadLetters,
    mailbox: {
      get url() {
        return requireStarted().mailboxUrl;
      },
      messages: (from = 0) => storeEmails().slice(from).map((m) => structuredClone(m)),
      count: () => storeEmails().length,
    },
    get endpoints() {
      const e = requireStarted();
      return { dynamodb: e.dynamodbEndpoint, ses: e.sesEndpoint, s3: e.s3Endpoint };
    },
    get warnings() {
      return [...warnings, ...functions.warnings];
    },

    async start() {
      if (emulators) return;
      if (activeRuntime) throw new Error(`another local runtime (${activeRuntime}) is running in this process: stop it first`);
      activeRuntime = runtimeId;
      try {
        if (options.dataDir) {
          mkdirSync(resolve(options.dataDir), { recursive: true });
          unlockDataDir = lockDataDir(resolve(options.dataDir));
        }
        const inProcessDynamoDb = options.dynamodbTransport !== 'http';
        emulators = await startEmulators({
          dataDir: options.dataDir ? resolve(options.dataDir) : undefined,
          host: options.host,
          dynamodbPort: options.ports?.dynamodb,
          sesPort: options.ports?.ses,
          s3Port: options.ports?.s3,
          buckets: template.buckets.map((b) => b.bucketName),
          ...(options.clock ? { clock: options.clock } : {}),
          inProcessDynamoDb,
          dynamodbThread: options.dynamodbThread ?? 'worker',
        });
        applyAwsEnv(emulators.env);
        await instrumentAllDynamoDbClients();
        setIndexKeys(template.tables);
        if (inProcessDynamoDb) await routeDynamoDbClientsInProcess();
        await ensureTables(emulators.dynamodbEndpoint, template.tables);
        mailBaseline = new Set(sesStore().getStoreReadonly().emails.map((m) => m.messageId));
        scannedStore = undefined;
        counters = new Counters(() => storeEmails().length);
        setActiveCounters(counters);
        deadLetters.length = 0;
        if (deadLetterFile && existsSync(deadLetterFile)) {
          for (const line of readFileSync(deadLetterFile, 'utf8').split('\n')) if (line.trim()) deadLetters.push(JSON.parse(line) as DeadLetter);
        }
        // Template variables first, then the caller's; then every handler module is loaded (its cold start).
        for (const fn of template.functions) if (fn.entry) Object.assign(process.env, fn.environment);
        if (options.env) Object.assign(process.env, options.env);
        await functions.loadAll();
        if (options.env) Object.assign(process.env, options.env);
      } catch (error) {
        await runtime.stop();
        throw error;
      }
    },

    async stop() {
      const running = emulators;
      emulators = undefined;
      setActiveCounters(undefined);
      if (activeRuntime === runtimeId) activeRuntime = undefined;
      try {
        await running?.stop();
      } finally {
        unlockDataDir?.();
        unlockDataDir = undefined;
      }
    },

    async runStateMachine(name, input = {}, runOptions = {}) {
      const spec = findStateMachine(template, name);
      executionCounter += 1;
      const executionName = runOptions.executionName ?? `${spec.name}-${String(executionCounter).padStart(6, '0')}`;
      return run(spec.logicalId, input, executionName);
    },

    plannedFires,

    async fireSchedules(from, to) {
      requireStarted();
      const runs: ScheduledRun[] = [];
      for (const fire of plannedFires(from, to)) {
        const schedule = template.schedules.find((s) => s.logicalId === fire.scheduleLogicalId) as ScheduleSpec;
        const execution = await run(schedule.targetStateMachine as string, fire.input, `${fire.schedule}-${compactTime(fire.scheduledTime)}`);
        runs.push({ ...fire, execution });
      }
      return runs;
    },

    async invokeFunction(name, event) {
      requireStarted();
      return functions.invoke(findFunction(template, name).logicalId, event);
    },
  };
  return runtime;
}
