/**
 * What a run would cost on AWS, read from the local stand-ins:
 *
 * - state transitions: from the aws-local-stepfunctions event log. AWS counts a transition each
 *   time a state is executed, retries included, so transitions = StateEntered + StateRetried
 *   (nested Map iterations and Parallel branches included: their events are forwarded to the root log);
 * - Lambda invocations: counted by the local invoker, one per attempt (retries included);
 * - DynamoDB reads and writes: an SDK middleware on every DynamoDB client (`instrument`) asks for
 *   ReturnConsumedCapacity=TOTAL, which dynalite computes like DynamoDB (4 KB read units, halved for
 *   eventually consistent reads; 1 KB write units), and removes it from the output again when the
 *   caller had not asked. Writes to global secondary indexes are not included (dynalite does not
 *   report them): on AWS each write that changes an index item costs that index's units too. They
 *   are modelled separately (`dynamodbIndexWritesModelled`, not part of `operations()`): a
 *   successful PutItem costs its table units once more for every global secondary index whose key
 *   attributes are all in the item (see `setIndexKeys`);
 * - emails: the messages captured by aws-ses-v2-local.
 *
 * The largest execution history is estimated from the local event log, mapped to the events AWS
 * would record for the same execution (the AWS quota is 25,000 events per execution):
 *
 * | local event                    | AWS history events                                                        |
 * |--------------------------------|---------------------------------------------------------------------------|
 * | execution start + end          | 2: ExecutionStarted, ExecutionSucceeded/Failed                            |
 * | StateEntered, Task             | 2 (TaskStateEntered, TaskStateExited) + 3 per attempt                      |
 * |                                | (LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded/Failed): |
 * |                                | a Task that succeeds at once is 5                                          |
 * | StateRetried (Task)            | 3: one more attempt                                                        |
 * | StateEntered, Map / Parallel   | 4: MapStateEntered, MapStateStarted, MapStateSucceeded, MapStateExited     |
 * | MapIterationStarted            | 2: MapIterationStarted, MapIterationSucceeded/Failed (plus its states)     |
 * | StateEntered, Fail             | 1: FailStateEntered (the ExecutionFailed is counted above)                 |
 * | StateEntered, any other type   | 2: <Type>StateEntered, <Type>StateExited (Choice, Pass, Succeed, Wait)     |
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface OperationCounts {
  stateTransitions: number;
  lambdaInvocations: number;
  /** Read request units (RRU). */
  dynamodbReads: number;
  /** Write request units (WRU), table only. */
  dynamodbWrites: number;
  emails: number;
}

export interface ExecutionHistorySize {
  stateMachine: string;
  executionName: string;
  events: number;
}

export interface CounterSnapshot extends OperationCounts {
  executions: number;
  failedExecutions: number;
  dynamodbReadRequests: number;
  dynamodbWriteRequests: number;
  /**
   * Modelled write units of global secondary indexes (dynalite reports none): each successful
   * PutItem's table units once more per index whose key attributes are all in the item. A lower
   * bound: an item that leaves an index, or whose index key changes (a delete and a put in the
   * index), costs one index write more; UpdateItem and DeleteItem are counted as table-only.
   */
  dynamodbIndexWritesModelled: number;
  /** Conditional writes refused (ConditionalCheckFailedException), by operation: charged, but writing nothing. */
  dynamodbConditionalFailures: Record<string, number>;
  /** Estimated AWS history events of all executions together (see `historyEvents`). */
  historyEventsTotal: number;
  /** Executions and state transitions per state machine. */
  executionsByStateMachine: Record<string, number>;
  stateTransitionsByStateMachine: Record<string, number>;
  /** Summed wall-clock milliseconds inside each function's handler (concurrent Map iterations overlap). */
  lambdaMillisByFunction: Record<string, number>;
  /** Requests per DynamoDB operation, e.g. `{ Query: 12, PutItem: 3 }`. */
  dynamodbOperations: Record<string, number>;
  lambdaInvocationsByFunction: Record<string, number>;
  largestExecutionHistory: ExecutionHistorySize | null;
}

/** The event fields the estimate reads (a structural subset of aws-local-stepfunctions' EventLog). */
export interface StepEvent {
  type: string;
  state?: { type: string; name: string };
}

export function stateTransitions(events: readonly StepEvent[]): number {
  return events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;
}

export function historyEvents(events: readonly StepEvent[]): number {
  let total = 2;
  for (const event of events) {
    if (event.type === 'StateEntered') {
      switch (event.state?.type) {
        case 'Task':
          total += 5;
          break;
        case 'Map':
        case 'Parallel':
          total += 4;
          break;
        case 'Fail':
          total += 1;
          break;
        default:
          total += 2;
      }
    } else if (event.type === 'StateRetried' && event.state?.type === 'Task') {
      total += 3;
    } else if (event.type === 'MapIterationStarted') {
      total += 2;
    }
  }
  return total;
}

const READS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);
const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

