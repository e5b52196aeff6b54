/**
 * Reads a synthesized CloudFormation template (cdk.out/<Stack>.template.json) and extracts what the
 * local runtime executes: the state machines (ASL with every intrinsic resolved to a local value),
 * the Lambda functions (handler module, export, environment), the DynamoDB tables, the SQS queues and
 * the EventBridge Scheduler schedules. Nothing here is re-described for local use: it is all read
 * from the template, and whatever the runtime cannot emulate is reported by `checkRunnable`.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export const LOCAL_REGION = 'cn-local';
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_PARTITION = 'aws';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  Condition?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown }>;
  [other: string]: unknown;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export interface FunctionSpec {
  logicalId: string;
  /** Friendly name, e.g. `ResolveDay`. */
  name: string;
  /** The local function name (the logical id), as it appears in the resolved ARNs. */
  functionName: string;
  arn: string;
  /** Metadata `fireplan:entry`: the handler file relative to the repository root (absent on CDK's own helper functions). */
  entry: string | undefined;
  /** `index.handler` → `handler`. */
  exportName: string;
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
}

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

export interface SecondaryIndexSpec {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType?: string; NonKeyAttributes?: string[] };
}

export interface TableSpec {
  logicalId: string;
  name: string;
  /** The local table name: the `TableName` property when the template sets one, else the logical id. */
  tableName: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  globalSecondaryIndexes: SecondaryIndexSpec[];
  localSecondaryIndexes: SecondaryIndexSpec[];
}

/** An S3 bucket of the template, served locally by the S3 stand-in (local/runtime/s3-stand-in.ts). */
export interface BucketSpec {
  logicalId: string;
  name: string;
  /** The local bucket name: the `BucketName` property when the template sets one, else `local-<logical id>` in lower case (what `Ref` gives). */
  bucketName: string;
}

export interface QueueSpec {
  logicalId: string;
  name: string;
  queueName: string;
  url: string;
  arn: string;
}

export type TaskTarget =
  | { kind: 'lambda'; functionLogicalId: string; integration: 'function-arn' | 'lambda-invoke' }
  | { kind: 'sqs-send'; queueLogicalId: string | undefined; queueUrl: string | undefined }
  | { kind: 'unsupported'; reason: string };

export interface TaskBinding {
  stateName: string;
  /** Where the Task sits, e.g. `EachTown.ItemProcessor` for a Task inside a Map. Empty at top level. */
  scope: string;
  resource: string;
  target: TaskTarget;
}

export interface StateMachineSpec {
  logicalId: string;
  /** Friendly name, e.g. `DailyFollowUp`. */
  name: string;
  /** Other names it can be looked up by (logical id, logical id without its hash). */
  aliases: string[];
  arn: string;
  definition: JsonObject;
  tasks: TaskBinding[];
  /** Names of states with a Retry field (their backoff is overridden to 0 ms locally). */
  retryStates: string[];
  /** Names of Wait states (overridden to 0 ms locally: the local clock does not advance by waiting). */
  waitStates: string[];
  /** What aws-local-stepfunctions would silently ignore or call AWS for; empty when runnable. */
  problems: string[];
}

export interface ScheduleSpec {
  logicalId: string;
  name: string;
  expression: string;
  /** IANA zone from `ScheduleExpressionTimezone`; EventBridge Scheduler defaults to UTC. */
  timezone: string;
  enabled: boolean;
  startDate: string | undefined;
  endDate: string | undefined;
  /** Logical id of the target state machine, or undefined when the target is something else. */
  targetStateMachine: string | undefined;
  targetArn: string;
  /** The target's Input string, with `<aws.scheduler.*>` placeholders still in it. */
  input: string | undefined;
  problems: string[];
}

export interface LocalTemplate {
  stackName: string;
  functions: FunctionSpec[];
  tables: TableSpec[];
  queues: QueueSpec[];
  buckets: BucketSpec[];
  stateMachines: StateMachineSpec[];
  schedules: ScheduleSpec[];
}

/** Loads a template from a path to `<Stack>.template.json`, or takes a template object as is. */
export function loadTemplate(source: string | CfnTemplate, stackName?: string): LocalTemplate {
  if (typeof source === 'string') {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(source, 'utf8'));
    } catch (error) {
      throw new TemplateError(`cannot read template ${source}: ${(error as Error).message}`);
    }
    return extractTemplate(raw as CfnTemplate, stackName ?? basename(source).replace(/\.template\.json$/, ''));
  }
  return extractTemplate(source, stackName ?? 'Local');
}

