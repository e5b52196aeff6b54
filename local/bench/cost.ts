/**
 * The modelled AWS cost of a replay, from the counts the local runtime keeps, at list prices.
 * Everything here is arithmetic on a `ReplayMeasurement`; the prices and every assumption are
 * data, printed into docs/bench.md next to the results.
 */

/** US dollars. */
export interface Price {
  service: string;
  item: string;
  usd: number;
  per: number;
  unit: string;
  note?: string;
}

export const PRICE_REGION = 'us-east-1';
/** When these list prices were taken: from the AWS pricing pages as known then, not fetched by the bench (this machine reaches no AWS site). */
export const PRICE_DATE = '2025 (list prices as last known; not re-checked online)';

export const PRICES = {
  stepFunctionsTransition: { service: 'Step Functions (Standard)', item: 'state transition', usd: 0.025, per: 1_000, unit: 'transitions', note: 'free tier (4,000 a month) not applied' },
  lambdaRequest: { service: 'Lambda', item: 'request', usd: 0.2, per: 1_000_000, unit: 'requests', note: 'free tier not applied' },
  lambdaGbSecond: { service: 'Lambda (arm64)', item: 'duration', usd: 0.0000133334, per: 1, unit: 'GB-s', note: 'free tier not applied' },
  dynamodbWrite: { service: 'DynamoDB on-demand', item: 'write request unit', usd: 0.625, per: 1_000_000, unit: 'WRU', note: 'table + modelled GSI writes' },
  dynamodbRead: { service: 'DynamoDB on-demand', item: 'read request unit', usd: 0.125, per: 1_000_000, unit: 'RRU' },
  sesEmail: { service: 'SES', item: 'outbound email', usd: 0.1, per: 1_000, unit: 'emails' },
  schedulerInvocation: { service: 'EventBridge Scheduler', item: 'invocation', usd: 1.0, per: 1_000_000, unit: 'invocations', note: 'after the free tier of 14 million a month, which in practice covers it' },
  logsIngestion: { service: 'CloudWatch Logs', item: 'ingestion (Standard class)', usd: 0.5, per: 1, unit: 'GB', note: 'storage ($0.03 per GB-month, one-year retention) excluded' },
  xrayTrace: { service: 'X-Ray', item: 'trace recorded', usd: 5.0, per: 1_000_000, unit: 'traces', note: 'Lambda and the state machines have active tracing; free tier (100,000 a month) not applied' },
  httpApiRequest: { service: 'API Gateway (HTTP API)', item: 'request', usd: 1.0, per: 1_000_000, unit: 'requests', note: 'the work reports (ReportWork)' },
} as const satisfies Record<string, Price>;

/** Assumptions that turn local counts into billed quantities. */
export const ASSUMPTIONS = {
  /** Added to the measured local handler time for each DynamoDB request a handler makes (in-region round trip). */
  dynamodbLatencyMs: 5,
  /** Added for each email sent (an SES SendEmail round trip). */
  sesLatencyMs: 25,
  /** The Lambda platform's own log lines per invocation (START, END, REPORT with its X-Ray line). */
  lambdaPlatformLogBytes: 450,
  /** One Step Functions log event per history event (LogLevel ALL, without execution data). */
  stepFunctionsLogBytesPerEvent: 350,
};

export const ASSUMPTION_NOTES = [
  `Lambda duration: the measured local wall time inside each handler (in process, emulators included; Map iterations run up to 10 at a time, which inflates it), plus ${ASSUMPTIONS.dynamodbLatencyMs} ms per DynamoDB request and ${ASSUMPTIONS.sesLatencyMs} ms per email for the network round trips the local runtime does not have, at each function's memory size from the template. Cold-start (INIT) time is excluded: at about 1 s × 0.5 GB for a few dozen cold starts a day it is about $0.05 a year for the whole deployment, whatever the number of towns.`,
  'DynamoDB writes: dynalite reports table units only. Each successful PutItem is charged once more for each global secondary index whose key attributes are all in the item (an instance with a next action is in `due`, `unit` and `period`: 4 × its table units). That is a lower bound: an item leaving an index, or an index key changing (a delete and a put in the index), costs one index write more. UpdateItem and DeleteItem are counted as table-only (here they touch mail intents and outbox records, which carry no index keys). A conditional write that fails is charged its table units, as DynamoDB does.',
  'DynamoDB reads: the units dynalite reports (4 KB units, halved for eventually consistent reads), at least 0.5 per Query.',
  `CloudWatch Logs: the handlers' own log lines are measured (the replay runs at LOG_LEVEL=INFO, as deployed, and the bench counts the bytes); the Lambda platform adds about ${ASSUMPTIONS.lambdaPlatformLogBytes} bytes per invocation and the state machines (LogLevel ALL, no execution data) about ${ASSUMPTIONS.stepFunctionsLogBytesPerEvent} bytes per history event.`,
  'X-Ray: one trace per state-machine execution and one per work report (the sampling rule keeps every trace at this rate).',
  'EventBridge Scheduler: the schedules that fire in the replayed window; they fire once for all towns, so their cost per town falls with the number of towns.',
  'Per town-year: the replay covers the plan\'s year (2022-04-15 to 2022-12-31, 261 days); "scaled to 365 days" multiplies by 365 / days replayed.',
  'Not included: DynamoDB storage (about 1 MB per town-year), SQS dead-letter queues (empty when nothing fails), CloudWatch alarms and dashboards (a fixed monthly amount), data transfer.',
];

