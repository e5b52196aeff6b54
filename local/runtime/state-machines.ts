/**
 * Runs a state machine's ASL, as extracted from the template, with aws-local-stepfunctions.
 * Every Task state is overridden (the library would otherwise call real AWS): Lambda Tasks call the
 * handler module in process, SQS sendMessage Tasks append to the local dead-letter list. Retry
 * backoff and Wait states take no wall-clock time. The execution's Id and Name are injected into
 * the context object (`$$.Execution.Id`), deterministically.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import type { Counters } from './counters.ts';
import type { LocalFunctions } from './lambda-functions.ts';
import type { Json, JsonObject, StateMachineSpec, TaskBinding } from './template.ts';
import { LOCAL_ACCOUNT, LOCAL_PARTITION, LOCAL_REGION } from './template.ts';

// aws-local-stepfunctions 3 declares Node 22 and uses Promise.withResolvers (Node 22+) in every Task.
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

type LibraryStateMachine = InstanceType<typeof StateMachine>;
type RunOptions = NonNullable<Parameters<LibraryStateMachine['run']>[1]>;
type EventLog = Awaited<ReturnType<ReturnType<LibraryStateMachine['run']>['eventLogs']['next']>>['value'] & object;
type JSONValue = Parameters<LibraryStateMachine['run']>[0];

export interface DeadLetter {
  queueLogicalId: string | undefined;
  queueUrl: string | undefined;
  /** The MessageBody as SQS would store it (a JSON string when the Task passed an object). */
  body: string;
  /** `body` parsed when it is JSON. */
  message: unknown;
  stateMachine: string;
  executionName: string;
  messageId: string;
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionResult {
  stateMachine: string;
  executionArn: string;
  executionName: string;
  status: ExecutionStatus;
  input: unknown;
  output: unknown;
  error?: { Error: string; Cause: string };
  events: EventLog[];
  stateTransitions: number;
  lambdaInvocations: number;
  /** Estimated AWS history events of this execution (see counters.ts). */
  historyEvents: number;
}

export interface RunDependencies {
  functions: LocalFunctions;
  counters: () => Counters;
  sendToQueue: (letter: DeadLetter) => void;
}

export interface StartOptions {
  executionName: string;
}

function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * Validated machines by definition text. asl-validator compiles its JSON schemas on every call
 * (about 0.3 s per definition); a library StateMachine keeps no state between runs, so one per
 * definition serves every runtime of the process.
 */
const validated = new Map<string, LibraryStateMachine>();

/** ARNs are local ones (cn-local, account 0…0), which the validator's ARN check would refuse. */
const VALIDATION_OPTIONS = { checkArn: false, checkPaths: true } as const;

/** The version of the package that `entry` (a resolved module file) belongs to. */
function packageVersion(entry: string): string {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name && pkg.version) return `${pkg.name}@${pkg.version}`;
    } catch {
      // no package.json here: look further up
    }
  }
  return 'unknown';
}

let validatorIdentity: string | undefined;
/** What a validation verdict depends on besides the definition: the library, its validator and the options. */
function validatorVersions(): string {
  if (validatorIdentity === undefined) {
    const require = createRequire(import.meta.url);
    const library = require.resolve('aws-local-stepfunctions');
    const validator = createRequire(library).resolve('asl-validator');
    validatorIdentity = `${packageVersion(library)} ${packageVersion(validator)} ${JSON.stringify(VALIDATION_OPTIONS)}`;
  }
  return validatorIdentity;
}

/**
 * Definitions that passed validation are remembered across processes, as empty marker files in
 * the system's temporary directory named by a hash of the definition and the validator's version,
 * so that each process of a replay or a benchmark does not spend a second recompiling the
 * validator's schemas for definitions it has already accepted. A definition that fails is never
 * remembered: it is validated, and refused, every time.
 */
const VERDICT_DIR = join(tmpdir(), 'fireplan-local-runtime', 'asl-valid');

function verdictFile(text: string): string {
  return join(VERDICT_DIR, createHash('sha256').update(`${validatorVersions()}\n${text}`).digest('hex'));
}

/** What the validator does to a definition besides checking it: every state gets the machine's QueryLanguage. */
function defaultQueryLanguage(definition: JsonObject): void {
  const language = typeof definition.QueryLanguage === 'string' ? definition.QueryLanguage : 'JSONPath';
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'States' && child !== null && typeof child === 'object' && !Array.isArray(child)) {
        for (const state of Object.values(child)) {
          if (state !== null && typeof state === 'object' && !Array.isArray(state) && !('QueryLanguage' in state)) (state as JsonObject).QueryLanguage = language;
        }
      }
      visit(child);
    }
  };
  visit(definition);
}

function libraryMachine(definition: JsonObject): LibraryStateMachine {
  const text = JSON.stringify(definition);
  let machine = validated.get(text);
  if (!machine) {
    // A copy: the validator adds QueryLanguage to every state of what it is given.
    const copy = JSON.parse(text) as JsonObject;
    const marker = verdictFile(text);
    if (existsSync(marker)) {
      defaultQueryLanguage(copy);
      machine = new StateMachine(copy as never, { validationOptions: { ...VALIDATION_OPTIONS, noValidate: true } });
    } else {
      machine = new StateMachine(copy as never, { validationOptions: VALIDATION_OPTIONS });
      try {
        mkdirSync(VERDICT_DIR, { recursive: true });
        writeFileSync(marker, '');
      } catch {
        // an unwritable temporary directory only means validating again next time
      }
    }
    validated.set(text, machine);
  }
  return machine;
}