/** CDK appends an 8-character hash of the construct path to every logical id. */
const CDK_HASH = /^(.+?)[0-9A-F]{8}$/;
const GENERIC_SEGMENTS = new Set(['Resource', 'Default', 'StateMachine', 'Function', 'Handler', 'Schedule', 'Queue', 'Table', 'Lambda']);

function withoutHash(logicalId: string): string {
  return CDK_HASH.exec(logicalId)?.[1] ?? logicalId;
}

/**
 * The friendly name: the last meaningful segment of the construct path (`aws:cdk:path`), else the
 * logical id without its hash and without a generic suffix (`DailyFollowUpStateMachine3F2A…` →
 * `DailyFollowUp`).
 */
export function friendlyName(logicalId: string, resource: CfnResource): string {
  const path = resource.Metadata?.['aws:cdk:path'];
  if (typeof path === 'string') {
    const segments = path.split('/').slice(1).filter((s) => s !== 'Resource' && s !== 'Default');
    while (segments.length > 1 && GENERIC_SEGMENTS.has(segments[segments.length - 1] ?? '')) segments.pop();
    const last = segments[segments.length - 1];
    if (last) return last;
  }
  let name = withoutHash(logicalId);
  for (const suffix of GENERIC_SEGMENTS) {
    if (name.length > suffix.length && name.endsWith(suffix)) {
      name = name.slice(0, -suffix.length);
      break;
    }
  }
  return name;
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions

interface ResolveContext {
  stackName: string;
  resources: Record<string, CfnResource>;
  parameters: Record<string, { Default?: unknown }>;
}

const NO_VALUE = Symbol('AWS::NoValue');

function literalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function tableName(ctx: ResolveContext, logicalId: string): string {
  return literalString(ctx.resources[logicalId]?.Properties?.TableName) ?? logicalId;
}

function queueName(ctx: ResolveContext, logicalId: string): string {
  return literalString(ctx.resources[logicalId]?.Properties?.QueueName) ?? logicalId;
}

/** A valid S3 bucket name for a bucket of the template that sets none: lower case, at most 63 characters. */
export function localBucketName(logicalId: string): string {
  return `local-${logicalId}`.toLowerCase().replace(/[^a-z0-9.-]/g, '-').slice(0, 63);
}

function bucketName(ctx: ResolveContext, logicalId: string): string {
  return literalString(ctx.resources[logicalId]?.Properties?.BucketName) ?? localBucketName(logicalId);
}

export function localQueueUrl(name: string): string {
  return `http://sqs.${LOCAL_REGION}.localhost/${LOCAL_ACCOUNT}/${name}`;
}

export function localFunctionArn(functionName: string): string {
  return `arn:${LOCAL_PARTITION}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`;
}

export function localStateMachineArn(logicalId: string): string {
  return `arn:${LOCAL_PARTITION}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${logicalId}`;
}

function functionName(ctx: ResolveContext, logicalId: string): string {
  return literalString(ctx.resources[logicalId]?.Properties?.FunctionName) ?? logicalId;
}

function refValue(ctx: ResolveContext, name: string): unknown {
  switch (name) {
    case 'AWS::Region':
      return LOCAL_REGION;
    case 'AWS::AccountId':
      return LOCAL_ACCOUNT;
    case 'AWS::Partition':
      return LOCAL_PARTITION;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return ctx.stackName;
    case 'AWS::StackId':
      return `arn:${LOCAL_PARTITION}:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/${ctx.stackName}/local`;
    case 'AWS::NoValue':
      return NO_VALUE;
  }
  const parameter = ctx.parameters[name];
  if (parameter) return parameter.Default ?? `local-${name}`;
  const resource = ctx.resources[name];
  if (!resource) throw new TemplateError(`Ref to ${name}, which is neither a resource nor a parameter of the template`);
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return functionName(ctx, name);
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return tableName(ctx, name);
    case 'AWS::SQS::Queue':
      return localQueueUrl(queueName(ctx, name));
    case 'AWS::StepFunctions::StateMachine':
      return localStateMachineArn(name);
    case 'AWS::S3::Bucket':
      return bucketName(ctx, name);
    default:
      return literalString(resource.Properties?.Name) ?? `local-${name}`;
  }
}

