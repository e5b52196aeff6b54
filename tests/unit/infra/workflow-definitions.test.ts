// Runs the synthesized state-machine definitions (the ASL in the template, as the local runtime
// will) with aws-local-stepfunctions and stand-in tasks, to check the JSONPath plumbing: the
// ResolveDay catch, the Choices, the Map item selectors, the follow-up page loop and the
// dead-lettering of a failed iteration.
import { rmSync } from 'node:fs';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aslOf, type JsonObject, stateMachinesByWorkflow, type Synthesized, synthesize } from './template-support.ts';

// aws-local-stepfunctions 3 uses Promise.withResolvers, which Node 20 lacks.
const P = Promise as unknown as { withResolvers?: () => unknown };
P.withResolvers ??= () => {
  let resolve!: (v: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

type Handler = (input: unknown) => Promise<unknown>;

let s: Synthesized;
let definitions: Record<string, JsonObject>;

beforeAll(() => {
  s = synthesize({ checks: false, cloudFormationValidation: false });
  const resolve = (intrinsic: JsonObject): string => {
    const getAtt = intrinsic['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `arn:aws:lambda:cn-north-1:123456789012:function:${String(getAtt[0])}`;
    if (intrinsic.Ref === 'AWS::Partition') return 'aws';
    if (typeof intrinsic.Ref === 'string') return `https://sqs.cn-north-1.amazonaws.com/123456789012/${intrinsic.Ref}`;
    throw new Error(JSON.stringify(intrinsic));
  };
  definitions = Object.fromEntries(
    Object.entries(stateMachinesByWorkflow(s.resources)).map(([workflow, id]) => [workflow, aslOf(s.resources, id, resolve)]),
  );
}, 120_000);
afterAll(() => s && rmSync(s.outdir, { recursive: true, force: true }));

const SCHEDULED = '2022-05-31T22:30:00Z'; // 06:30 on 1 June 2022 in Asia/Shanghai

function day(overrides: Record<string, unknown> = {}) {
  return {
    date: '2022-06-01',
    workday: true,
    firstWorkdayOfMonth: true,
    lastWorkdayOfYear: false,
    holidayName: null,
    shards: [0, 1, 2],
    ...overrides,
  };
}

async function run(workflow: string, input: unknown, handlers: Record<string, Handler>) {
  const calls: Record<string, unknown[]> = {};
  const dlq: unknown[] = [];
  const record =
    (name: string, fn: Handler): Handler =>
    async (event) => {
      (calls[name] ??= []).push(structuredClone(event));
      return fn(event);
    };
  const taskResourceLocalHandlers: Record<string, Handler> = {
    SendToDeadLetterQueue: async (params) => {
      dlq.push((params as { MessageBody: unknown }).MessageBody);
      return { MessageId: `m-${dlq.length}` };
    },
  };
  for (const [name, fn] of Object.entries(handlers)) taskResourceLocalHandlers[name] = record(name, fn);
  const machine = new StateMachine(definitions[workflow] as never, {
    validationOptions: { checkPaths: true, checkArn: true },
  });
  const retryIntervalOverrides = Object.fromEntries(Object.keys(taskResourceLocalHandlers).map((n) => [n, 0]));
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: taskResourceLocalHandlers as never, retryIntervalOverrides },
    context: { Execution: { Id: `arn:aws:states:cn-north-1:123456789012:execution:${workflow}:test` } },
  });
  try {
    return { output: (await execution.result) as Record<string, unknown>, calls, dlq, error: undefined };
  } catch (error) {
    return { output: undefined, calls, dlq, error: error as ExecutionError };
  }
}

const invalid: Handler = async () => {
  throw new NamedError('InvalidInputError', 'scheduledTime: Required');
};