/** What a replay measured: the input of the cost model. */
export interface ReplayCounts {
  towns: number;
  days: number;
  stateTransitions: number;
  lambdaInvocations: number;
  /** Per function: invocations, summed handler milliseconds and memory size. */
  functions: { name: string; invocations: number; millis: number; memoryMb: number }[];
  dynamodbReadUnits: number;
  dynamodbWriteUnits: number;
  dynamodbIndexWriteUnits: number;
  dynamodbRequests: number;
  emails: number;
  executions: number;
  historyEventsTotal: number;
  scheduleFires: number;
  appLogBytes: number;
  workReports: number;
}

export interface CostLine {
  service: string;
  quantity: number;
  unit: string;
  usd: number;
}

export interface CostModel {
  lines: CostLine[];
  /** Lambda GB-seconds as modelled. */
  lambdaGbSeconds: number;
  logBytes: number;
  total: number;
  perTown: number;
  /** Per town, scaled from the days replayed to 365. */
  perTownYear365: number;
}

const cost = (price: Price, quantity: number) => (quantity / price.per) * price.usd;

export function costModel(c: ReplayCounts): CostModel {
  const invocations = c.functions.reduce((n, f) => n + f.invocations, 0) || 1;
  const meanMemoryGb = c.functions.reduce((n, f) => n + f.invocations * f.memoryMb, 0) / invocations / 1024;
  const handlerGbSeconds = c.functions.reduce((n, f) => n + (f.millis / 1000) * (f.memoryMb / 1024), 0);
  const latencyGbSeconds = ((c.dynamodbRequests * ASSUMPTIONS.dynamodbLatencyMs + c.emails * ASSUMPTIONS.sesLatencyMs) / 1000) * meanMemoryGb;
  const lambdaGbSeconds = handlerGbSeconds + latencyGbSeconds;
  const logBytes = c.appLogBytes + c.lambdaInvocations * ASSUMPTIONS.lambdaPlatformLogBytes + c.historyEventsTotal * ASSUMPTIONS.stepFunctionsLogBytesPerEvent;
  const writes = c.dynamodbWriteUnits + c.dynamodbIndexWriteUnits;
  const traces = c.executions + c.workReports;
  const lines: CostLine[] = [
    { service: PRICES.stepFunctionsTransition.service, quantity: c.stateTransitions, unit: 'transitions', usd: cost(PRICES.stepFunctionsTransition, c.stateTransitions) },
    { service: 'Lambda requests', quantity: c.lambdaInvocations, unit: 'requests', usd: cost(PRICES.lambdaRequest, c.lambdaInvocations) },
    { service: 'Lambda duration (arm64)', quantity: lambdaGbSeconds, unit: 'GB-s', usd: cost(PRICES.lambdaGbSecond, lambdaGbSeconds) },
    { service: 'DynamoDB writes', quantity: writes, unit: 'WRU', usd: cost(PRICES.dynamodbWrite, writes) },
    { service: 'DynamoDB reads', quantity: c.dynamodbReadUnits, unit: 'RRU', usd: cost(PRICES.dynamodbRead, c.dynamodbReadUnits) },
    { service: PRICES.sesEmail.service, quantity: c.emails, unit: 'emails', usd: cost(PRICES.sesEmail, c.emails) },
    { service: PRICES.schedulerInvocation.service, quantity: c.scheduleFires, unit: 'invocations', usd: cost(PRICES.schedulerInvocation, c.scheduleFires) },
    { service: 'CloudWatch Logs ingestion', quantity: logBytes / 1e9, unit: 'GB', usd: cost(PRICES.logsIngestion, logBytes / 1e9) },
    { service: PRICES.xrayTrace.service, quantity: traces, unit: 'traces', usd: cost(PRICES.xrayTrace, traces) },
    { service: PRICES.httpApiRequest.service, quantity: c.workReports, unit: 'requests', usd: cost(PRICES.httpApiRequest, c.workReports) },
  ];
  const total = lines.reduce((n, l) => n + l.usd, 0);
  const perTown = total / c.towns;
  return { lines, lambdaGbSeconds, logBytes, total, perTown, perTownYear365: (perTown * 365) / c.days };
}