export class LocalStateMachine {
  private readonly machine: LibraryStateMachine;
  private messageCounter = 0;

  /** Validates the ASL (asl-validator, through aws-local-stepfunctions); throws if it is invalid. */
  constructor(
    readonly spec: StateMachineSpec,
    private readonly deps: RunDependencies,
  ) {
    if (spec.problems.length) {
      throw new Error(`state machine ${spec.name} cannot run locally:\n  - ${spec.problems.join('\n  - ')}`);
    }
    this.machine = libraryMachine(spec.definition);
  }

  executionArn(executionName: string): string {
    return `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${this.spec.logicalId}:${executionName}`;
  }

  private taskHandler(task: TaskBinding, executionName: string, invocations: { count: number }): (input: JSONValue) => Promise<JSONValue> {
    const target = task.target;
    switch (target.kind) {
      case 'lambda':
        return async (input) => {
          invocations.count += 1;
          if (target.integration === 'function-arn') {
            return (await this.deps.functions.invoke(target.functionLogicalId, input, { stateData: true })) as JSONValue;
          }
          // arn:aws:states:::lambda:invoke: the input is the Parameters ({ FunctionName, Payload }).
          const payload = (input as JsonObject | null)?.Payload ?? {};
          const result = await this.deps.functions.invoke(target.functionLogicalId, payload, { stateData: true });
          return { ExecutedVersion: '$LATEST', Payload: result as Json, StatusCode: 200, SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: {} };
        };
      case 'sqs-send':
        return async (input) => {
          const params = (input ?? {}) as JsonObject;
          const raw = params.MessageBody;
          const body = typeof raw === 'string' ? raw : JSON.stringify(raw);
          let message: unknown = body;
          try {
            message = JSON.parse(body);
          } catch {
            // a plain-text body stays a string
          }
          this.messageCounter += 1;
          const messageId = `local-${executionName}-${this.messageCounter}`;
          this.deps.sendToQueue({
            queueLogicalId: target.queueLogicalId,
            queueUrl: typeof params.QueueUrl === 'string' ? params.QueueUrl : target.queueUrl,
            body,
            message,
            stateMachine: this.spec.name,
            executionName,
            messageId,
          });
          return { MessageId: messageId, MD5OfMessageBody: '' };
        };
      case 'unsupported':
        throw new Error(`Task ${task.stateName}: ${target.reason}`);
    }
  }

  /** Runs one execution to its end. A failed execution resolves with status FAILED; it does not throw. */
  async run(input: unknown, options: StartOptions): Promise<ExecutionResult> {
    const machine = this.machine;
    const invocations = { count: 0 };
    const taskResourceLocalHandlers: Record<string, (input: JSONValue) => Promise<JSONValue>> = {};
    for (const task of this.spec.tasks) taskResourceLocalHandlers[task.stateName] = this.taskHandler(task, options.executionName, invocations);
    const retryIntervalOverrides: Record<string, number> = {};
    for (const name of this.spec.retryStates) retryIntervalOverrides[name] = 0;
    const waitTimeOverrides: Record<string, number> = {};
    for (const name of this.spec.waitStates) waitTimeOverrides[name] = 0;

    const executionArn = this.executionArn(options.executionName);
    const runOptions: RunOptions = {
      overrides: { taskResourceLocalHandlers, retryIntervalOverrides, waitTimeOverrides },
      context: {
        Execution: { Id: executionArn, Name: options.executionName, RoleArn: `arn:${LOCAL_PARTITION}:iam::${LOCAL_ACCOUNT}:role/local` },
        StateMachine: { Id: this.spec.arn, Name: this.spec.logicalId },
      },
    };
    const stateInput = cloneJson(input === undefined ? {} : input) as JSONValue;
    const execution = machine.run(stateInput, runOptions);
    const events: EventLog[] = [];
    const collecting = (async () => {
      for await (const event of execution.eventLogs) events.push(event);
    })();

    let status: ExecutionStatus = 'SUCCEEDED';
    let output: unknown = null;
    let error: ExecutionResult['error'];
    try {
      output = await execution.result;
    } catch (thrown) {
      const e = thrown as Error & { cause?: Error };
      if (e.name === 'ExecutionTimeoutError') status = 'TIMED_OUT';
      else if (e.name === 'ExecutionAbortedError') status = 'ABORTED';
      else status = 'FAILED';
      const cause = e.name === 'ExecutionError' && e.cause instanceof Error ? e.cause : e;
      error = { Error: status === 'TIMED_OUT' ? 'States.Timeout' : cause.name, Cause: cause.message };
    }
    await collecting;

    const counted = this.deps.counters().recordExecution({
      stateMachine: this.spec.name,
      executionName: options.executionName,
      events,
      failed: status !== 'SUCCEEDED',
    });
    return {
      stateMachine: this.spec.name,
      executionArn,
      executionName: options.executionName,
      status,
      input: stateInput,
      output,
      ...(error ? { error } : {}),
      events,
      stateTransitions: counted.stateTransitions,
      lambdaInvocations: invocations.count,
      historyEvents: counted.historyEvents,
    };
  }
}
