/**
 * What the synthesized workflows do when a step fails halfway, on the local runtime: faults are
 * injected into the handlers' own AWS SDK client singletons (functions/adapters/aws-clients.ts) as
 * SDK middleware, so the real handler code, the real ASL Retry/Catch and the real emulators run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { address, digestItems, shanghai, useWorkflowHarness, townPlan, unitOf } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();
/** The part of an AWS SDK v3 client's middleware stack that a test uses (structurally, as @smithy/types declares it). */
type Handler = (args: { input: object }) => Promise<{ output: object }>;
type Middleware = (next: Handler) => Handler;
interface MiddlewareStack {
  add(middleware: Middleware, options: { step: 'initialize' | 'deserialize'; name: string; priority: 'high' }): void;
  remove(name: string): boolean;
}

const injected: { stack: MiddlewareStack; name: string }[] = [];

afterEach(() => {
  for (const { stack, name } of injected.splice(0)) stack.remove(name);
});

/** Adds a middleware to a client's stack for the current test only. */
function inject(client: { middlewareStack: unknown }, name: string, middleware: Middleware, step: 'initialize' | 'deserialize') {
  const stack = client.middlewareStack as MiddlewareStack;
  stack.add(middleware, { step, name, priority: 'high' });
  injected.push({ stack, name });
}

/** An error as the Lambda service reports an invocation it failed (the ASL retries it by this name). */
function lambdaServiceException(): Error {
  return Object.assign(new Error('injected: the Lambda service failed the invocation'), { name: 'Lambda.ServiceException' });
}

const DUTY = 'c02-monthly-situation-analysis';
const OWNERS = ['civil-affairs-office', 'culture-center', 'economic-office', 'education-center', 'emergency-office', 'hospital'];
const DAY = '2022-05-05';

async function openMay(town: string): Promise<void> {
  await harness().seedTown(townPlan(town, { duties: [DUTY] }));
  const opening = await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'monthly', scheduledTime: shanghai('2022-05-01', '06:00') });
  expect(opening.status).toBe('SUCCEEDED');
}

type Events = { type: string; state?: { name: string }; Error?: string }[];

function failuresOf(events: Events, state: string): string[] {
  return events.filter((e) => e.type === 'StateFailed' && e.state?.name === state).map((e) => e.Error ?? '');
}

function retriesOf(events: Events, state: string): number {
  return events.filter((e) => e.type === 'StateRetried' && e.state?.name === state).length;
}

function deadLettersOf(execution: { executionName: string }) {
  return harness().runtime.deadLetters.filter((d) => d.executionName === execution.executionName);
}

/** Each owner's mail, by unit: how many messages, and which sections they list. */
function mailByOwner(town: string): Record<string, string[][]> {
  const byOwner: Record<string, string[][]> = {};
  for (const message of harness().mailTo(town)) (byOwner[unitOf(message.destination.to[0] ?? '')] ??= []).push(digestItems(message).map((i) => `${i.section} ${i.instanceId}`));
  return byOwner;
}

function noticeOnceEach(town: string): Record<string, string[][]> {
  return Object.fromEntries(OWNERS.map((u) => [u, [[`新任务 ${town}:${DUTY}:${u}:2022-05`]]]));
}

describe('a crash between sending an email and writing the state', () => {
  it('the Lambda fails right after SES accepted the first mail: the step is retried, no mail goes out twice, and the state is written', async () => {
    const town = 'crash-after-send';
    await openMay(town);
    let accepted = 0;
    inject(
      harness().clients.sesClient,
      'crashAfterSesAccepted',
      (next) => async (args) => {
        const result = await next(args);
        accepted += 1;
        if (accepted === 1) throw lambdaServiceException();
        return result;
      },
      'initialize',
    );

    const execution = await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai(DAY, '08:30') });

    expect(execution.status).toBe('SUCCEEDED');
    expect(failuresOf(execution.events, 'FollowUp')).toEqual(['Lambda.ServiceException']);
    expect(retriesOf(execution.events, 'FollowUp')).toBe(1);
    expect(deadLettersOf(execution)).toEqual([]);
    expect(accepted).toBe(6);
    expect(mailByOwner(town)).toEqual(noticeOnceEach(town));
    const stored = await harness().instances(town);
    expect(stored).toHaveLength(6);
    for (const instance of stored) expect(instance).toMatchObject({ version: 1, done: ['notice'], nextActionOn: '2022-05-24' });

    // And the next day nothing is repeated.
    await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai('2022-05-06', '08:30') });
    expect(mailByOwner(town)).toEqual(noticeOnceEach(town));
  });

  // A failed save surfaces as StorageError, which the workflow retries: the retried step finds its mail already recorded.
  it('the instance write fails once: the step is retried, no mail goes out twice, and the state is written', async () => {
    const town = 'crash-before-save';
    await openMay(town);
    let faults = 0;
    inject(
      harness().clients.documentClient,
      'failFirstInstanceSave',
      (next) => async (args) => {
        const item = (args.input as { Item?: Record<string, unknown> }).Item;
        if (faults === 0 && typeof item?.['sk'] === 'string' && item['sk'].startsWith('INST#')) {
          faults += 1;
          throw lambdaServiceException();
        }
        return next(args);
      },
      'initialize',
    );

    const execution = await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai(DAY, '08:30') });
    await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai('2022-05-06', '08:30') });

    expect(faults).toBe(1);
    expect(execution.status).toBe('SUCCEEDED');
    expect(deadLettersOf(execution)).toEqual([]);
    expect(retriesOf(execution.events, 'FollowUp')).toBe(1);
    expect(mailByOwner(town)).toEqual(noticeOnceEach(town));
    for (const instance of await harness().instances(town)) expect(instance).toMatchObject({ version: 1, done: ['notice'] });
  });
});

// Keep this last in the file: the SDK's adaptive retry mode remembers the throttling and slows the
// process's SES client for a while afterwards.
describe('SES throttling', () => {
  it('a send throttled more often than the SDK retries is retried by the workflow (EmailThrottledError) and delivered once', async () => {
    const town = 'throttled';
    await openMay(town);
    // Below the SDK's retry middleware, so that its own attempts (maxAttempts 4) are throttled too.
    let requests = 0;
    let throttled = 0;
    inject(
      harness().clients.sesClient,
      'throttleSes',
      (next) => async (args) => {
        requests += 1;
        if (throttled < 4) {
          throttled += 1;
          throw Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'TooManyRequestsException', $fault: 'client', $metadata: { httpStatusCode: 429 } });
        }
        return next(args);
      },
      'deserialize',
    );

    const execution = await harness().runtime.runStateMachine('DailyFollowUp', { scheduledTime: shanghai(DAY, '08:30') });

    expect(execution.status).toBe('SUCCEEDED');
    expect(throttled).toBe(4);
    expect(requests).toBe(4 + 6); // four refused attempts of the first mail, then each of the six mails once
    expect(failuresOf(execution.events, 'FollowUp')).toEqual(['EmailThrottledError']);
    expect(retriesOf(execution.events, 'FollowUp')).toBe(1);
    expect(deadLettersOf(execution)).toEqual([]);
    expect(mailByOwner(town)).toEqual(noticeOnceEach(town));
    const intents = await harness().itemsOf(`MAIL#${town}#${DAY}`);
    expect(intents.map((i) => [i['recipient'], i['status']]).sort()).toEqual(OWNERS.map((u) => [address(town, u), 'sent']));
    for (const instance of await harness().instances(town)) expect(instance).toMatchObject({ version: 1, done: ['notice'] });
  }, 60_000);
});