function getAttValue(ctx: ResolveContext, logicalId: string, attribute: string): unknown {
  const resource = ctx.resources[logicalId];
  if (!resource) throw new TemplateError(`Fn::GetAtt of ${logicalId}, which is not a resource of the template`);
  const arn = (service: string, rest: string) => `arn:${LOCAL_PARTITION}:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${rest}`;
  switch (`${resource.Type}.${attribute}`) {
    case 'AWS::Lambda::Function.Arn':
      return localFunctionArn(functionName(ctx, logicalId));
    case 'AWS::DynamoDB::Table.Arn':
    case 'AWS::DynamoDB::GlobalTable.Arn':
      return arn('dynamodb', `table/${tableName(ctx, logicalId)}`);
    case 'AWS::SQS::Queue.Arn':
      return arn('sqs', queueName(ctx, logicalId));
    case 'AWS::SQS::Queue.QueueUrl':
      return localQueueUrl(queueName(ctx, logicalId));
    case 'AWS::SQS::Queue.QueueName':
      return queueName(ctx, logicalId);
    case 'AWS::StepFunctions::StateMachine.Arn':
      return localStateMachineArn(logicalId);
    case 'AWS::StepFunctions::StateMachine.Name':
      return logicalId;
    case 'AWS::IAM::Role.Arn':
      return `arn:${LOCAL_PARTITION}:iam::${LOCAL_ACCOUNT}:role/${logicalId}`;
    default:
      return `local-${logicalId}-${attribute}`;
  }
}

function asString(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TemplateError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}

function substitute(ctx: ResolveContext, text: string, variables: Record<string, unknown>): string {
  return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return asString(resolve(ctx, variables[name]), `Fn::Sub variable ${name}`);
    const dot = name.indexOf('.');
    if (dot > 0 && ctx.resources[name.slice(0, dot)]) {
      return asString(getAttValue(ctx, name.slice(0, dot), name.slice(dot + 1)), `Fn::Sub ${whole}`);
    }
    return asString(refValue(ctx, name), `Fn::Sub ${whole}`);
  });
}

/** Resolves every intrinsic function in a value to a plain local value. */
function resolve(ctx: ResolveContext, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolve(ctx, v)).filter((v) => v !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, arg] = entries[0] as [string, unknown];
    switch (key) {
      case 'Ref':
        return refValue(ctx, asString(arg, 'Ref'));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(arg) ? arg : asString(arg, 'Fn::GetAtt').split('.');
        return getAttValue(ctx, asString(id, 'Fn::GetAtt'), asString(resolve(ctx, attribute), 'Fn::GetAtt'));
      }
      case 'Fn::Join': {
        const [delimiter, parts] = arg as [string, unknown];
        const list = resolve(ctx, parts);
        if (!Array.isArray(list)) throw new TemplateError('Fn::Join: expected a list');
        return list.map((p) => asString(p, 'Fn::Join')).join(delimiter);
      }
      case 'Fn::Sub': {
        if (typeof arg === 'string') return substitute(ctx, arg, {});
        const [text, variables] = arg as [string, Record<string, unknown>];
        return substitute(ctx, text, variables ?? {});
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const resolved = resolve(ctx, list);
        if (!Array.isArray(resolved)) throw new TemplateError('Fn::Select: expected a list');
        return resolved[Number(resolve(ctx, index))];
      }
      case 'Fn::Split': {
        const [delimiter, text] = arg as [string, unknown];
        return asString(resolve(ctx, text), 'Fn::Split').split(delimiter);
      }
      case 'Fn::Base64':
        return Buffer.from(asString(resolve(ctx, arg), 'Fn::Base64')).toString('base64');
      case 'Fn::GetAZs':
        return [`${LOCAL_REGION}-1a`, `${LOCAL_REGION}-1b`];
      case 'Fn::If':
      case 'Fn::ImportValue':
      case 'Fn::FindInMap':
      case 'Fn::Transform':
        throw new TemplateError(`${key} is not supported by the local runtime`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const resolved = resolve(ctx, v);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Extraction

function resourcesOfType(template: CfnTemplate, ...types: string[]): [string, CfnResource][] {
  return Object.entries(template.Resources ?? {}).filter(([, r]) => types.includes(r.Type));
}

export function extractTemplate(template: CfnTemplate, stackName: string): LocalTemplate {
  if (!template || typeof template !== 'object' || !template.Resources) {
    throw new TemplateError('not a CloudFormation template: no Resources');
  }
  const ctx: ResolveContext = { stackName, resources: template.Resources, parameters: template.Parameters ?? {} };

  const functions = resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId, r]) => extractFunction(ctx, logicalId, r));
  const tables = resourcesOfType(template, 'AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(([logicalId, r]) => extractTable(ctx, logicalId, r));
  const queues = resourcesOfType(template, 'AWS::SQS::Queue').map(([logicalId, r]): QueueSpec => {
    const name = queueName(ctx, logicalId);
    return { logicalId, name: friendlyName(logicalId, r), queueName: name, url: localQueueUrl(name), arn: getAttValue(ctx, logicalId, 'Arn') as string };
  });
  const buckets = resourcesOfType(template, 'AWS::S3::Bucket').map(([logicalId, r]): BucketSpec => ({ logicalId, name: friendlyName(logicalId, r), bucketName: bucketName(ctx, logicalId) }));
  const stateMachines = resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([logicalId, r]) =>
    extractStateMachine(ctx, logicalId, r, functions, queues),
  );
  const schedules = resourcesOfType(template, 'AWS::Scheduler::Schedule').map(([logicalId, r]) => extractSchedule(ctx, logicalId, r, stateMachines));
  return { stackName, functions, tables, queues, buckets, stateMachines, schedules };
}

