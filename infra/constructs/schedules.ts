import { Aws, Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { WorkflowName } from './workflows.ts';

/** The time zone of every schedule: dates are China's (DESIGN.md, principle 3). */
export const SCHEDULE_TIME_ZONE = TimeZone.ASIA_SHANGHAI;

/** The scheduler's placeholder for the scheduled instant, passed to ResolveDay as `scheduledTime`. */
export const SCHEDULED_TIME = ContextAttribute.scheduledTime; // "<aws.scheduler.scheduled-time>"

export interface ScheduleSpec {
  /** Construct id of the schedule. */
  readonly id: string;
  readonly workflow: WorkflowName;
  /** `cron(...)` in Asia/Shanghai time. */
  readonly expression: string;
  readonly cadence?: string;
  readonly description: string;
}

/** The schedules of docs/architecture.md. */
export const SCHEDULES: readonly ScheduleSpec[] = [
  { id: 'OpenMonthly', workflow: 'PeriodOpening', expression: 'cron(0 6 1 * ? *)', cadence: 'monthly', description: 'Opens the monthly duties on the 1st at 06:00.' },
  { id: 'OpenQuarterly', workflow: 'PeriodOpening', expression: 'cron(0 6 1 1,4,7,10 ? *)', cadence: 'quarterly', description: 'Opens the quarterly duties on the first day of each quarter.' },
  { id: 'OpenSemiannual', workflow: 'PeriodOpening', expression: 'cron(0 6 1 1,7 ? *)', cadence: 'semiannual', description: 'Opens the half-yearly duties on 1 January and 1 July.' },
  { id: 'OpenAnnual', workflow: 'PeriodOpening', expression: 'cron(0 6 1 1 ? *)', cadence: 'annual', description: 'Opens the annual duties on 1 January.' },
  { id: 'OpenAcademicYear', workflow: 'PeriodOpening', expression: 'cron(0 6 1 9 ? *)', cadence: 'academic-year', description: 'Opens the academic-year duties on 1 September.' },
  { id: 'OpenDated', workflow: 'PeriodOpening', expression: 'cron(0 6 * * ? *)', cadence: 'dated', description: 'Opens one-off and key-date duties whose opening day has come.' },
  { id: 'DailyFollowUp', workflow: 'DailyFollowUp', expression: 'cron(30 8 * * ? *)', description: 'The daily follow-up (acts on working days only).' },
  { id: 'MonthlyReport', workflow: 'MonthlyReport', expression: 'cron(0 9 1-10 * ? *)', description: 'The monthly report (acts on the first working day of the month only).' },
  { id: 'AnnualEvaluation', workflow: 'AnnualEvaluation', expression: 'cron(0 18 20-31 12 ? *)', description: 'The annual evaluation (acts on the last working day of the year only).' },
  { id: 'RecruitmentCheck', workflow: 'RecruitmentCheck', expression: 'cron(0 8 1-10 * ? *)', description: 'The recruitment check (acts on the first working day of the month only).' },
  { id: 'QuarterlyExposure', workflow: 'QuarterlyExposure', expression: 'cron(0 16 20-31 3,6,9,12 ? *)', description: 'The exposure draft (acts on the last working day of the quarter only).' },
  { id: 'KeyDateAlerts', workflow: 'KeyDateAlerts', expression: 'cron(0 8 * * ? *)', description: 'Key-date risk alerts (act on working days only).' },
];

/** The target input of a schedule: a JSON string with the scheduler's `<aws.scheduler.scheduled-time>`. */
export function scheduleInput(spec: Pick<ScheduleSpec, 'cadence'>): string {
  return JSON.stringify(
    spec.cadence === undefined ? { scheduledTime: SCHEDULED_TIME } : { cadence: spec.cadence, scheduledTime: SCHEDULED_TIME },
  );
}

export interface SchedulesProps {
  readonly stateMachines: Readonly<Record<WorkflowName, IStateMachine>>;
}

/**
 * EventBridge Scheduler schedules that start the workflows (Asia/Shanghai, no flexible window,
 * retries for up to 12 hours — a late run still works on its scheduled day, because ResolveDay
 * reads the scheduled time, not the clock), a scheduler dead-letter queue with an alarm, and one
 * role that may only start executions of these state machines (and dead-letter to its queue).
 */
export class Schedules extends Construct {
  readonly schedules: Readonly<Record<string, Schedule>>;
  readonly role: Role;
  readonly deadLetterQueue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: it is the DeadLetterConfig of the EventBridge Scheduler ' +
        'schedules, which cdk-nag cannot see because it only recognises SQS redrive policies and Lambda DLQ configs. ' +
        'An alarm on visible messages watches it.',
    });
    this.alarm = new Alarm(this, 'DeadLetterQueueAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      alarmDescription: 'A schedule could not start its workflow (scheduler DLQ has visible messages).',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.role = new Role(this, 'Role', {
      description: 'Lets EventBridge Scheduler start the Fireplan workflows',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });

    const schedules: Record<string, Schedule> = {};
    for (const spec of SCHEDULES) {
      schedules[spec.id] = new Schedule(this, spec.id, {
        description: spec.description,
        schedule: ScheduleExpression.expression(spec.expression, SCHEDULE_TIME_ZONE),
        // The target adds states:StartExecution on its state machine, and sqs:SendMessage on the
        // dead-letter queue, to the role.
        target: new StepFunctionsStartExecution(props.stateMachines[spec.workflow], {
          role: this.role,
          input: ScheduleTargetInput.fromText(scheduleInput(spec)),
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 20,
          maxEventAge: Duration.hours(12),
        }),
      });
    }
    this.schedules = schedules;
  }
}
