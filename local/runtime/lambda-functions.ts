/**
 * Runs the template's Lambda functions in this process: the module named by the function's
 * `fireplan:entry` metadata, imported once (a cold start per process), its export named by
 * `Handler`, called with the event and a Lambda-like context. Payloads cross a JSON boundary both
 * ways, as they do on AWS. A thrown error becomes a `LambdaFunctionError` whose `name` is the
 * thrown error's name (the Node.js runtime's `errorType`, which Step Functions uses as the error
 * name in Retry and Catch) and whose message is the JSON `Cause` AWS would give.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { Counters } from './counters.ts';
import type { FunctionSpec } from './template.ts';

type Handler = (event: unknown, context: Context) => unknown;

/** Step Functions refuses state data larger than 256 KiB. */
const MAX_STATE_PAYLOAD_BYTES = 262_144;
/** Lambda refuses synchronous responses larger than 6 MB. */
const MAX_RESPONSE_BYTES = 6_291_556;

export class LambdaFunctionError extends Error {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly functionName: string;
  constructor(functionName: string, errorType: string, errorMessage: string, trace: string[], options?: { cause?: unknown }) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
    this.errorType = errorType;
    this.errorMessage = errorMessage;
    this.functionName = functionName;
    // Kept off `cause`: aws-local-stepfunctions would report `cause` instead of the message as Cause.
    Object.defineProperty(this, 'original', { value: options?.cause, enumerable: false });
  }
}

/** The stack as the Lambda runtime reports it: the handler's frames, not the local runtime's. */
function traceOf(error: Error): string[] {
  const lines = (error.stack ?? '').split('\n');
  const runtimeFrame = lines.findIndex((line) => line.includes('LocalFunctions.invoke'));
  return runtimeFrame > 0 ? lines.slice(0, runtimeFrame) : lines;
}

function toLambdaError(functionName: string, thrown: unknown): LambdaFunctionError {
  if (thrown instanceof Error) {
    return new LambdaFunctionError(functionName, thrown.name || 'Error', thrown.message, traceOf(thrown), { cause: thrown });
  }
  return new LambdaFunctionError(functionName, typeof thrown, String(thrown), [], { cause: thrown });
}

function jsonRoundTrip(value: unknown, what: string, functionName: string): unknown {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch (error) {
    throw new LambdaFunctionError(functionName, 'Runtime.MarshalError', `${what} is not JSON: ${(error as Error).message}`, []);
  }
}

export interface InvokeOptions {
  /** The payload becomes Step Functions state data: enforce its 256 KiB limit. */
  stateData?: boolean;
}

export class LocalFunctions {
  private readonly modules = new Map<string, Promise<Handler>>();
  private requestCounter = 0;
  readonly warnings: string[] = [];

  constructor(
    private readonly functions: FunctionSpec[],
    private readonly repoRoot: string,
    private readonly counters: () => Counters,
  ) {}

  /** Problems that would stop a function from loading, found without loading it. */
  check(): string[] {
    const problems: string[] = [];
    for (const fn of this.functions) {
      if (!fn.entry) continue;
      const file = resolve(this.repoRoot, fn.entry);
      if (!existsSync(file)) problems.push(`function ${fn.logicalId}: its fireplan:entry '${fn.entry}' does not exist under ${this.repoRoot}`);
    }
    return problems;
  }

  /**
   * Imports every function's module, each with its own environment variables set while it loads
   * (modules read and validate their environment at load). Variables that two functions set to
   * different values keep the last value afterwards, and are reported in `warnings`.
   */
  async loadAll(): Promise<void> {
    const seen = new Map<string, { value: string; fn: string }>();
    for (const fn of this.functions) {
      if (!fn.entry) continue;
      for (const [key, value] of Object.entries(fn.environment)) {
        const before = seen.get(key);
        if (before && before.value !== value) {
          this.warnings.push(`environment variable ${key} differs between ${before.fn} (${before.value}) and ${fn.logicalId} (${value}); in one process the last one applies after loading`);
        }
        seen.set(key, { value, fn: fn.logicalId });
      }
    }
    for (const fn of this.functions) {
      if (fn.entry) await this.load(fn);
    }
  }

  private load(fn: FunctionSpec): Promise<Handler> {
    let loaded = this.modules.get(fn.logicalId);
    if (!loaded) {
      Object.assign(process.env, fn.environment);
      const url = pathToFileURL(resolve(this.repoRoot, fn.entry as string)).href;
      loaded = import(url).then((mod: Record<string, unknown>) => {
        const handler = mod[fn.exportName];
        if (typeof handler !== 'function') {
          throw new Error(`function ${fn.logicalId}: ${fn.entry} has no export '${fn.exportName}' (Handler '${fn.handler}')`);
        }
        return handler as Handler;
      });
      this.modules.set(fn.logicalId, loaded);
    }
    return loaded;
  }

  private spec(logicalId: string): FunctionSpec {
    const fn = this.functions.find((f) => f.logicalId === logicalId);
    if (!fn?.entry) throw new Error(`function ${logicalId} has no handler module in the template`);
    return fn;
  }

  private context(fn: FunctionSpec): Context {
    this.requestCounter += 1;
    const requestId = `00000000-0000-4000-8000-${this.requestCounter.toString(16).padStart(12, '0')}`;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
      // The wall clock never decides results locally: a handler always has its whole timeout.
      getRemainingTimeInMillis: () => fn.timeoutSeconds * 1000,
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  /** Invokes a function synchronously (RequestResponse), as Step Functions and API Gateway do. */
  async invoke(logicalId: string, event: unknown, options: InvokeOptions = {}): Promise<unknown> {
    const fn = this.spec(logicalId);
    const handler = await this.load(fn);
    this.counters().recordLambdaInvocation(fn.name);
    const payload = jsonRoundTrip(event, 'the event', fn.functionName);
    let result: unknown;
    const started = performance.now();
    try {
      result = await handler(payload, this.context(fn));
    } catch (thrown) {
      throw toLambdaError(fn.functionName, thrown);
    } finally {
      this.counters().recordLambdaTime(fn.name, performance.now() - started);
    }
    const output = jsonRoundTrip(result, 'the response', fn.functionName);
    const bytes = Buffer.byteLength(JSON.stringify(output));
    if (bytes > MAX_RESPONSE_BYTES) {
      throw new LambdaFunctionError(fn.functionName, 'Lambda.ResponseSizeTooLarge', `response of ${bytes} bytes exceeds Lambda's 6 MB limit`, []);
    }
    if (options.stateData && bytes > MAX_STATE_PAYLOAD_BYTES) {
      throw new LambdaFunctionError(fn.functionName, 'States.DataLimitExceeded', `the Task result of ${bytes} bytes exceeds Step Functions' 256 KiB limit`, []);
    }
    return output;
  }
}