export class Counters {
  private transitions = 0;
  private invocations = 0;
  private readUnits = 0;
  private writeUnits = 0;
  private readRequests = 0;
  private writeRequests = 0;
  private executions = 0;
  private failed = 0;
  private indexWriteUnits = 0;
  private historyTotal = 0;
  private conditionalFailures: Record<string, number> = {};
  private perOperation: Record<string, number> = {};
  private byFunction: Record<string, number> = {};
  private millisByFunction: Record<string, number> = {};
  private executionsByMachine: Record<string, number> = {};
  private transitionsByMachine: Record<string, number> = {};
  private largest: ExecutionHistorySize | null = null;
  private emailBaseline = 0;

  /** @param emailCount how many messages the SES stand-in holds now. */
  constructor(private readonly emailCount: () => number = () => 0) {
    this.emailBaseline = emailCount();
  }

  recordExecution(execution: { stateMachine: string; executionName: string; events: readonly StepEvent[]; failed: boolean }): { stateTransitions: number; historyEvents: number } {
    const transitions = stateTransitions(execution.events);
    const history = historyEvents(execution.events);
    this.transitions += transitions;
    this.historyTotal += history;
    this.executions += 1;
    this.executionsByMachine[execution.stateMachine] = (this.executionsByMachine[execution.stateMachine] ?? 0) + 1;
    this.transitionsByMachine[execution.stateMachine] = (this.transitionsByMachine[execution.stateMachine] ?? 0) + transitions;
    if (execution.failed) this.failed += 1;
    if (!this.largest || history > this.largest.events) {
      this.largest = { stateMachine: execution.stateMachine, executionName: execution.executionName, events: history };
    }
    return { stateTransitions: transitions, historyEvents: history };
  }

  recordLambdaInvocation(functionName: string): void {
    this.invocations += 1;
    this.byFunction[functionName] = (this.byFunction[functionName] ?? 0) + 1;
  }

  /** The wall-clock time an invocation spent in its handler. */
  recordLambdaTime(functionName: string, millis: number): void {
    this.millisByFunction[functionName] = (this.millisByFunction[functionName] ?? 0) + millis;
  }

  /** A conditional write that DynamoDB refused: charged like a write (one unit here), counted apart too. */
  recordConditionalFailure(operation: string): void {
    this.conditionalFailures[operation] = (this.conditionalFailures[operation] ?? 0) + 1;
    this.recordDynamoDb(operation, 1);
  }

  /** @param indexUnits modelled write units of global secondary indexes (see `dynamodbIndexWritesModelled`). */
  recordDynamoDb(operation: string, units: number, indexUnits = 0): void {
    this.perOperation[operation] = (this.perOperation[operation] ?? 0) + 1;
    if (READS.has(operation)) {
      this.readRequests += 1;
      this.readUnits += units;
    } else if (WRITES.has(operation)) {
      this.writeRequests += 1;
      this.writeUnits += units;
      this.indexWriteUnits += indexUnits;
    }
  }

  snapshot(): CounterSnapshot {
    return {
      stateTransitions: this.transitions,
      lambdaInvocations: this.invocations,
      dynamodbReads: this.readUnits,
      dynamodbWrites: this.writeUnits,
      emails: Math.max(0, this.emailCount() - this.emailBaseline),
      executions: this.executions,
      failedExecutions: this.failed,
      dynamodbReadRequests: this.readRequests,
      dynamodbWriteRequests: this.writeRequests,
      dynamodbIndexWritesModelled: this.indexWriteUnits,
      historyEventsTotal: this.historyTotal,
      dynamodbConditionalFailures: { ...this.conditionalFailures },
      executionsByStateMachine: { ...this.executionsByMachine },
      stateTransitionsByStateMachine: { ...this.transitionsByMachine },
      lambdaMillisByFunction: { ...this.millisByFunction },
      dynamodbOperations: { ...this.perOperation },
      lambdaInvocationsByFunction: { ...this.byFunction },
      largestExecutionHistory: this.largest ? { ...this.largest } : null,
    };
  }

  /** The five numbers of `summary.json`'s `operations`. */
  operations(): OperationCounts {
    const s = this.snapshot();
    return { stateTransitions: s.stateTransitions, lambdaInvocations: s.lambdaInvocations, dynamodbReads: s.dynamodbReads, dynamodbWrites: s.dynamodbWrites, emails: s.emails };
  }

  reset(): void {
    this.transitions = this.invocations = this.readUnits = this.writeUnits = this.readRequests = this.writeRequests = this.executions = this.failed = this.indexWriteUnits = this.historyTotal = 0;
    this.perOperation = {};
    this.byFunction = {};
    this.millisByFunction = {};
    this.conditionalFailures = {};
    this.executionsByMachine = {};
    this.transitionsByMachine = {};
    this.largest = null;
    this.emailBaseline = this.emailCount();
  }
}

// ---------------------------------------------------------------------------------------------
// DynamoDB client instrumentation

/**
 * Where instrumented clients report. Handler modules and their client singletons live for the whole
 * process, so they report to whichever runtime is active, not to the one that was active when the
 * client was created.
 */
let activeSink: Counters | undefined;

export function setActiveCounters(counters: Counters | undefined): void {
  activeSink = counters;
}

