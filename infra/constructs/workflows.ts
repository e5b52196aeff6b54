import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import {
  type CfnStateMachine,
  DefinitionBody,
  type IChainable,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { annualEvaluationDefinition } from '../../workflows/annual-evaluation.ts';
import { dailyFollowUpDefinition } from '../../workflows/daily-follow-up.ts';
import { keyDateAlertsDefinition } from '../../workflows/key-date-alerts.ts';
import { monthlyReportDefinition } from '../../workflows/monthly-report.ts';
import { periodOpeningDefinition } from '../../workflows/period-opening.ts';
import { quarterlyExposureDefinition } from '../../workflows/quarterly-exposure.ts';
import { recruitmentCheckDefinition } from '../../workflows/recruitment-check.ts';
import { cfnReference } from '../util.ts';

/** CloudFormation metadata key naming the workflow of a state machine (`PeriodOpening` …). */
export const WORKFLOW_METADATA_KEY = 'fireplan:workflow';

export const WORKFLOW_NAMES = ['PeriodOpening', 'DailyFollowUp', 'MonthlyReport', 'AnnualEvaluation', 'RecruitmentCheck', 'QuarterlyExposure', 'KeyDateAlerts'] as const;
export type WorkflowName = (typeof WORKFLOW_NAMES)[number];

export interface WorkflowFunctions {
  readonly resolveDay: IFunction;
  readonly listTowns: IFunction;
  readonly openPeriod: IFunction;
  readonly followUp: IFunction;
  readonly monthlyReport: IFunction;
  readonly annualEvaluation: IFunction;
  readonly checkRecruitment: IFunction;
  readonly draftExposure: IFunction;
  readonly keyDateAlerts: IFunction;
}

export interface WorkflowsProps {
  readonly functions: WorkflowFunctions;
  /** @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
}

/**
 * The four Standard state machines of docs/architecture.md, their execution log group, the
 * workflow dead-letter queue that receives failed Map iterations, and alarms on failed or timed-out
 * executions and on messages waiting in the dead-letter queue.
 */
export class Workflows extends Construct {
  readonly stateMachines: Readonly<Record<WorkflowName, StateMachine>>;
  readonly deadLetterQueue: Queue;
  readonly logGroup: LogGroup;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: WorkflowsProps) {
    super(scope, id);
    const fns = props.functions;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the state machines send failed Map iterations to it ' +
        "(Catch → SQS SendMessage), which cdk-nag cannot see because it only recognises SQS redrive policies " +
        'and Lambda DLQ configs. A DLQ of the DLQ would move unread failures away after a few console polls; ' +
        'an alarm on visible messages watches it instead.',
    });
    this.addAlarm(
      this,
      'DeadLetterQueueAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      'A workflow Map iteration failed and was dead-lettered (workflow DLQ has visible messages).',
    );

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const deadLetterQueue = this.deadLetterQueue;
    this.stateMachines = {
      PeriodOpening: this.workflow(
        'PeriodOpening',
        'Opens the duties of a period (monthly, quarterly … or dated) in every town.',
        [fns.resolveDay, fns.listTowns, fns.openPeriod],
        (s) => periodOpeningDefinition(s, { ...fns, deadLetterQueue }),
      ),
      DailyFollowUp: this.workflow(
        'DailyFollowUp',
        "Each working day: reminders, escalations and alerts for the day's due work, shard by shard.",
        [fns.resolveDay, fns.followUp],
        (s) => dailyFollowUpDefinition(s, { ...fns, deadLetterQueue }),
      ),
      MonthlyReport: this.workflow(
        'MonthlyReport',
        'On the first working day of a month: the monthly digest of every town.',
        [fns.resolveDay, fns.listTowns, fns.monthlyReport],
        (s) => monthlyReportDefinition(s, { ...fns, deadLetterQueue }),
      ),
      AnnualEvaluation: this.workflow(
        'AnnualEvaluation',
        'On the last working day of a year: the annual evaluation of every town.',
        [fns.resolveDay, fns.listTowns, fns.annualEvaluation],
        (s) => annualEvaluationDefinition(s, { ...fns, deadLetterQueue }),
      ),
      RecruitmentCheck: this.workflow(
        'RecruitmentCheck',
        "On the first working day of a month: each town's recruitment of full-time firefighters against its target (item 17).",
        [fns.resolveDay, fns.listTowns, fns.checkRecruitment],
        (s) => recruitmentCheckDefinition(s, { ...fns, deadLetterQueue }),
      ),
      QuarterlyExposure: this.workflow(
        'QuarterlyExposure',
        "On the last working day of a quarter: each town's draft list of major hazards for public exposure (item 8).",
        [fns.resolveDay, fns.listTowns, fns.draftExposure],
        (s) => quarterlyExposureDefinition(s, { ...fns, deadLetterQueue }),
      ),
      KeyDateAlerts: this.workflow(
        'KeyDateAlerts',
        "Each working day: risk alerts before each town's key dates (item 9).",
        [fns.resolveDay, fns.listTowns, fns.keyDateAlerts],
        (s) => keyDateAlertsDefinition(s, { ...fns, deadLetterQueue }),
      ),
    };
  }

  private workflow(
    name: WorkflowName,
    comment: string,
    functions: IFunction[],
    define: (scope: Construct) => IChainable,
  ): StateMachine {
    const group = new Construct(this, name);
    const definition = define(new Construct(group, 'Definition'));
    const stateMachine = new StateMachine(group, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(definition),
      comment,
      // Each execution does one day's or one period's work; anything longer is stuck.
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
    });
    (stateMachine.node.defaultChild as CfnStateMachine).addMetadata(WORKFLOW_METADATA_KEY, name);

    const stack = Stack.of(this);
    const role = stateMachine.role;
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" only for the CloudWatch Logs delivery actions (logs:CreateLogDelivery, PutResourcePolicy …) ' +
        'that Step Functions logging needs, and for xray:PutTraceSegments/PutTelemetryRecords/GetSampling*; ' +
        'none of these actions supports resource-level permissions.',
    });
    for (const fn of new Set(functions)) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${cfnReference(stack, fn.functionArn)}:*]`,
        reason:
          'The CDK LambdaInvoke grant adds "<function ARN>:*" (versions and aliases of that one function) ' +
          'beside the function ARN; it reaches no other function.',
      });
    }

    this.addAlarm(
      group,
      'ExecutionsFailedAlarm',
      stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      `A ${name} execution failed.`,
    );
    this.addAlarm(
      group,
      'ExecutionsTimedOutAlarm',
      stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: 'Sum' }),
      `A ${name} execution timed out.`,
    );
    return stateMachine;
  }

  private addAlarm(scope: Construct, id: string, metric: IMetric, description: string): void {
    this.alarms.push(
      new Alarm(scope, id, {
        metric,
        alarmDescription: description,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