function extractFunction(ctx: ResolveContext, logicalId: string, resource: CfnResource): FunctionSpec {
  const props = resource.Properties ?? {};
  const handler = typeof props.Handler === 'string' ? props.Handler : 'index.handler';
  const env = (resolve(ctx, (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {}) ?? {}) as Record<string, unknown>;
  const environment: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) environment[key] = typeof value === 'string' ? value : JSON.stringify(value);
  const entry = resource.Metadata?.['fireplan:entry'];
  const name = functionName(ctx, logicalId);
  return {
    logicalId,
    name: friendlyName(logicalId, resource),
    functionName: name,
    arn: localFunctionArn(name),
    entry: typeof entry === 'string' ? entry : undefined,
    exportName: handler.slice(handler.lastIndexOf('.') + 1),
    handler,
    environment,
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    memoryMb: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
  };
}

function extractTable(ctx: ResolveContext, logicalId: string, resource: CfnResource): TableSpec {
  const props = resolve(ctx, resource.Properties ?? {}) as Record<string, unknown>;
  const index = (raw: unknown): SecondaryIndexSpec[] =>
    ((raw as Record<string, unknown>[] | undefined) ?? []).map((i) => ({
      IndexName: i.IndexName as string,
      KeySchema: i.KeySchema as KeySchemaElement[],
      Projection: (i.Projection as SecondaryIndexSpec['Projection']) ?? { ProjectionType: 'ALL' },
    }));
  if (!Array.isArray(props.KeySchema)) throw new TemplateError(`table ${logicalId} has no KeySchema`);
  return {
    logicalId,
    name: friendlyName(logicalId, resource),
    tableName: tableName(ctx, logicalId),
    keySchema: props.KeySchema as KeySchemaElement[],
    attributeDefinitions: (props.AttributeDefinitions as TableSpec['attributeDefinitions']) ?? [],
    globalSecondaryIndexes: index(props.GlobalSecondaryIndexes),
    localSecondaryIndexes: index(props.LocalSecondaryIndexes),
  };
}

function definitionOf(ctx: ResolveContext, logicalId: string, props: Record<string, unknown>): JsonObject {
  let definition: unknown;
  if (props.Definition !== undefined) {
    definition = resolve(ctx, props.Definition);
  } else if (props.DefinitionString !== undefined) {
    let text = asString(resolve(ctx, props.DefinitionString), `${logicalId}.DefinitionString`);
    const substitutions = resolve(ctx, props.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    text = text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, key: string) =>
      key in substitutions ? asString(substitutions[key], `DefinitionSubstitutions.${key}`) : whole,
    );
    try {
      definition = JSON.parse(text);
    } catch (error) {
      throw new TemplateError(`state machine ${logicalId}: the resolved DefinitionString is not JSON: ${(error as Error).message}`);
    }
  } else {
    throw new TemplateError(`state machine ${logicalId}: no Definition or DefinitionString (DefinitionS3Location is not supported locally)`);
  }
  if (!definition || typeof definition !== 'object' || Array.isArray(definition)) {
    throw new TemplateError(`state machine ${logicalId}: the definition is not an object`);
  }
  return definition as JsonObject;
}

