// Helpers for the infra tests: synthesize the app once, read roles' policies, and turn a state
// machine's DefinitionString (an Fn::Join) into plain ASL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { type BuildAppOptions, buildApp, FIREPLAN_STACK_NAME } from '../../../infra/fireplan-stack.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Resource {
  Type: string;
  Properties?: JsonObject;
  Metadata?: JsonObject;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface Synthesized {
  app: ReturnType<typeof buildApp>['app'];
  stack: ReturnType<typeof buildApp>['stack'];
  template: Template;
  resources: Record<string, Resource>;
  outdir: string;
}

/** Synthesizes the Fireplan app without bundling (the code assets are placeholders). */
export function synthesize(options: Omit<BuildAppOptions, 'outdir' | 'bundling'> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'fireplan-cdk-'));
  const { app, stack } = buildApp({ ...options, outdir, bundling: false });
  const assembly = app.synth();
  const raw = assembly.getStackByName(FIREPLAN_STACK_NAME).template as { Resources: Record<string, Resource> };
  return { app, stack, template: Template.fromStack(stack), resources: raw.Resources, outdir };
}

export function resourcesOfType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** The logical id a `{ Ref }` or `{ Fn::GetAtt: [id, …] }` points at. */
export function refTarget(value: Json | undefined): string | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    if (typeof value.Ref === 'string') return value.Ref;
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  }
  return undefined;
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}

/** Every statement of every policy attached to the role (inline policies and AWS::IAM::Policy resources). */
export function statementsOfRole(resources: Record<string, Resource>, roleId: string): Statement[] {
  const statements: Statement[] = [];
  const role = resources[roleId];
  for (const policy of (role?.Properties?.Policies as JsonObject[] | undefined) ?? []) {
    statements.push(...((policy.PolicyDocument as unknown as { Statement: Statement[] }).Statement ?? []));
  }
  for (const [, policy] of resourcesOfType(resources, 'AWS::IAM::Policy')) {
    const roles = (policy.Properties?.Roles as Json[] | undefined) ?? [];
    if (roles.some((r) => refTarget(r) === roleId)) {
      statements.push(...(policy.Properties?.PolicyDocument as unknown as { Statement: Statement[] }).Statement);
    }
  }
  return statements;
}

export function actionsOf(statements: Statement[]): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

export function resourcesOf(statement: Statement): Json[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/**
 * The ASL of a state machine: the DefinitionString's Fn::Join with each intrinsic replaced by
 * `resolve(intrinsic)` (by default a readable placeholder such as `<ResolveDayFunction1234.Arn>`).
 */
export function aslOf(
  resources: Record<string, Resource>,
  stateMachineId: string,
  resolve: (intrinsic: JsonObject) => string = placeholder,
): JsonObject {
  const definition = resources[stateMachineId]?.Properties?.DefinitionString as Json;
  if (typeof definition === 'string') return JSON.parse(definition) as JsonObject;
  const join = (definition as JsonObject)['Fn::Join'] as [string, Json[]];
  const text = join[1].map((part) => (typeof part === 'string' ? part : resolve(part as JsonObject))).join(join[0]);
  return JSON.parse(text) as JsonObject;
}

export function placeholder(intrinsic: JsonObject): string {
  const getAtt = intrinsic['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${String(getAtt[0])}.${String(getAtt[1])}>`;
  if (typeof intrinsic.Ref === 'string') return `<${intrinsic.Ref}>`;
  throw new Error(`unexpected intrinsic in a definition: ${JSON.stringify(intrinsic)}`);
}

/** The state machines by their `fireplan:workflow` metadata. */
export function stateMachinesByWorkflow(resources: Record<string, Resource>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, r] of resourcesOfType(resources, 'AWS::StepFunctions::StateMachine')) {
    out[String(r.Metadata?.['fireplan:workflow'])] = id;
  }
  return out;
}

/** The Lambda functions by their `fireplan:entry` metadata. */
export function functionsByEntry(resources: Record<string, Resource>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, r] of resourcesOfType(resources, 'AWS::Lambda::Function')) {
    out[String(r.Metadata?.['fireplan:entry'])] = id;
  }
  return out;
}

/** All states of an ASL document, including those inside Map item processors, by name. */
export function allStates(asl: JsonObject): Record<string, JsonObject> {
  const out: Record<string, JsonObject> = {};
  const walk = (states: JsonObject) => {
    for (const [name, state] of Object.entries(states)) {
      const s = state as JsonObject;
      if (name in out) throw new Error(`duplicate state name ${name}`);
      out[name] = s;
      const processor = (s.ItemProcessor ?? s.Iterator) as JsonObject | undefined;
      if (processor) walk(processor.States as JsonObject);
      for (const branch of (s.Branches as JsonObject[] | undefined) ?? []) walk(branch.States as JsonObject);
    }
  };
  walk(asl.States as JsonObject);
  return out;
}
