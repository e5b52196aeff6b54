// The synthesized Fireplan template against docs/architecture.md and the project's rules.
// Synthesized once, without bundling, with cdk-nag and CDK's CloudFormation validation on (as
// `cdk synth` runs them): an unacknowledged cdk-nag error makes the synthesis itself throw.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../../functions/api/route-table.ts';
import {
  actionsOf,
  aslOf,
  allStates,
  functionsByEntry,
  type Json,
  type JsonObject,
  refTarget,
  type Resource,
  resourcesOf,
  resourcesOfType,
  stateMachinesByWorkflow,
  statementsOfRole,
  type Synthesized,
  synthesize,
} from './template-support.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

/** docs/architecture.md: the handlers the workflows use, and ReportWork, the function of the HTTP API's one route (tests/unit/infra/http-api.test.ts). */
const WORKFLOW_HANDLERS = {
  'functions/handlers/resolve-day.ts': 'ResolveDay',
  'functions/handlers/list-towns.ts': 'ListTowns',
  'functions/handlers/open-period.ts': 'OpenPeriod',
  'functions/handlers/follow-up.ts': 'FollowUp',
  'functions/handlers/monthly-report.ts': 'MonthlyReport',
  'functions/handlers/annual-evaluation.ts': 'AnnualEvaluation',
  'functions/handlers/check-recruitment.ts': 'CheckRecruitment',
  'functions/handlers/draft-exposure.ts': 'DraftExposure',
  'functions/handlers/key-date-alerts.ts': 'KeyDateAlerts',
} as const;
/** Every function: the workflows' and one per function id of the route table. */
const HANDLERS: Record<string, string> = { ...WORKFLOW_HANDLERS, ...Object.fromEntries(routes.map((r) => [r.entry, r.functionId])) };
/** The workflow functions that send digests, reports and alerts, and ReviewWork, whose return and reopen tell the unit. */
const MAIL_SENDERS = ['FollowUp', 'MonthlyReport', 'AnnualEvaluation', 'CheckRecruitment', 'KeyDateAlerts', 'ReviewWork', 'Incidents'];

/** docs/architecture.md, "Schedules". */
const SCHEDULE_TABLE: { expression: string; workflow: string; input: Record<string, string> }[] = [
  { expression: 'cron(0 6 1 * ? *)', workflow: 'PeriodOpening', input: { cadence: 'monthly' } },
  { expression: 'cron(0 6 1 1,4,7,10 ? *)', workflow: 'PeriodOpening', input: { cadence: 'quarterly' } },
  { expression: 'cron(0 6 1 1,7 ? *)', workflow: 'PeriodOpening', input: { cadence: 'semiannual' } },
  { expression: 'cron(0 6 1 1 ? *)', workflow: 'PeriodOpening', input: { cadence: 'annual' } },
  { expression: 'cron(0 6 1 9 ? *)', workflow: 'PeriodOpening', input: { cadence: 'academic-year' } },
  { expression: 'cron(0 6 * * ? *)', workflow: 'PeriodOpening', input: { cadence: 'dated' } },
  { expression: 'cron(30 8 * * ? *)', workflow: 'DailyFollowUp', input: {} },
  { expression: 'cron(0 9 1-10 * ? *)', workflow: 'MonthlyReport', input: {} },
  { expression: 'cron(0 18 20-31 12 ? *)', workflow: 'AnnualEvaluation', input: {} },
  { expression: 'cron(0 8 1-10 * ? *)', workflow: 'RecruitmentCheck', input: {} },
  { expression: 'cron(0 16 20-31 3,6,9,12 ? *)', workflow: 'QuarterlyExposure', input: {} },
  { expression: 'cron(0 8 * * ? *)', workflow: 'KeyDateAlerts', input: {} },
];

const LAMBDA_RETRY = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
    'EmailThrottledError',
    'StorageError',
  ],
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 4,
};

let s: Synthesized;
let fnByName: Record<string, string>; // construct id (ResolveDay …) → logical id
let smByWorkflow: Record<string, string>;

