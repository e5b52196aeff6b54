import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type CfnFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { cfnReference, REPO_ROOT } from '../util.ts';
import type { MailSending } from './mail-sending.ts';

/** CloudFormation metadata key naming the handler module of a function (relative to the repo root). */
export const ENTRY_METADATA_KEY = 'fireplan:entry';

/** Environment every function gets unless overridden. */
const DEFAULT_ENVIRONMENT: Readonly<Record<string, string>> = {
  POWERTOOLS_SERVICE_NAME: 'fireplan',
  LOG_LEVEL: 'INFO',
};

/**
 * An ESM bundle has no `require`, but CommonJS dependencies that esbuild inlines may still call
 * `require()` for Node built-ins; define one at the top of the bundle.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __fireplanCreateRequire } from 'node:module'; const require = __fireplanCreateRequire(import.meta.url);";

export interface FireplanFunctionProps {
  /** The handler file relative to the repository root, e.g. `functions/handlers/follow-up.ts`. */
  readonly entry: string;
  /** A short description shown in the Lambda console. */
  readonly description?: string;
  /** Extra environment variables (added to the project defaults). */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default Duration.seconds(60) — well above the AWS SDK clients' per-request timeouts and retries */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
}

/**
 * A Lambda function with the project's defaults: Node.js 22 on arm64, an ESM bundle built by
 * esbuild (minified, with source maps), its own log group with a retention period, X-Ray
 * tracing, and its own role that holds only what its `use…` methods grant.
 *
 * The function's CloudFormation resource carries `fireplan:entry` metadata (the handler file,
 * relative to the repository root) so that the local runtime can map it to its module.
 */
export class FireplanFunction extends Construct {
  /** The Lambda function; pass this wherever an `IFunction` is wanted. */
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** The handler file relative to the repository root. */
  readonly entry: string;

  private tableName?: string;
  private evidenceBucketName?: string;

  constructor(scope: Construct, id: string, props: FireplanFunctionProps) {
    super(scope, id);

    if (isAbsolute(props.entry) || props.entry.split(/[\\/]/).includes('..')) {
      throw new Error(`FireplanFunction ${id}: entry must be relative to the repository root: ${props.entry}`);
    }
    const entryPath = join(REPO_ROOT, props.entry);
    if (!existsSync(entryPath)) {
      throw new Error(`FireplanFunction ${id}: handler file does not exist: ${props.entry}`);
    }
    this.entry = relative(REPO_ROOT, entryPath).split(sep).join('/');

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Our own role instead of the default one, which would attach the AWS managed policy
    // AWSLambdaBasicExecutionRole (logs:* on every log group in the account).
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the Fireplan ${id} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: entryPath,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(60),
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      projectRoot: REPO_ROOT,
      environment: {
        ...DEFAULT_ENVIRONMENT,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        // Error names are the contract with the state machines (Catch InvalidInputError, Retry
        // EmailThrottledError) and the errors set `this.name = new.target.name`: keep class names.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // Ship the AWS SDK version the code was tested with (package-lock.json), not whatever
        // version the Lambda runtime happens to carry.
        bundleAwsSDK: true,
      },
    });

    const cfnFunction = this.function.node.defaultChild as CfnFunction;
    cfnFunction.addMetadata(ENTRY_METADATA_KEY, this.entry);

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is pinned to nodejs22.x on purpose (DESIGN.md): the handlers and their dependencies ' +
        '(middy 6, the pinned AWS SDK) are developed and tested on Node 20/22, and nodejs22.x is a supported Lambda runtime.',
    });
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords (added by Tracing.ACTIVE) use Resource "*": ' +
        'these X-Ray actions do not support resource-level permissions.',
    });
  }

  /** Sets `TABLE_NAME` and grants read or read/write access to the table and its indexes. */
  useTable(table: ITable, access: 'read' | 'readWrite'): this {
    if (this.tableName !== undefined) {
      throw new Error(`${this.node.path}: useTable was already called; a function uses one table`);
    }
    this.tableName = table.tableName;
    this.function.addEnvironment('TABLE_NAME', table.tableName);
    if (access === 'read') {
      table.grantReadData(this.role);
    } else {
      table.grantReadWriteData(this.role);
    }
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${cfnReference(Stack.of(this), table.tableArn)}/index/*]`,
      reason:
        "The CDK table grant covers the table's own global secondary indexes (due, unit, period), which the " +
        'handlers query; the wildcard never reaches beyond this one table.',
    });
    return this;
  }

  /**
   * Sets `EVIDENCE_BUCKET` and allows `s3:PutObject` and `s3:GetObject` on the bucket's objects only
   * (no listing, no deleting, no bucket-level actions), which is what presigning an upload or a
   * download of one evidence file needs. The bucket is encrypted with S3-managed keys, so no KMS
   * grant is needed.
   */
  useEvidence(bucket: IBucket): this {
    if (this.evidenceBucketName !== undefined) {
      throw new Error(`${this.node.path}: useEvidence was already called; a function uses one evidence bucket`);
    }
    this.evidenceBucketName = bucket.bucketName;
    this.function.addEnvironment('EVIDENCE_BUCKET', bucket.bucketName);
    const objects = bucket.arnForObjects('*');
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [objects],
      }),
    );
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${cfnReference(Stack.of(this), objects)}]`,
      reason:
        'Evidence files are stored under keys chosen per report, so the grant covers the objects of this one ' +
        'bucket ("<bucket ARN>/*"), for PutObject and GetObject only: no listing, deleting or bucket-level actions.',
    });
    return this;
  }

  /** Sets `MAIL_FROM` and `MAIL_CONFIGURATION_SET` and allows sending through that identity and configuration set only. */
  useMail(mail: MailSending): this {
    this.function.addEnvironment('MAIL_FROM', mail.fromAddress);
    this.function.addEnvironment('MAIL_CONFIGURATION_SET', mail.configurationSetName);
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail', 'ses:SendRawEmail'],
        resources: [mail.identityArn, mail.configurationSetArn],
      }),
    );
    return this;
  }
}