describe('PeriodOpening', () => {
  it('opens the period in every town and dead-letters the town that fails', async () => {
    const r = await run(
      'PeriodOpening',
      { cadence: 'monthly', scheduledTime: SCHEDULED },
      {
        ResolveDay: async (e) => ({ ...day(), cadence: (e as { cadence: string }).cadence }),
        ListTowns: async () => ({ towns: ['qingfeng', 'broken', 'linjiang'] }),
        OpenPeriod: async (e) => {
          const { town, cadence, date } = e as Record<string, string>;
          if (town === 'broken') throw new NamedError('Error', 'boom');
          return { town, cadence, date, created: 3, existing: 0 };
        },
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.calls.ResolveDay).toEqual([{ cadence: 'monthly', scheduledTime: SCHEDULED }]);
    expect(r.calls.ListTowns).toEqual([{ date: '2022-06-01' }]);
    expect(r.calls.OpenPeriod).toEqual([
      { town: 'qingfeng', cadence: 'monthly', date: '2022-06-01' },
      { town: 'broken', cadence: 'monthly', date: '2022-06-01' },
      { town: 'linjiang', cadence: 'monthly', date: '2022-06-01' },
    ]);
    expect(r.dlq).toEqual([
      {
        workflow: 'PeriodOpening',
        execution: 'arn:aws:states:cn-north-1:123456789012:execution:PeriodOpening:test',
        input: {
          town: 'broken',
          cadence: 'monthly',
          date: '2022-06-01',
          error: { Error: 'Error', Cause: expect.stringContaining('boom') },
        },
      },
    ]);
    expect(r.output?.results).toHaveLength(3);
  });

  it('fails with InvalidInputError when ResolveDay rejects the input', async () => {
    const r = await run('PeriodOpening', { cadence: 'monthly' }, { ResolveDay: invalid });
    expect(r.error).toBeInstanceOf(ExecutionError);
    expect((r.error?.cause as Error).name).toBe('InvalidInputError');
    expect(r.calls.ListTowns).toBeUndefined();
  });

  it('fails with InvalidInputError when there is no cadence', async () => {
    const r = await run('PeriodOpening', { scheduledTime: SCHEDULED }, { ResolveDay: async () => day() });
    expect((r.error?.cause as Error).name).toBe('InvalidInputError');
  });
});

describe('DailyFollowUp', () => {
  it('does nothing on a rest day', async () => {
    const r = await run('DailyFollowUp', { scheduledTime: SCHEDULED }, { ResolveDay: async () => day({ workday: false }) });
    expect(r.error).toBeUndefined();
    expect(r.calls.FollowUp).toBeUndefined();
  });

  it('pages through each shard, retries throttled mail and dead-letters the failing shard', async () => {
    let throttled = false;
    const r = await run(
      'DailyFollowUp',
      { scheduledTime: SCHEDULED },
      {
        ResolveDay: async () => day(),
        FollowUp: async (e) => {
          const { shard, date, afterTown } = e as { shard: number; date: string; afterTown?: string };
          const page = { shard, date, towns: 1, instances: 2, emails: 1 };
          if (shard === 0) return { ...page, more: false };
          if (shard === 1 && afterTown === undefined) return { ...page, afterTown: 'b', more: true };
          if (shard === 1 && afterTown === 'b') {
            if (!throttled) {
              throttled = true;
              throw new NamedError('EmailThrottledError', 'SES throttled');
            }
            return { ...page, afterTown: 'd', more: true };
          }
          if (shard === 1) return { ...page, afterTown: 'f', more: false };
          throw new NamedError('Error', `shard ${shard} broke`);
        },
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.calls.ResolveDay).toEqual([{ scheduledTime: SCHEDULED }]);
    const byShard = (n: number) => r.calls.FollowUp?.filter((c) => (c as { shard: number }).shard === n);
    expect(byShard(0)).toEqual([{ shard: 0, date: '2022-06-01' }]);
    expect(byShard(1)).toEqual([
      { shard: 1, date: '2022-06-01' },
      { shard: 1, date: '2022-06-01', afterTown: 'b' },
      { shard: 1, date: '2022-06-01', afterTown: 'b' }, // the retry after EmailThrottledError
      { shard: 1, date: '2022-06-01', afterTown: 'd' },
    ]);
    expect(r.dlq).toEqual([
      {
        workflow: 'DailyFollowUp',
        execution: expect.any(String),
        input: { shard: 2, date: '2022-06-01', error: { Error: 'Error', Cause: expect.stringContaining('broke') } },
      },
    ]);
    expect(r.output?.results).toEqual([
      { shard: 0, date: '2022-06-01' },
      { shard: 1, date: '2022-06-01' },
      { messageId: 'm-1' },
    ]);
  });

  it('fails with InvalidInputError when ResolveDay rejects the input', async () => {
    const r = await run('DailyFollowUp', {}, { ResolveDay: invalid });
    expect((r.error?.cause as Error).name).toBe('InvalidInputError');
  });
});

describe.each([
  ['MonthlyReport', 'firstWorkdayOfMonth'],
  ['AnnualEvaluation', 'lastWorkdayOfYear'],
  ['KeyDateAlerts', 'workday'],
  ['RecruitmentCheck', 'firstWorkdayOfMonth'],
  ['QuarterlyExposure', 'lastWorkdayOfQuarter'],
])('%s', (workflow, flag) => {
  // The per-town task of the workflow: its own name, but for RecruitmentCheck's CheckRecruitment and QuarterlyExposure's DraftExposure.
  const task = ({ RecruitmentCheck: 'CheckRecruitment', QuarterlyExposure: 'DraftExposure' } as Record<string, string>)[workflow] ?? workflow;

  it(`does nothing unless ${flag}`, async () => {
    const r = await run(workflow, { scheduledTime: SCHEDULED }, { ResolveDay: async () => day({ [flag]: false }) });
    expect(r.error).toBeUndefined();
    expect(r.calls.ListTowns).toBeUndefined();
  });

  it(`runs ${workflow} for every town when ${flag}`, async () => {
    const r = await run(
      workflow,
      { scheduledTime: SCHEDULED },
      {
        ResolveDay: async () => day({ [flag]: true }),
        ListTowns: async () => ({ towns: ['qingfeng', 'linjiang'] }),
        [task]: async (e) => ({ ...(e as object), sent: 1 }),
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.calls.ResolveDay).toEqual([{ scheduledTime: SCHEDULED }]);
    expect(r.calls.ListTowns).toEqual([{ date: '2022-06-01' }]);
    expect(r.calls[task]).toEqual([
      { town: 'qingfeng', date: '2022-06-01' },
      { town: 'linjiang', date: '2022-06-01' },
    ]);
    expect(r.dlq).toEqual([]);
  });

  it('fails with InvalidInputError when ResolveDay rejects the input', async () => {
    const r = await run(workflow, { scheduledTime: 'yesterday' }, { ResolveDay: invalid });
    expect((r.error?.cause as Error).name).toBe('InvalidInputError');
  });
});
