import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Construct } from 'constructs';
import { DataTable } from './constructs/data-table.ts';
import { FireplanFunction } from './constructs/fireplan-function.ts';
import { FireplanHttpApi } from './constructs/http-api.ts';
import { MailSending } from './constructs/mail-sending.ts';
import { Schedules } from './constructs/schedules.ts';
import { Workflows } from './constructs/workflows.ts';
import { REPO_ROOT } from './util.ts';

/** The stack's name; its template lands in `cdk.out/Fireplan.template.json`. */
export const FIREPLAN_STACK_NAME = 'Fireplan';

/** How many shards the `due` index is spread over (docs/architecture.md). Every function gets it. */
export const FOLLOW_UP_SHARDS = 16;

/**
 * Fireplan on AWS: the table, mail sending, one Lambda function per workflow handler, the four
 * workflows and their schedules, and the HTTP API (its users, its evidence bucket, and one Lambda
 * function per route). Environment-agnostic (no account or region, no lookups), so it synthesizes
 * offline.
 */
export class FireplanStack extends Stack {
  readonly data: DataTable;
  readonly mail: MailSending;
  readonly functions: {
    readonly resolveDay: FireplanFunction;
    readonly listTowns: FireplanFunction;
    readonly openPeriod: FireplanFunction;
    readonly followUp: FireplanFunction;
    readonly monthlyReport: FireplanFunction;
    readonly annualEvaluation: FireplanFunction;
    readonly checkRecruitment: FireplanFunction;
    readonly draftExposure: FireplanFunction;
    readonly keyDateAlerts: FireplanFunction;
  };
  readonly workflows: Workflows;
  readonly schedules: Schedules;
  /** The HTTP API; its route functions (ReportWork …) are `api.routeFunctions`. */
  readonly api: FireplanHttpApi;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, {
      description: "Fireplan: a township's annual fire-safety work plan as serverless workflows",
      analyticsReporting: false,
      ...props,
    });

    this.data = new DataTable(this, 'Data');
    this.mail = new MailSending(this, 'Mail');
    const table = this.data.table;

    const fn = (constructId: string, file: string, description: string, timeout?: Duration): FireplanFunction =>
      new FireplanFunction(this, constructId, {
        entry: `functions/handlers/${file}`,
        description,
        timeout,
        environment: { FOLLOW_UP_SHARDS: String(FOLLOW_UP_SHARDS) },
      });
    // A digest send may take up to four 10 s SES attempts with backoff; a page of towns sends many.
    const mailTimeout = Duration.minutes(5);

    this.functions = {
      // Reads the calendar overrides only: no writes, no mail.
      resolveDay: fn('ResolveDay', 'resolve-day.ts', 'Turns a scheduled time into the Asia/Shanghai day').useTable(table, 'read'),
      listTowns: fn('ListTowns', 'list-towns.ts', 'Lists the towns in the registry').useTable(table, 'read'),
      openPeriod: fn('OpenPeriod', 'open-period.ts', "Opens a period's duty instances in a town").useTable(
        table,
        'readWrite',
      ),
      followUp: fn('FollowUp', 'follow-up.ts', 'Daily follow-up of one shard of the due index', mailTimeout)
        .useTable(table, 'readWrite')
        .useMail(this.mail),
      monthlyReport: fn('MonthlyReport', 'monthly-report.ts', "Sends a town's monthly digest", mailTimeout)
        .useTable(table, 'readWrite')
        .useMail(this.mail),
      annualEvaluation: fn('AnnualEvaluation', 'annual-evaluation.ts', "Sends a town's annual evaluation", mailTimeout)
        .useTable(table, 'readWrite')
        .useMail(this.mail),
      checkRecruitment: fn('CheckRecruitment', 'check-recruitment.ts', "Checks a town's firefighter recruitment against its target", mailTimeout)
        .useTable(table, 'readWrite')
        .useMail(this.mail),
      draftExposure: fn('DraftExposure', 'draft-exposure.ts', "Drafts a town's quarterly exposure list of major hazards").useTable(table, 'readWrite'),
      keyDateAlerts: fn('KeyDateAlerts', 'key-date-alerts.ts', "Sends a town's key-date risk alerts", mailTimeout)
        .useTable(table, 'readWrite')
        .useMail(this.mail),
    };

    const f = this.functions;
    this.workflows = new Workflows(this, 'Workflows', {
      functions: {
        resolveDay: f.resolveDay.function,
        listTowns: f.listTowns.function,
        openPeriod: f.openPeriod.function,
        followUp: f.followUp.function,
        monthlyReport: f.monthlyReport.function,
        annualEvaluation: f.annualEvaluation.function,
        checkRecruitment: f.checkRecruitment.function,
        draftExposure: f.draftExposure.function,
        keyDateAlerts: f.keyDateAlerts.function,
      },
    });

    this.schedules = new Schedules(this, 'Schedules', { stateMachines: this.workflows.stateMachines });

    // One route and one function per entry of functions/api/route-table.ts (ReportWork …). The
    // functions are created in the stack's scope, as the workflow functions are, so that their
    // logical ids (`ReportWorkFunction…`) do not depend on the API construct.
    this.api = new FireplanHttpApi(this, 'Api', {
      table,
      functionScope: this,
      environment: { FOLLOW_UP_SHARDS: String(FOLLOW_UP_SHARDS) },
      // ReviewWork tells a unit its report was returned or its accepted work reopened.
      mail: this.mail,
    });
  }
}

/** Adds the cdk-nag AWS Solutions checks. cdk-nag 3 is a policy-validation plugin (as an Aspect it throws). */
export function addComplianceChecks(app: App): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(checks);
  return checks;
}

/** The `context` of cdk.json: the feature flags the CLI passes to the app. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return cdkJson.context ?? {};
}

export interface BuildAppOptions {
  /** Where to write the cloud assembly. @default a temporary directory */
  readonly outdir?: string;
  /** Bundle the functions with esbuild. Without it, synth takes a fraction of the time and the code assets are placeholders. @default true */
  readonly bundling?: boolean;
  /** Run the cdk-nag AWS Solutions checks at synth. @default true */
  readonly checks?: boolean;
  /**
   * Run CDK's built-in CloudFormation template validation at synth, as `cdk synth` does. It costs
   * several seconds per process. @default true
   */
  readonly cloudFormationValidation?: boolean;
  /** Extra context (overrides cdk.json's). */
  readonly context?: Record<string, unknown>;
}

/**
 * The app as `cdk synth` builds it (same stack, same cdk.json feature flags), for tests and for the
 * local runtime, without spawning the CLI. Call `app.synth()` to write the assembly;
 * `app.synth().getStackByName(FIREPLAN_STACK_NAME).template` is the template.
 */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: FireplanStack } {
  const app = new App({
    outdir: options.outdir,
    builtinCloudFormationValidation: options.cloudFormationValidation ?? true,
    context: {
      ...cdkJsonContext(),
      ...(options.bundling === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  const stack = new FireplanStack(app, FIREPLAN_STACK_NAME);
  if (options.checks !== false) addComplianceChecks(app);
  return { app, stack };
}
