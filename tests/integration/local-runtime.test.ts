import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalRuntime, type LocalRuntime } from '../../local/runtime/runtime.ts';
import type { CfnTemplate } from '../../local/runtime/template.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const templatePath = join(repoRoot, 'tests/fixtures/runtime/FixtureStack.template.json');

function fixtureTemplate(): CfnTemplate {
  return JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate;
}

/** The fixture state machine's DefinitionString parts, to derive broken variants of the template. */
function definitionParts(template: CfnTemplate): unknown[] {
  const props = template.Resources.WorkflowsFixtureFlow3A7C9B21?.Properties as { DefinitionString: { 'Fn::Join': [string, unknown[]] } };
  return props.DefinitionString['Fn::Join'][1];
}

let runtime: LocalRuntime | undefined;
const dataDirs: string[] = [];

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startRuntime(options: { dataDir?: string } = {}): Promise<LocalRuntime> {
  runtime = createLocalRuntime({ templatePath, repoRoot, ...options });
  await runtime.start();
  return runtime;
}

function tableClient(rt: LocalRuntime) {
  const client = new DynamoDBClient({ endpoint: rt.endpoints.dynamodb, region: 'cn-local', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return { doc: DynamoDBDocumentClient.from(client), tableName: rt.template.tables[0]?.tableName as string };
}

async function seedTowns(rt: LocalRuntime, towns: string[]): Promise<void> {
  const { doc, tableName } = tableClient(rt);
  for (const town of towns) await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'TOWNS', sk: `TOWN#${town}` } }));
  rt.counters.reset();
}