const MIDDLEWARE_NAME = 'fireplanLocalCapacityCounter';

/** Key attribute names of each global secondary index, by table name. */
let indexKeysByTable = new Map<string, string[][]>();

/** Tells the instrumentation which global secondary indexes each table has, for the modelled index writes. */
export function setIndexKeys(tables: readonly { tableName: string; globalSecondaryIndexes: readonly { KeySchema: readonly { AttributeName: string }[] }[] }[]): void {
  indexKeysByTable = new Map(tables.map((t) => [t.tableName, t.globalSecondaryIndexes.map((i) => i.KeySchema.map((k) => k.AttributeName))]));
}

/** The indexes a successful PutItem writes: those whose key attributes are all in the item. */
function indexesWritten(operation: string, input: Record<string, unknown>): number {
  if (operation !== 'PutItem') return 0;
  const item = input.Item as Record<string, unknown> | undefined;
  const indexes = indexKeysByTable.get(String(input.TableName));
  if (!item || !indexes) return 0;
  return indexes.filter((keys) => keys.every((k) => item[k] !== undefined && item[k] !== null)).length;
}

interface ConsumedCapacity {
  CapacityUnits?: number;
}

type MiddlewareClient = Pick<DynamoDBClient, 'middlewareStack'>;

const instrumentedStacks = new WeakSet<object>();

/**
 * Units from ConsumedCapacity, else an estimate from the items (one unit each, at least one).
 * A Query or Scan costs at least one read (half a unit when eventually consistent) even when it
 * finds nothing; dynalite reports 0 for an empty result.
 */
function unitsOf(operation: string, input: Record<string, unknown>, output: Record<string, unknown> | undefined): number {
  const consumed = output?.ConsumedCapacity as ConsumedCapacity | ConsumedCapacity[] | undefined;
  if (Array.isArray(consumed)) return consumed.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
  if (consumed && typeof consumed.CapacityUnits === 'number') {
    const minimum = operation === 'Query' || operation === 'Scan' ? (input.ConsistentRead ? 1 : 0.5) : 0;
    return Math.max(consumed.CapacityUnits, minimum);
  }
  switch (operation) {
    case 'Query':
    case 'Scan':
      return Math.max(1, Number(output?.ScannedCount ?? output?.Count ?? 1));
    case 'BatchGetItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).reduce((n, t) => n + (t.Keys?.length ?? 0), 0);
    case 'BatchWriteItem':
      return Object.values((input.RequestItems ?? {}) as Record<string, unknown[]>).reduce((n, t) => n + t.length, 0);
    default:
      return 1;
  }
}

/**
 * Adds the counting middleware to a DynamoDB client (or a DynamoDBDocumentClient, which shares its
 * client's middleware stack) and returns the same client. Idempotent.
 */
export function instrument<T extends MiddlewareClient>(client: T): T {
  const stack = client.middlewareStack as unknown as object;
  if (instrumentedStacks.has(stack)) return client;
  instrumentedStacks.add(stack);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const counted = READS.has(operation) || WRITES.has(operation);
      const input = args.input as Record<string, unknown>;
      const injected = counted && input.ReturnConsumedCapacity === undefined;
      const sink = activeSink;
      try {
        const result = await next(injected ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } } : args);
        const output = result.output as unknown as Record<string, unknown>;
        if (counted) {
          const units = unitsOf(operation, input, output);
          sink?.recordDynamoDb(operation, units, units * indexesWritten(operation, input));
        }
        if (injected && output) delete output.ConsumedCapacity;
        return result;
      } catch (error) {
        // A failed condition still consumes write capacity on DynamoDB.
        if (counted && (error as Error).name === 'ConditionalCheckFailedException') sink?.recordConditionalFailure(operation);
        throw error;
      }
    },
    { step: 'initialize', name: MIDDLEWARE_NAME, override: true },
  );
  return client;
}

const PATCHED = Symbol.for('fireplan.local.instrumentOnSend');

/**
 * Makes every DynamoDB client of the process instrument itself on its first `send`, so handler
 * singletons are counted without any local-only code in the handlers. The handlers' clients and
 * this module's import resolve to the same SDK modules, so patching the prototypes reaches them.
 */
export async function instrumentAllDynamoDbClients(): Promise<void> {
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  for (const ctor of [DynamoDBClient, DynamoDBDocumentClient] as unknown as { prototype: Record<PropertyKey, unknown> }[]) {
    const proto = ctor.prototype;
    if (proto[PATCHED]) continue;
    const original = proto.send as (this: MiddlewareClient, ...args: unknown[]) => unknown;
    Object.defineProperty(proto, 'send', {
      configurable: true,
      writable: true,
      value: function send(this: MiddlewareClient, ...args: unknown[]) {
        instrument(this);
        return original.apply(this, args);
      },
    });
    proto[PATCHED] = true;
  }
  // Handlers written for the local runtime may also pass their clients through this hook.
  (globalThis as Record<PropertyKey, unknown>)[Symbol.for('fireplan.instrument')] = instrument;
}
