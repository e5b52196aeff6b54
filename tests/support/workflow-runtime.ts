/**
 * Shared setup of the workflow tests: the real template (`loadOrSynthesize`) on the embedded local
 * runtime, one runtime per test file (vitest runs each file in its own worker), and helpers to seed
 * a town, replay days on the runtime's schedules, report work through ReportWork and read what was
 * stored and what reached the mailbox.
 *
 * Nothing under functions/adapters may be imported statically here or in a test: those modules
 * create their AWS SDK clients and read TABLE_NAME when they load, and must load only after the
 * runtime has pointed the environment at its emulators (else they would talk to real AWS).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { addDays, type IsoDate } from '../../functions/core/dates.ts';
import { parseInstanceId } from '../../functions/core/ids.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { planSchema, type Plan } from '../../functions/core/plan-schema.ts';
import { setActiveCounters } from '../../local/runtime/counters.ts';
import type { MailMessage } from '../../local/runtime/emulators.ts';
import { createLocalRuntime, type LocalRuntime, type ScheduledRun } from '../../local/runtime/runtime.ts';
import { loadOrSynthesize } from '../../local/runtime/synth.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');

type TableModule = typeof import('../../functions/adapters/table.ts');
type ClientsModule = typeof import('../../functions/adapters/aws-clients.ts');

/** The 2022 Qingfeng plan as the repository has it. */
export function qingfengPlan(): Plan {
  const file = join(repoRoot, 'plans/qingfeng-2022.yaml');
  return parsePlan(readFileSync(file, 'utf8'), file);
}

/**
 * The Qingfeng plan run by a town of its own: its own id, and every contact address moved to the
 * town's own domain (`emergency-office@<town>.example.org`), so that one test's mail is never
 * mistaken for another's. `duties` keeps only the duties named (all when absent).
 */
export function townPlan(town: string, options: { duties?: string[] } = {}): Plan {
  const plan = qingfengPlan();
  const duties = options.duties ? plan.duties.filter((d) => options.duties?.includes(d.id)) : plan.duties;
  if (options.duties && duties.length !== options.duties.length) throw new Error(`unknown duties in ${options.duties.join(', ')}`);
  return planSchema.parse({
    ...plan,
    id: `${plan.id}-${town}`,
    town: { ...plan.town, id: town, name: `${plan.town.name}（${town}）` },
    units: plan.units.map((u) => ({ ...u, contacts: u.contacts.map((c) => ({ ...c, email: address(town, u.id) })) })),
    duties,
  });
}

/** A unit's (only) address in a town seeded by `townPlan`. */
export function address(town: string, unit: string): string {
  return `${unit}@${town}.example.org`;
}

/** A day's instant at a Shanghai wall-clock time (UTC+8, no daylight saving). */
export function shanghai(day: IsoDate, time = '00:00'): string {
  return new Date(`${day}T${time}:00+08:00`).toISOString();
}