beforeAll(() => {
  s = synthesize();
  fnByName = Object.fromEntries(
    Object.entries(functionsByEntry(s.resources)).map(([entry, id]) => [HANDLERS[entry] ?? entry, id]),
  );
  smByWorkflow = stateMachinesByWorkflow(s.resources);
}, 120_000);
afterAll(() => s && rmSync(s.outdir, { recursive: true, force: true }));

function roleOfFunction(name: string): string {
  const fnId = fnByName[name];
  if (!fnId) throw new Error(`no function ${name}`);
  const roleId = refTarget(s.resources[fnId]?.Properties?.Role);
  if (!roleId) throw new Error(`no role for ${name}`);
  return roleId;
}

describe('Lambda functions', () => {
  it('are exactly the nine workflow handlers and one per function of the route table, each with fireplan:entry metadata naming an existing file', () => {
    s.template.resourceCountIs('AWS::Lambda::Function', Object.keys(HANDLERS).length);
    const entries = Object.keys(functionsByEntry(s.resources));
    expect(entries.sort()).toEqual(Object.keys(HANDLERS).sort());
    for (const entry of entries) expect(existsSync(join(REPO_ROOT, entry)), entry).toBe(true);
  });

  it('run nodejs22.x on arm64 with X-Ray, their own log group and the project environment', () => {
    for (const [, fn] of resourcesOfType(s.resources, 'AWS::Lambda::Function')) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'fireplan',
            LOG_LEVEL: 'INFO',
            FOLLOW_UP_SHARDS: '16',
          },
        },
      });
      const logGroup = refTarget((fn.Properties?.LoggingConfig as JsonObject | undefined)?.LogGroup);
      expect(logGroup && s.resources[logGroup]?.Properties?.RetentionInDays).toBe(365);
      expect(fn.Properties?.Timeout).toBeGreaterThanOrEqual(30);
    }
    s.template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
  });

  it('get TABLE_NAME, and MAIL_* only when they send mail', () => {
    const tableId = resourcesOfType(s.resources, 'AWS::DynamoDB::Table')[0]?.[0];
    for (const [name, fnId] of Object.entries(fnByName)) {
      const env = (s.resources[fnId]?.Properties?.Environment as { Variables: Record<string, Json> }).Variables;
      expect(env.TABLE_NAME).toEqual({ Ref: tableId });
      if (MAIL_SENDERS.includes(name)) {
        expect(env.MAIL_FROM).toEqual({ Ref: 'MailFrom' });
        expect(refTarget(env.MAIL_CONFIGURATION_SET)).toMatch(/^MailConfigurationSet/);
      } else {
        expect(env.MAIL_FROM).toBeUndefined();
        expect(env.MAIL_CONFIGURATION_SET).toBeUndefined();
      }
    }
  });

  it('have no AWS managed policies attached to their roles', () => {
    for (const name of Object.keys(fnByName)) {
      expect(s.resources[roleOfFunction(name)]?.Properties?.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('least privilege', () => {
  it('ResolveDay may only read the table (the calendar overrides), and sends no mail', () => {
    const actions = actionsOf(statementsOfRole(s.resources, roleOfFunction('ResolveDay')));
    expect(actions.filter((a) => a.startsWith('ses:'))).toEqual([]);
    expect(actions.filter((a) => a.startsWith('dynamodb:') && !/^dynamodb:(BatchGetItem|GetItem|Query|Scan|ConditionCheckItem|DescribeTable|GetRecords|GetShardIterator)$/.test(a))).toEqual([]);
    expect(actions).toContain('dynamodb:Query');
  });

  it('ListTowns may only read the table', () => {
    const actions = actionsOf(statementsOfRole(s.resources, roleOfFunction('ListTowns')));
    expect(actions).toContain('dynamodb:Query');
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      expect(actions).not.toContain(write);
    }
  });

  it('OpenPeriod, FollowUp, MonthlyReport and AnnualEvaluation may read and write the table', () => {
    for (const name of ['OpenPeriod', 'FollowUp', 'MonthlyReport', 'AnnualEvaluation']) {
      const actions = actionsOf(statementsOfRole(s.resources, roleOfFunction(name)));
      expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
    }
  });

  it('only the functions of MAIL_SENDERS (ReviewWork among them) may send mail, through the identity and configuration set only', () => {
    for (const name of Object.keys(fnByName)) {
      const statements = statementsOfRole(s.resources, roleOfFunction(name));
      const ses = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('ses:')));
      if (!MAIL_SENDERS.includes(name)) {
        expect(ses, name).toEqual([]);
        continue;
      }
      expect(actionsOf(ses).sort()).toEqual(['ses:SendEmail', 'ses:SendRawEmail']);
      const resources = ses.flatMap(resourcesOf).map((r) => JSON.stringify(r));
      expect(resources).toHaveLength(2);
      expect(resources.some((r) => r.includes(':identity/') && r.includes('{"Ref":"MailFrom"}'))).toBe(true);
      expect(resources.some((r) => r.includes(':configuration-set/') && r.includes('MailConfigurationSet'))).toBe(true);
    }
  });

  it('no Lambda role has a wildcard beyond X-Ray, the table indexes and the evidence objects of ReportWork', () => {
    for (const name of Object.keys(fnByName)) {
      for (const st of statementsOfRole(s.resources, roleOfFunction(name))) {
        expect(actionsOf([st]).every((a) => !a.includes('*'))).toBe(true);
        for (const r of resourcesOf(st)) {
          const text = JSON.stringify(r);
          if (!text.includes('*')) continue;
          if (r === '*') expect(actionsOf([st]).every((a) => a.startsWith('xray:'))).toBe(true);
          else if (actionsOf([st]).every((a) => a.startsWith('s3:'))) {
            expect(name).toBe('ReportWork');
            expect(actionsOf([st]).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
            expect(text).toMatch(/EvidenceBucket.*"\/\*"/);
          } else expect(text).toMatch(/"\/index\/\*"/);
        }
      }
    }
  });

  it('the scheduler role may only start the four state machines (and dead-letter to its own queue)', () => {
    const schedulerRoles = resourcesOfType(s.resources, 'AWS::IAM::Role').filter(([, r]) =>
      JSON.stringify(r.Properties?.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    );
    expect(schedulerRoles).toHaveLength(1);
    const [roleId, role] = schedulerRoles[0] as [string, Resource];
    expect(JSON.stringify(role.Properties?.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
    const statements = statementsOfRole(s.resources, roleId);
    const states = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('states:')));
    expect(actionsOf(states)).toEqual(['states:StartExecution']);
    expect(states.flatMap(resourcesOf).map(refTarget).sort()).toEqual(Object.values(smByWorkflow).sort());
    const others = statements.filter((st) => !states.includes(st));
    expect(others).toHaveLength(1);
    expect(actionsOf(others)).toEqual(['sqs:SendMessage']);
    const schedulerDlq = refTarget(
      (
        (Object.values(s.resources).find((r) => r.Type === 'AWS::Scheduler::Schedule')?.Properties?.Target as JsonObject)
          .DeadLetterConfig as JsonObject
      ).Arn,
    );
    expect(schedulerDlq).toMatch(/^SchedulesDeadLetterQueue/);
    expect(refTarget((others[0]?.Resource as JsonObject | undefined) ?? null)).toBe(schedulerDlq);
    expect(statements.every((st) => st.Effect === 'Allow' && !JSON.stringify(st.Resource).includes('*'))).toBe(true);
  });

  it('each state machine may invoke only the functions of its own workflow', () => {
    const expected: Record<string, string[]> = {
      PeriodOpening: ['ResolveDay', 'ListTowns', 'OpenPeriod'],
      DailyFollowUp: ['ResolveDay', 'FollowUp'],
      MonthlyReport: ['ResolveDay', 'ListTowns', 'MonthlyReport'],
      AnnualEvaluation: ['ResolveDay', 'ListTowns', 'AnnualEvaluation'],
      RecruitmentCheck: ['ResolveDay', 'ListTowns', 'CheckRecruitment'],
      QuarterlyExposure: ['ResolveDay', 'ListTowns', 'DraftExposure'],
      KeyDateAlerts: ['ResolveDay', 'ListTowns', 'KeyDateAlerts'],
    };
    for (const [workflow, names] of Object.entries(expected)) {
      const smId = smByWorkflow[workflow] as string;
      const roleId = refTarget(s.resources[smId]?.Properties?.RoleArn) as string;
      const invoke = statementsOfRole(s.resources, roleId).filter((st) => actionsOf([st]).includes('lambda:InvokeFunction'));
      const targets = new Set(
        invoke.flatMap(resourcesOf).map((r) => JSON.stringify(r).match(/"Fn::GetAtt":\["([^"]+)","Arn"\]/)?.[1]),
      );
      expect([...targets].sort(), workflow).toEqual(names.map((n) => fnByName[n]).sort());
    }
  });
});

describe('the table', () => {
  it('is on-demand, with PITR, SSE, deletion protection, kept on delete, and the three GSIs', () => {
    s.template.resourceCountIs('AWS::DynamoDB::Table', 1);
    s.template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    const gsi = (name: string, pk: string, sk: string) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: pk, KeyType: 'HASH' },
        { AttributeName: sk, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    });
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
      GlobalSecondaryIndexes: Match.arrayEquals([
        gsi('due', 'duePk', 'dueSk'),
        gsi('unit', 'unitPk', 'unitSk'),
        gsi('period', 'periodPk', 'periodSk'),
      ]),
      AttributeDefinitions: Match.arrayWith(
        ['pk', 'sk', 'duePk', 'dueSk', 'unitPk', 'unitSk', 'periodPk', 'periodSk'].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
      ),
    });
  });
});

