// Building blocks shared by the four workflow definitions.
//
// Constraints of the local runtime (DESIGN.md, aws-local-stepfunctions): JSONPath only (no
// JSONata, no Assign), inline Map only, no reliance on HeartbeatSeconds. Every Lambda task names
// the function ARN as its Resource (`payloadResponseOnly`), so the local runtime can map it to a
// handler module through the function's `fireplan:entry` metadata.
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Choice, Condition, Errors, Fail, JsonPath, Map as MapState, Succeed, TaskInput, type IChainable } from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke, SqsSendMessage } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/**
 * Errors every Lambda task retries: transient Lambda failures, persistent SES throttling, and a table
 * that could not be read or written (every write is conditional, so repeating a step is safe).
 */
export const LAMBDA_RETRY_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'EmailThrottledError',
  'StorageError',
] as const;

/** The error a handler throws for input that fails validation (docs/architecture.md). */
export const INVALID_INPUT_ERROR = 'InvalidInputError';

/** How many Map iterations (towns or shards) run at once. */
export const MAP_MAX_CONCURRENCY = 10;

/** What every workflow definition is built from. */
export interface WorkflowDefinitionProps {
  /** Failed Map iterations are sent here with their input and error. */
  readonly deadLetterQueue: IQueue;
}

/**
 * A Lambda task whose Resource is the function ARN and whose result is the handler's return
 * value, with the project's retry policy (2 s, backoff 2, 4 attempts).
 */
export function lambdaStep(
  scope: Construct,
  id: string,
  fn: IFunction,
  options: { comment?: string; payload?: TaskInput; resultPath?: string } = {},
): LambdaInvoke {
  const task = new LambdaInvoke(scope, id, {
    lambdaFunction: fn,
    payloadResponseOnly: true,
    // The handlers validate their input strictly: without a payload the task passes the whole state.
    payload: options.payload,
    // The default retry (6 attempts, no throttling, no EmailThrottledError) is replaced below.
    retryOnServiceExceptions: false,
    comment: options.comment,
    resultPath: options.resultPath,
  });
  task.addRetry({
    errors: [...LAMBDA_RETRY_ERRORS],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 4,
  });
  return task;
}

/** ListTowns, with exactly its input `{ date }`; the list lands in `$.towns` (`$.towns.towns` is the array). */
export function listTownsStep(scope: Construct, listTowns: IFunction): LambdaInvoke {
  return lambdaStep(scope, 'ListTowns', listTowns, {
    comment: 'The towns in the registry.',
    payload: TaskInput.fromObject({ date: JsonPath.stringAt('$.day.date') }),
    resultPath: '$.towns',
  });
}

/**
 * The first state of every workflow: turn the scheduler's `scheduledTime` into the Asia/Shanghai
 * day (`$.day`). Invalid input ends the execution in a Fail state named `InvalidInput` whose error
 * is `InvalidInputError`.
 */
export function resolveDayStep(scope: Construct, resolveDay: IFunction): { task: LambdaInvoke; invalidInput: Fail } {
  // Its input is the execution input itself, `{ scheduledTime, cadence? }` as the schedules send it.
  const invalidInput = new Fail(scope, 'InvalidInput', {
    comment: 'The execution input is not valid.',
    error: INVALID_INPUT_ERROR,
    cause: 'The execution input is not valid; the ResolveDay task failure in the execution history says why.',
  });
  const task = lambdaStep(scope, 'ResolveDay', resolveDay, {
    comment: 'Turns the scheduled time into the Asia/Shanghai day: date, working day, shards.',
    resultPath: '$.day',
  });
  task.addCatch(invalidInput, { errors: [INVALID_INPUT_ERROR], resultPath: '$.error' });
  return { task, invalidInput };
}

/**
 * The catch-all of a Map iteration: send the iteration's input (with the error under `error`) to
 * the workflow dead-letter queue, then end the iteration successfully so that the other
 * iterations carry on. The iteration's output is only the message id.
 */
export function deadLetterStep(scope: Construct, workflow: string, queue: IQueue): SqsSendMessage {
  const send = new SqsSendMessage(scope, 'SendToDeadLetterQueue', {
    comment: 'One iteration failed: keep its input and error for a replay, and let the others carry on.',
    queue,
    messageBody: TaskInput.fromObject({
      workflow,
      execution: JsonPath.executionId,
      input: JsonPath.entirePayload,
    }),
    resultSelector: { messageId: JsonPath.stringAt('$.MessageId') },
  });
  send.addRetry({
    errors: [Errors.TASKS_FAILED],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 3,
  });
  return send;
}

/**
 * An inline Map over `itemsPath`: each iteration runs `iteration`; any error in it is caught and
 * dead-lettered. The iterations' (small) outputs land in `$.results`.
 */
export function forEach(
  scope: Construct,
  id: string,
  props: {
    comment: string;
    itemsPath: string;
    itemSelector: Record<string, unknown>;
    /** The iteration's Lambda task; its failure (after retries) is dead-lettered. */
    task: LambdaInvoke;
    /** The whole iteration, starting with `task`. */
    iteration: IChainable;
    deadLetter: SqsSendMessage;
  },
): MapState {
  props.task.addCatch(props.deadLetter, { errors: [Errors.ALL], resultPath: '$.error' });
  const map = new MapState(scope, id, {
    comment: props.comment,
    itemsPath: props.itemsPath,
    itemSelector: props.itemSelector,
    maxConcurrency: MAP_MAX_CONCURRENCY,
    resultPath: '$.results',
  });
  map.itemProcessor(props.iteration);
  return map;
}

/** A workflow that, on the one day of its kind, runs a Lambda for every town: the monthly report, the annual evaluation. */
export interface TownsOnTheDayProps extends WorkflowDefinitionProps {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly perTown: IFunction;
  /** The Lambda task's state name, e.g. `MonthlyReport`. */
  readonly taskId: string;
  readonly taskComment: string;
  readonly mapComment: string;
  /** The `$.day` flag that says today is the day, e.g. `firstWorkdayOfMonth`. */
  /** The workflow's name, as the dead-letter message gives it. @default taskId */
  readonly workflow?: string;
  readonly dayFlag: 'firstWorkdayOfMonth' | 'lastWorkdayOfYear' | 'lastWorkdayOfQuarter' | 'workday';
  readonly choiceId: string;
  readonly choiceComment: string;
  /** The Succeed state on any other day. */
  readonly otherDayId: string;
}

export function townsOnTheDay(scope: Construct, props: TownsOnTheDayProps): IChainable {
  const { task: resolveDay } = resolveDayStep(scope, props.resolveDay);
  const listTowns = listTownsStep(scope, props.listTowns);
  const perTown = lambdaStep(scope, props.taskId, props.perTown, { comment: props.taskComment });
  const forEachTown = forEach(scope, 'ForEachTown', {
    comment: props.mapComment,
    itemsPath: '$.towns.towns',
    itemSelector: {
      town: JsonPath.stringAt('$$.Map.Item.Value'),
      date: JsonPath.stringAt('$.day.date'),
    },
    task: perTown,
    iteration: perTown,
    deadLetter: deadLetterStep(scope, props.workflow ?? props.taskId, props.deadLetterQueue),
  });
  const isTheDay = new Choice(scope, props.choiceId, { comment: props.choiceComment })
    .when(Condition.booleanEquals(`$.day.${props.dayFlag}`, true), listTowns.next(forEachTown))
    .otherwise(new Succeed(scope, props.otherDayId));
  return resolveDay.next(isTheDay);
}