export function daysFrom(from: IsoDate, to: IsoDate): IsoDate[] {
  const days: IsoDate[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * What a digest says about each duty instance, as its reader sees it: the section it is listed under
 * (`新任务`, `到期提醒`, `督办·黄灯`, `督办·红灯`, `警示约谈` …) and the instance's number
 * (`任务编号 <id>`).
 */
export function digestItems(message: MailMessage): { section: string; instanceId: string }[] {
  const items: { section: string; instanceId: string }[] = [];
  let section = '';
  for (const line of (message.body.text ?? '').split('\n')) {
    const heading = /^■ (.+?)（\d+）$/.exec(line);
    if (heading) section = heading[1] ?? '';
    const id = /任务编号 ([^）]+)）/.exec(line);
    if (id) items.push({ section, instanceId: id[1] ?? '' });
  }
  return items;
}

/** The unit a placeholder address of `townPlan` belongs to. */
export function unitOf(email: string): string {
  return email.slice(0, email.indexOf('@'));
}

export interface ReplayedDay {
  day: IsoDate;
  runs: ScheduledRun[];
  /** What reached the mailbox during the day. */
  mail: MailMessage[];
}

export interface WorkflowHarness {
  runtime: LocalRuntime;
  table: TableModule;
  /** The handlers' own client singletons (for fault injection). */
  clients: ClientsModule;
  tableName: string;
  /** Registers the town with its plan (as an administrator's activation does), uncounted. */
  seedTown(plan: Plan, version?: string): Promise<void>;
  /** Every item of the table removed: the runtime has no reset, and the follow-up reads every town's due work. */
  wipeTable(): Promise<void>;
  /** The mailbox, only what was sent to addresses of this town. */
  mailTo(town: string): MailMessage[];
  /** Fires the schedules day by day (each Shanghai day from 00:00 to 24:00), recording what each day sent. */
  replay(from: IsoDate, to: IsoDate): Promise<ReplayedDay[]>;
  /** `POST /instances/{id}/report` through the ReportWork function, at 10:30 Shanghai time on `day`. */
  report(id: string, day: IsoDate, note?: string): Promise<{ statusCode: number; body: Record<string, unknown> }>;
  instances(town: string): Promise<InstanceRecord[]>;
  instance(id: string): Promise<InstanceRecord>;
  /** What the table holds under `pk` (all of it), read without counting. */
  itemsOf(pk: string): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export async function startWorkflowHarness(): Promise<WorkflowHarness> {
  const { templatePath } = await loadOrSynthesize({ repoRoot });
  const runtime = createLocalRuntime({ templatePath, repoRoot, env: { LOG_LEVEL: 'ERROR', POWERTOOLS_LOG_LEVEL: 'SILENT' } });
  await runtime.start();
  // Only now: the adapters read the environment the runtime has just set.
  const table = await import('../../functions/adapters/table.ts');
  const clients = await import('../../functions/adapters/aws-clients.ts');
  const tableName = runtime.template.tables[0]?.tableName;
  if (!tableName) throw new Error('the template has no table');
  const raw = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: runtime.endpoints.dynamodb, region: 'cn-local', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }),
  );

  /** What a test does as a bystander (seeding, looking) is not what the system costs. */
  async function uncounted<T>(work: () => Promise<T>): Promise<T> {
    setActiveCounters(undefined);
    try {
      return await work();
    } finally {
      setActiveCounters(runtime.counters);
    }
  }

  async function scan(filter?: { pk: string }): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await raw.send(
        new ScanCommand({
          TableName: tableName,
          ExclusiveStartKey: start,
          ...(filter ? { FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': filter.pk } } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** A report as its own unit sends it through the API. */
  function event(id: string, at: string, note: string): unknown {
    const key = parseInstanceId(id);
    return apiGatewayEvent({
      method: 'POST',
      path: `/instances/${encodeURIComponent(id)}/report`,
      routeKey: 'POST /instances/{id}/report',
      pathParameters: { id: encodeURIComponent(id) },
      headers: { 'content-type': 'application/json', 'user-agent': 'vitest' },
      body: JSON.stringify({ note, evidence: [{ kind: 'report', name: '工作情况报告.pdf' }] }),
      at,
      ...(key ? { claims: tokenClaims({ role: 'unit', town: key.town, unit: key.owner }) } : {}),
      requestId: `workflow-test-${id}`,
    });
  }

  return {
    runtime,
    table,
    clients,
    tableName,
    seedTown: (plan, version = 'v1') => uncounted(() => table.putTownPlan(plan, version)),
    async wipeTable() {
      const keys = (await scan()).map((i) => ({ pk: i['pk'], sk: i['sk'] }));
      for (let n = 0; n < keys.length; n += 25) {
        await raw.send(new BatchWriteCommand({ RequestItems: { [tableName]: keys.slice(n, n + 25).map((Key) => ({ DeleteRequest: { Key } })) } }));
      }
    },
    mailTo: (town) => runtime.mailbox.messages().filter((m) => [...m.destination.to, ...m.destination.cc, ...m.destination.bcc].some((a) => a.endsWith(`@${town}.example.org`))),
    async replay(from, to) {
      const days: ReplayedDay[] = [];
      for (const day of daysFrom(from, to)) {
        const before = new Set(runtime.mailbox.messages().map((m) => m.messageId));
        const runs = await runtime.fireSchedules(shanghai(day), shanghai(addDays(day, 1)));
        days.push({ day, runs, mail: runtime.mailbox.messages().filter((m) => !before.has(m.messageId)) });
      }
      return days;
    },
    async report(id, day, note = '已按要求完成，相关材料见附件。') {
      const response = (await runtime.invokeFunction('ReportWork', event(id, shanghai(day, '10:30'), note))) as { statusCode: number; body: string };
      return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    },
    instances: (town) => uncounted(() => table.listTownInstances(town)),
    instance: (id) => uncounted(() => table.getInstance(id)),
    itemsOf: (pk) => scan({ pk }),
    async stop() {
      raw.destroy();
      await runtime.stop();
    },
  };
}

/** One harness for the whole test file: started before it, the table emptied before each test, stopped after it. */
export function useWorkflowHarness(): () => WorkflowHarness {
  let harness: WorkflowHarness | undefined;
  beforeAll(async () => {
    harness = await startWorkflowHarness();
  }, 60_000);
  afterAll(async () => {
    await harness?.stop();
  });
  beforeEach(async () => {
    await harness?.wipeTable();
  });
  return () => {
    if (!harness) throw new Error('the workflow harness is not started');
    return harness;
  };
}

/** Who heard what about one instance on each day: `{ '2022-10-08': ['emergency-office 督办·黄灯', …] }`. */
export function heardOf(days: readonly ReplayedDay[], instanceId: string): Record<string, string[]> {
  const heard: Record<string, string[]> = {};
  for (const { day, mail } of days) {
    for (const message of mail) {
      for (const item of digestItems(message)) {
        if (item.instanceId !== instanceId) continue;
        for (const to of message.destination.to) (heard[day] ??= []).push(`${unitOf(to)} ${item.section}`);
      }
    }
  }
  for (const list of Object.values(heard)) list.sort();
  return heard;
}