describe('mail', () => {
  it('has a MailFrom parameter and a configuration set with reputation metrics', () => {
    s.template.hasParameter('MailFrom', { Type: 'String', Default: 'fireplan@example.org' });
    s.template.hasResourceProperties('AWS::SES::ConfigurationSet', {
      ReputationOptions: { ReputationMetricsEnabled: true },
      SendingOptions: { SendingEnabled: true },
    });
    s.template.resourceCountIs('AWS::SES::EmailIdentity', 0);
  });
});

describe('state machines', () => {
  it('are the seven Standard workflows with logging, X-Ray and a timeout', () => {
    s.template.resourceCountIs('AWS::StepFunctions::StateMachine', 7);
    expect(Object.keys(smByWorkflow).sort()).toEqual(['AnnualEvaluation', 'DailyFollowUp', 'KeyDateAlerts', 'MonthlyReport', 'PeriodOpening', 'QuarterlyExposure', 'RecruitmentCheck']);
    s.template.allResourcesProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] } } }],
      },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('use only what the local runtime supports: JSONPath, inline Map, no heartbeats', () => {
    for (const id of Object.values(smByWorkflow)) {
      const asl = aslOf(s.resources, id);
      const text = JSON.stringify(asl);
      expect(asl.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      for (const forbidden of ['"QueryLanguage"', '"Assign"', '"ItemReader"', '"ResultWriter"', '"HeartbeatSeconds"', '{%', '"DISTRIBUTED"']) {
        expect(text, forbidden).not.toContain(forbidden);
      }
      for (const state of Object.values(allStates(asl))) {
        if (state.Type === 'Map') {
          expect((state.ItemProcessor as JsonObject).ProcessorConfig).toEqual({ Mode: 'INLINE' });
          expect(state.MaxConcurrency).toBe(10);
        }
      }
    }
  });

  it('name the function ARN as the Resource of every Lambda task and retry the same errors', () => {
    for (const id of Object.values(smByWorkflow)) {
      for (const [name, state] of Object.entries(allStates(aslOf(s.resources, id)))) {
        if (state.Type !== 'Task' || name === 'SendToDeadLetterQueue') continue;
        expect(state.Resource, name).toBe(`<${fnByName[name]}.Arn>`);
        // The handlers' inputs are strict: ListTowns gets exactly { date }; the others get the state,
        // which the Map item selectors and NextPage shape.
        if (name === 'ListTowns') expect(state.Parameters).toEqual({ 'date.$': '$.day.date' });
        else expect(state.Parameters, name).toBeUndefined();
        expect(state.Retry, name).toEqual([LAMBDA_RETRY]);
      }
    }
  });

  it('fail with InvalidInputError when ResolveDay rejects the input', () => {
    for (const id of Object.values(smByWorkflow)) {
      const asl = aslOf(s.resources, id);
      expect(asl.StartAt).toBe('ResolveDay');
      const states = allStates(asl);
      expect(states.ResolveDay).toMatchObject({
        ResultPath: '$.day',
        Catch: [{ ErrorEquals: ['InvalidInputError'], Next: 'InvalidInput' }],
      });
      expect(states.InvalidInput).toMatchObject({ Type: 'Fail', Error: 'InvalidInputError', Cause: expect.any(String) });
    }
  });

  it('dead-letter a failed Map iteration to the workflow DLQ and carry on', () => {
    const dlqId = resourcesOfType(s.resources, 'AWS::SQS::Queue').find(([id]) => id.startsWith('Workflows'))?.[0];
    expect(dlqId).toBeDefined();
    for (const [workflow, id] of Object.entries(smByWorkflow)) {
      const states = allStates(aslOf(s.resources, id));
      const maps = Object.values(states).filter((st) => st.Type === 'Map');
      expect(maps, workflow).toHaveLength(1);
      const iteration = (maps[0]?.ItemProcessor as JsonObject).States as Record<string, JsonObject>;
      const task = iteration[(maps[0]?.ItemProcessor as JsonObject).StartAt as string] as JsonObject;
      expect(task.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'SendToDeadLetterQueue' }]);
      expect(iteration.SendToDeadLetterQueue).toMatchObject({
        Type: 'Task',
        Resource: 'arn:<AWS::Partition>:states:::sqs:sendMessage',
        Parameters: {
          QueueUrl: `<${dlqId}>`,
          MessageBody: { workflow, 'execution.$': '$$.Execution.Id', 'input.$': '$' },
        },
        End: true,
      });
    }
  });

  it('have the shapes of docs/architecture.md', () => {
    const shape = (workflow: string) => {
      const states = allStates(aslOf(s.resources, smByWorkflow[workflow] as string));
      return Object.fromEntries(Object.entries(states).map(([name, st]) => [name, st.Type]));
    };
    expect(shape('PeriodOpening')).toEqual({
      ResolveDay: 'Task',
      InvalidInput: 'Fail',
      CadenceGiven: 'Choice',
      ListTowns: 'Task',
      ForEachTown: 'Map',
      OpenPeriod: 'Task',
      SendToDeadLetterQueue: 'Task',
    });
    expect(shape('DailyFollowUp')).toEqual({
      ResolveDay: 'Task',
      InvalidInput: 'Fail',
      IsWorkday: 'Choice',
      RestDay: 'Succeed',
      ForEachShard: 'Map',
      FollowUp: 'Task',
      MorePages: 'Choice',
      NextPage: 'Pass',
      ShardDone: 'Pass',
      SendToDeadLetterQueue: 'Task',
    });
    for (const [workflow, choice, skip, task] of [
      ['MonthlyReport', 'IsFirstWorkdayOfMonth', 'NotFirstWorkdayOfMonth', 'MonthlyReport'],
      ['AnnualEvaluation', 'IsLastWorkdayOfYear', 'NotLastWorkdayOfYear', 'AnnualEvaluation'],
      ['RecruitmentCheck', 'IsFirstWorkdayOfMonth', 'NotFirstWorkdayOfMonth', 'CheckRecruitment'],
      ['QuarterlyExposure', 'IsLastWorkdayOfQuarter', 'NotLastWorkdayOfQuarter', 'DraftExposure'],
      ['KeyDateAlerts', 'IsWorkday', 'RestDay', 'KeyDateAlerts'],
    ] as const) {
      expect(shape(workflow)).toEqual({
        ResolveDay: 'Task',
        InvalidInput: 'Fail',
        [choice]: 'Choice',
        [skip]: 'Succeed',
        ListTowns: 'Task',
        ForEachTown: 'Map',
        [task]: 'Task',
        SendToDeadLetterQueue: 'Task',
      });
    }
    const followUp = allStates(aslOf(s.resources, smByWorkflow.DailyFollowUp as string));
    expect(followUp.ForEachShard).toMatchObject({
      ItemsPath: '$.day.shards',
      ItemSelector: { 'shard.$': '$$.Map.Item.Value', 'date.$': '$.day.date' },
    });
    expect(followUp.NextPage).toMatchObject({
      Parameters: { 'shard.$': '$.shard', 'date.$': '$.date', 'afterTown.$': '$.afterTown' },
      Next: 'FollowUp',
    });
  });
});