describe('the local runtime on the fixture template', () => {
  it('reads the state machine, function, table, queue and schedule from the template', () => {
    const rt = createLocalRuntime({ templatePath, repoRoot });

    const { stateMachines, functions, tables, queues, schedules } = rt.template;

    expect(stateMachines.map((sm) => sm.name)).toEqual(['FixtureFlow']);
    expect(stateMachines[0]?.tasks.map((t) => [t.stateName, t.target.kind])).toEqual([
      ['Prepare', 'lambda'],
      ['ProcessTown', 'lambda'],
      ['SendToDeadLetterQueue', 'sqs-send'],
    ]);
    expect(JSON.stringify(stateMachines[0]?.definition)).toContain('"Resource":"arn:aws:lambda:cn-local:000000000000:function:WorkerE5F6A7B8"');
    expect(functions[0]).toMatchObject({ name: 'Worker', entry: 'tests/fixtures/runtime/handlers/worker.ts', exportName: 'handler', timeoutSeconds: 30 });
    expect(functions[0]?.environment).toMatchObject({ TABLE_NAME: 'TableCD117FA1', MAIL_CONFIGURATION_SET: 'local-MailConfigurationSet6D1A2E3F' });
    expect(tables[0]?.globalSecondaryIndexes.map((i) => i.IndexName)).toEqual(['due']);
    expect(queues[0]?.url).toBe('http://sqs.cn-local.localhost/000000000000/DeadLetterQueue9F481546');
    expect(schedules[0]).toMatchObject({ name: 'FixtureFlowDaily', expression: 'cron(30 8 * * ? *)', timezone: 'Asia/Shanghai', targetStateMachine: 'WorkflowsFixtureFlow3A7C9B21' });
  });

  it('runs the state machine on the handler module, writing to dynalite and mailing through aws-ses-v2-local', async () => {
    const rt = await startRuntime();
    await seedTowns(rt, ['青峰村', '双河村']);

    const execution = await rt.runStateMachine('FixtureFlow', { scheduledTime: '2022-05-05T00:30:00Z' }, { executionName: 'thursday' });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.output).toMatchObject({
      date: '2022-05-05',
      executionId: 'arn:aws:states:cn-local:000000000000:execution:WorkflowsFixtureFlow3A7C9B21:thursday',
      results: [
        { town: '双河村', attempts: 1, emails: 1 },
        { town: '青峰村', attempts: 1, emails: 1 },
      ],
    });
    const { doc, tableName } = tableClient(rt);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'TOWN#青峰村', sk: 'RUN#2022-05-05' } }));
    expect(Item).toMatchObject({ date: '2022-05-05', dueSk: '2022-05-05#青峰村' });
    const mail = rt.mailbox.messages();
    expect(mail.map((m) => m.destination.to[0]).sort()).toEqual(['双河村@qingfeng.local', '青峰村@qingfeng.local']);
    expect(mail[0]?.subject).toBe('【提醒】2022-05-05 消防工作要点待办事项');
    const store = (await (await fetch(`${rt.mailbox.url}/store`)).json()) as { emails: typeof mail };
    expect(store.emails.find((m) => m.destination.to[0] === '青峰村@qingfeng.local')).toMatchObject({
      from: '青峰镇消防安全委员会办公室 <fire@qingfeng.local>',
      destination: { to: ['青峰村@qingfeng.local'], cc: [], bcc: [] },
      subject: '【提醒】2022-05-05 消防工作要点待办事项',
      body: {
        text: '青峰村：请按《2022年青峰镇消防工作要点》完成本期工作。',
        html: '<p>青峰村：请按《2022年青峰镇消防工作要点》完成<b>本期</b>工作。</p>',
      },
    });
  });

  it('counts what the run would cost on AWS', async () => {
    const rt = await startRuntime();
    await seedTowns(rt, ['a', 'b']);

    const execution = await rt.runStateMachine('FixtureFlow', { scheduledTime: '2022-05-05T00:30:00Z' });

    // Prepare, IsWorkday, EachTown, ProcessTown ×2, Done.
    expect(execution.stateTransitions).toBe(6);
    expect(execution.lambdaInvocations).toBe(3);
    // 2 + Task 5 + Choice 2 + Map 4 + 2 iterations × (2 + Task 5) + Pass 2.
    expect(execution.historyEvents).toBe(29);
    expect(rt.counters.operations()).toEqual({
      stateTransitions: 6,
      lambdaInvocations: 3,
      dynamodbReads: 0.5, // one eventually consistent Query of under 4 KB
      dynamodbWrites: 4, // an UpdateItem and a PutItem per town, 1 WRU each
      emails: 2,
    });
    expect(rt.counters.snapshot()).toMatchObject({
      executions: 1,
      dynamodbOperations: { Query: 1, UpdateItem: 2, PutItem: 2 },
      lambdaInvocationsByFunction: { Worker: 3 },
      largestExecutionHistory: { stateMachine: 'FixtureFlow', events: 29 },
    });
  });

  it('retries a Lambda error by its name as the ASL Retry says, then catches it into the dead-letter queue', async () => {
    const rt = await startRuntime();
    await seedTowns(rt, ['flaky-1', 'flaky-5', 'broken']);

    const execution = await rt.runStateMachine('FixtureFlow', { scheduledTime: '2022-05-05T00:30:00Z' });

    expect(execution.status).toBe('SUCCEEDED');
    const results = (execution.output as { results: { town: string; attempts?: number; error?: { Error: string; Cause: string } }[] }).results;
    expect(results.find((r) => r.town === 'flaky-1')).toMatchObject({ attempts: 2 });
    expect(results.find((r) => r.town === 'flaky-5')?.error?.Error).toBe('FlakyError');
    expect(results.find((r) => r.town === 'broken')?.error?.Error).toBe('BrokenTownError');
    const retries = execution.events.filter((e) => e.type === 'StateRetried');
    expect(retries).toHaveLength(1 + 2); // flaky-1 once; flaky-5 up to MaxAttempts 2; BrokenTownError matches no retrier
    // Prepare + flaky-1 ×2 + flaky-5 ×3 + broken ×1.
    expect(execution.lambdaInvocations).toBe(7);
    expect(rt.deadLetters.map((d) => (d.message as { town: string }).town).sort()).toEqual(['broken', 'flaky-5']);
    const letter = rt.deadLetters.find((d) => (d.message as { town: string }).town === 'flaky-5');
    expect(letter?.queueLogicalId).toBe('DeadLetterQueue9F481546');
    const cause = JSON.parse((letter?.message as { error: { Cause: string } }).error.Cause) as { errorType: string; errorMessage: string; trace: string[] };
    expect(cause).toMatchObject({ errorType: 'FlakyError', errorMessage: 'flaky-5: attempt 3 failed' });
    expect(cause.trace[0]).toBe('FlakyError: flaky-5: attempt 3 failed');
  });

  it('fails the execution with the error name when the Catch leads to a Fail state', async () => {
    const rt = await startRuntime();

    const execution = await rt.runStateMachine('FixtureFlow', { scheduledTime: 'not a time' });

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toEqual({ Error: 'InvalidInputError', Cause: 'the input failed validation' });
    expect(rt.counters.snapshot().failedExecutions).toBe(1);
  });

  it('fires a daily 08:30 Asia/Shanghai schedule at 00:30Z on each day of the injected window', async () => {
    const rt = await startRuntime();
    await seedTowns(rt, ['a']);

    const runs = await rt.fireSchedules('2022-05-01T00:00:00+08:00', '2022-05-04T00:00:00+08:00');

    expect(runs.map((r) => r.scheduledTime)).toEqual(['2022-05-01T00:30:00Z', '2022-05-02T00:30:00Z', '2022-05-03T00:30:00Z']);
    expect(runs[0]).toMatchObject({
      schedule: 'FixtureFlowDaily',
      stateMachine: 'FixtureFlow',
      input: { scheduledTime: '2022-05-01T00:30:00Z' },
      execution: { executionName: 'FixtureFlowDaily-20220501T003000Z', status: 'SUCCEEDED' },
    });
    // 1 May 2022 is a Sunday: the workflow rests; Monday and Tuesday it works.
    expect(runs.map((r) => (r.execution.events.some((e) => e.type === 'StateEntered' && e.state.name === 'RestDay') ? 'rest' : 'work'))).toEqual(['rest', 'work', 'work']);
    expect(rt.plannedFires('2022-05-04T00:00:00+08:00', '2022-05-06T00:00:00+08:00').map((f) => f.scheduledTime)).toEqual(['2022-05-04T00:30:00Z', '2022-05-05T00:30:00Z']);
    expect(rt.counters.snapshot().executions).toBe(3);
  });

  it('invokes a function directly, as API Gateway would, surfacing its error name', async () => {
    const rt = await startRuntime();

    const day = await rt.invokeFunction('Worker', { action: 'prepare', scheduledTime: '2022-05-07T01:00:00Z' });
    const failure = await rt.invokeFunction('Worker', { action: 'nonsense' }).catch((e: unknown) => e as Error);

    expect(day).toEqual({ date: '2022-05-07', workday: false, towns: [], executionId: null });
    expect(failure).toMatchObject({ name: 'InvalidInputError', errorMessage: 'unknown action "nonsense"' });
    expect(rt.counters.operations().lambdaInvocations).toBe(2);
  });

  it('keeps table data and dead letters on disk across a stop and a start', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fireplan-runtime-'));
    dataDirs.push(dataDir);
    const first = await startRuntime({ dataDir });
    await seedTowns(first, ['a', 'broken']);
    await first.runStateMachine('FixtureFlow', { scheduledTime: '2022-05-05T00:30:00Z' });
    await first.stop();

    const second = await startRuntime({ dataDir });
    const { doc, tableName } = tableClient(second);
    const { Item } = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'TOWN#a', sk: 'RUN#2022-05-05' } }));

    expect(Item).toMatchObject({ date: '2022-05-05' });
    expect(second.deadLetters.map((d) => (d.message as { town: string }).town)).toEqual(['broken']);
    const again = await second.runStateMachine('FixtureFlow', { scheduledTime: '2022-05-06T00:30:00Z' });
    expect((again.output as { results: unknown[] }).results).toHaveLength(2);
  });

  it('runs one runtime at a time per process', async () => {
    await startRuntime();
    const other = createLocalRuntime({ templatePath, repoRoot });

    await expect(other.start()).rejects.toThrow(/another local runtime .* is running in this process/);
  });
});