interface WalkResult {
  tasks: TaskBinding[];
  retryStates: string[];
  waitStates: string[];
  problems: string[];
}

const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/;

function classifyTask(state: JsonObject, functions: FunctionSpec[], queues: QueueSpec[]): TaskTarget {
  const resource = typeof state.Resource === 'string' ? state.Resource : '';
  const params = (state.Parameters && typeof state.Parameters === 'object' ? state.Parameters : {}) as JsonObject;
  const findFunction = (ref: string): TaskTarget => {
    const name = LAMBDA_ARN.exec(ref)?.[1] ?? ref;
    const fn = functions.find((f) => f.functionName === name || f.logicalId === name);
    if (!fn) return { kind: 'unsupported', reason: `calls Lambda function '${name}', which is not in this template` };
    if (!fn.entry) return { kind: 'unsupported', reason: `calls Lambda function '${fn.logicalId}', which has no 'fireplan:entry' metadata naming its handler file` };
    return { kind: 'lambda', functionLogicalId: fn.logicalId, integration: ref === resource ? 'function-arn' : 'lambda-invoke' };
  };
  if (LAMBDA_ARN.test(resource)) return findFunction(resource);
  if (resource === 'arn:aws:states:::lambda:invoke') {
    if (typeof params.FunctionName !== 'string') {
      return { kind: 'unsupported', reason: 'invokes lambda:invoke with a FunctionName that is not fixed in the template' };
    }
    return findFunction(params.FunctionName);
  }
  if (resource === 'arn:aws:states:::sqs:sendMessage') {
    const url = typeof params.QueueUrl === 'string' ? params.QueueUrl : undefined;
    return { kind: 'sqs-send', queueLogicalId: queues.find((q) => q.url === url)?.logicalId, queueUrl: url };
  }
  return {
    kind: 'unsupported',
    reason: `calls '${resource}', which the local runtime cannot emulate (supported: a Lambda function of this template by ARN or through arn:aws:states:::lambda:invoke, and arn:aws:states:::sqs:sendMessage)`,
  };
}

function walkStates(states: JsonObject, scope: string, functions: FunctionSpec[], queues: QueueSpec[], out: WalkResult, seen: Map<string, string>): void {
  for (const [stateName, raw] of Object.entries(states)) {
    const state = raw as JsonObject;
    const where = scope ? `${scope}.${stateName}` : stateName;
    const previous = seen.get(stateName);
    if (previous !== undefined) {
      out.problems.push(`state name '${stateName}' is used twice ('${previous}' and '${where}'): local overrides are keyed by state name`);
    }
    seen.set(stateName, where);
    if (state.QueryLanguage === 'JSONata' || 'Arguments' in state || 'Output' in state) {
      out.problems.push(`state '${where}' uses JSONata, which aws-local-stepfunctions silently ignores: write JSONPath`);
    }
    if ('Assign' in state) out.problems.push(`state '${where}' uses Assign, which aws-local-stepfunctions silently ignores`);
    if (Array.isArray(state.Retry)) out.retryStates.push(stateName);
    switch (state.Type) {
      case 'Task': {
        const resource = typeof state.Resource === 'string' ? state.Resource : JSON.stringify(state.Resource);
        const target = classifyTask(state, functions, queues);
        if (resource.endsWith('.waitForTaskToken') || resource.endsWith('.sync')) {
          out.tasks.push({ stateName, scope, resource, target: { kind: 'unsupported', reason: `calls '${resource}': callback and .sync integrations are not emulated` } });
        } else {
          out.tasks.push({ stateName, scope, resource, target });
        }
        break;
      }
      case 'Wait':
        out.waitStates.push(stateName);
        break;
      case 'Map': {
        if ('ItemReader' in state || 'ResultWriter' in state) {
          out.problems.push(`Map state '${where}' uses ItemReader/ResultWriter (Distributed Map), which aws-local-stepfunctions ignores: use an inline Map`);
        }
        const processor = (state.ItemProcessor ?? state.Iterator) as JsonObject | undefined;
        if (processor?.States) walkStates(processor.States as JsonObject, `${where}.${state.ItemProcessor ? 'ItemProcessor' : 'Iterator'}`, functions, queues, out, seen);
        break;
      }
      case 'Parallel':
        ((state.Branches as JsonObject[] | undefined) ?? []).forEach((branch, i) =>
          walkStates(branch.States as JsonObject, `${where}.Branches[${i}]`, functions, queues, out, seen),
        );
        break;
    }
  }
}