describe('schedules', () => {
  it('are the twelve of docs/architecture.md, in Asia/Shanghai, with a retry policy and a dead-letter queue', () => {
    s.template.resourceCountIs('AWS::Scheduler::Schedule', SCHEDULE_TABLE.length);
    s.template.allResourcesProperties('AWS::Scheduler::Schedule', {
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({
        RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesDeadLetterQueue'), 'Arn'] } },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesRole'), 'Arn'] },
      }),
    });
    const actual = resourcesOfType(s.resources, 'AWS::Scheduler::Schedule').map(([, r]) => {
      const target = r.Properties?.Target as JsonObject;
      return {
        expression: r.Properties?.ScheduleExpression,
        target: refTarget(target.Arn),
        input: JSON.parse(target.Input as string) as Json,
      };
    });
    const expected = SCHEDULE_TABLE.map((row) => ({
      expression: row.expression,
      target: smByWorkflow[row.workflow],
      input: { ...row.input, scheduledTime: '<aws.scheduler.scheduled-time>' },
    }));
    const key = (x: { expression: unknown; input: unknown }) => `${String(x.expression)} ${JSON.stringify(x.input)}`;
    expect([...actual].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      [...expected].sort((a, b) => key(a).localeCompare(key(b))),
    );
  });
});

describe('queues and alarms', () => {
  it('dead-letter queues are encrypted and refuse requests without TLS', () => {
    s.template.resourceCountIs('AWS::SQS::Queue', 2);
    s.template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    s.template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    s.template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('alarm on failed executions of each state machine', () => {
    for (const id of Object.values(smByWorkflow)) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionsFailed',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: id } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarm on visible messages in every dead-letter queue', () => {
    for (const [id] of resourcesOfType(s.resources, 'AWS::SQS::Queue')) {
      s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
        Threshold: 1,
      });
    }
  });
});

describe('the template', () => {
  it('hard-codes no physical names', () => {
    const named: [string, string][] = [
      ['AWS::Lambda::Function', 'FunctionName'],
      ['AWS::DynamoDB::Table', 'TableName'],
      ['AWS::StepFunctions::StateMachine', 'StateMachineName'],
      ['AWS::SQS::Queue', 'QueueName'],
      ['AWS::IAM::Role', 'RoleName'],
      ['AWS::Logs::LogGroup', 'LogGroupName'],
      ['AWS::CloudWatch::Alarm', 'AlarmName'],
      ['AWS::Scheduler::Schedule', 'Name'],
      ['AWS::SES::ConfigurationSet', 'Name'],
    ];
    for (const [type, property] of named) {
      for (const [id, r] of resourcesOfType(s.resources, type)) expect(r.Properties?.[property], `${id}.${property}`).toBeUndefined();
    }
  });

  it('is environment-agnostic and lands in <outdir>/Fireplan.template.json', () => {
    expect(s.stack.account).toMatch(/^\$\{Token/);
    expect(s.stack.region).toMatch(/^\$\{Token/);
    const written = JSON.parse(readFileSync(join(s.outdir, 'Fireplan.template.json'), 'utf8')) as { Resources: object };
    expect(Object.keys(written.Resources).sort()).toEqual(Object.keys(s.resources).sort());
  });
});