describe('what the local runtime refuses, before anything can reach AWS', () => {
  it('fails on a Task whose resource it cannot emulate', () => {
    const template = fixtureTemplate();
    const parts = definitionParts(template);
    const i = parts.findIndex((p) => typeof p === 'string' && p.includes('arn:aws:states:::sqs:sendMessage'));
    parts[i] = (parts[i] as string).replace('arn:aws:states:::sqs:sendMessage', 'arn:aws:states:::dynamodb:putItem');

    expect(() => createLocalRuntime({ template, repoRoot })).toThrow(
      /Task 'EachTown\.ItemProcessor\.SendToDeadLetterQueue' calls 'arn:aws:states:::dynamodb:putItem', which the local runtime cannot emulate/,
    );
  });

  it('fails on a Task calling a Lambda function that is not in the template', () => {
    const template = fixtureTemplate();
    const parts = definitionParts(template);
    const i = parts.findIndex((p) => typeof p === 'object' && p !== null && 'Fn::GetAtt' in p);
    parts[i] = 'arn:aws:lambda:cn-north-1:123456789012:function:SomewhereElse';

    expect(() => createLocalRuntime({ template, repoRoot })).toThrow(/Task 'Prepare' calls Lambda function 'SomewhereElse', which is not in this template/);
  });

  it('fails on a function whose handler file does not exist', () => {
    const template = fixtureTemplate();
    (template.Resources.WorkerE5F6A7B8?.Metadata as Record<string, unknown>)['fireplan:entry'] = 'functions/handlers/missing.ts';

    expect(() => createLocalRuntime({ template, repoRoot })).toThrow(/fireplan:entry 'functions\/handlers\/missing.ts' does not exist/);
  });

  it('fails on a schedule expression it cannot evaluate', () => {
    const template = fixtureTemplate();
    (template.Resources.SchedulesFixtureFlowDaily47B2E6C0?.Properties as Record<string, unknown>).ScheduleExpression = 'rate(1 day)';

    expect(() => createLocalRuntime({ template, repoRoot })).toThrow(/schedule FixtureFlowDaily .*rate\(\) schedules/);
  });
});