function extractStateMachine(ctx: ResolveContext, logicalId: string, resource: CfnResource, functions: FunctionSpec[], queues: QueueSpec[]): StateMachineSpec {
  const props = resource.Properties ?? {};
  const definition = definitionOf(ctx, logicalId, props);
  const out: WalkResult = { tasks: [], retryStates: [], waitStates: [], problems: [] };
  if (definition.QueryLanguage === 'JSONata') out.problems.push('the definition uses JSONata, which aws-local-stepfunctions silently ignores: write JSONPath');
  walkStates((definition.States ?? {}) as JsonObject, '', functions, queues, out, new Map());
  const text = JSON.stringify(definition);
  for (const clockPath of ['$$.Execution.StartTime', '$$.State.EnteredTime']) {
    if (text.includes(clockPath)) {
      out.problems.push(`the definition reads ${clockPath}, which is the system clock locally: take the time from the input (scheduledTime)`);
    }
  }
  for (const task of out.tasks) {
    if (task.target.kind === 'unsupported') {
      out.problems.push(`Task '${task.scope ? `${task.scope}.` : ''}${task.stateName}' ${task.target.reason}`);
    }
  }
  const name = friendlyName(logicalId, resource);
  const stateMachineName = literalString(props.StateMachineName);
  const aliases = [...new Set([logicalId, withoutHash(logicalId), ...(stateMachineName ? [stateMachineName] : [])])].filter((a) => a !== name);
  return { logicalId, name, aliases, arn: localStateMachineArn(logicalId), definition, ...out };
}

function extractSchedule(ctx: ResolveContext, logicalId: string, resource: CfnResource, stateMachines: StateMachineSpec[]): ScheduleSpec {
  const props = resolve(ctx, resource.Properties ?? {}) as Record<string, unknown>;
  const target = (props.Target ?? {}) as Record<string, unknown>;
  const targetArn = typeof target.Arn === 'string' ? target.Arn : '';
  const stateMachine = stateMachines.find((sm) => sm.arn === targetArn);
  const problems: string[] = [];
  if (!stateMachine) problems.push(`schedule '${logicalId}' targets '${targetArn}', which is not a state machine of this template`);
  const input = target.Input;
  return {
    logicalId,
    name: literalString(resource.Properties?.Name) ?? friendlyName(logicalId, resource),
    expression: typeof props.ScheduleExpression === 'string' ? props.ScheduleExpression : '',
    timezone: typeof props.ScheduleExpressionTimezone === 'string' ? props.ScheduleExpressionTimezone : 'UTC',
    enabled: props.State !== 'DISABLED',
    startDate: literalString(props.StartDate),
    endDate: literalString(props.EndDate),
    targetStateMachine: stateMachine?.logicalId,
    targetArn,
    input: typeof input === 'string' ? input : input === undefined ? undefined : JSON.stringify(input),
    problems,
  };
}

/** Finds a state machine by friendly name, logical id, logical id without hash, or a unique suffix of one of them. */
export function findStateMachine(template: LocalTemplate, name: string): StateMachineSpec {
  const all = template.stateMachines;
  const exact = all.filter((sm) => sm.name === name || sm.aliases.includes(name));
  if (exact.length === 1) return exact[0] as StateMachineSpec;
  const suffix = all.filter((sm) => [sm.name, ...sm.aliases].some((a) => a.endsWith(name)));
  if (exact.length === 0 && suffix.length === 1) return suffix[0] as StateMachineSpec;
  const known = all.map((sm) => sm.name).join(', ') || '(none)';
  throw new TemplateError(
    exact.length + suffix.length === 0 ? `no state machine named '${name}' in the template; known: ${known}` : `'${name}' names more than one state machine; known: ${known}`,
  );
}

export function findFunction(template: LocalTemplate, name: string): FunctionSpec {
  const matches = template.functions.filter((f) => f.name === name || f.logicalId === name || f.functionName === name || withoutHash(f.logicalId) === name);
  if (matches.length === 1) return matches[0] as FunctionSpec;
  const known = template.functions.filter((f) => f.entry).map((f) => f.name).join(', ') || '(none)';
  throw new TemplateError(matches.length === 0 ? `no Lambda function named '${name}'; known: ${known}` : `'${name}' names more than one function; known: ${known}`);
}
