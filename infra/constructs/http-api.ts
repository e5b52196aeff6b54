import { CfnOutput, CfnParameter, Duration, FeatureFlags, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { type Role, type RouteSpec, routes as ROUTE_TABLE } from '../../functions/api/route-table.ts';
import { FireplanFunction } from './fireplan-function.ts';
import type { MailSending } from './mail-sending.ts';

/** Logical id of the stack parameter holding the console's origin (CORS of the API and of the evidence bucket). */
export const CONSOLE_ORIGIN_PARAMETER = 'ConsoleOrigin';
export const DEFAULT_CONSOLE_ORIGIN = 'https://fireplan.example.org';

/** The user pool groups, i.e. the roles of docs/api.md (`cognito:groups`), by precedence. */
export const USER_GROUPS: readonly Role[] = ['admin', 'leader', 'unit'];

/** The custom attributes of docs/api.md (`custom:town`, `custom:unit`): plan ids are kebab-case slugs of at most 64 characters. */
export const CUSTOM_ATTRIBUTES = { town: 64, unit: 64 } as const;

/**
 * Default route throttling of the stage. A township has a few hundred users at most, and a month's
 * reports arrive over days: 50 requests a second with bursts of 100 is far above real use and
 * still caps what a runaway client or a leaked token can cost (Lambda, DynamoDB on demand).
 */
export const DEFAULT_THROTTLE: Required<ThrottleSettings> = { rateLimit: 50, burstLimit: 100 };

/**
 * Fields of the JSON access log (HTTP API `$context` variables). Every value is quoted, so a line
 * stays valid JSON when a variable is empty (API Gateway writes `-`).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  responseLength: '$context.responseLength',
  sub: '$context.authorizer.claims.sub',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
} as const;

/** API Gateway HTTP APIs end an integration after 30 s at most; a route function never needs longer. */
const ROUTE_FUNCTION_TIMEOUT = Duration.seconds(30);

const ROUTE_METHODS: Record<string, HttpMethod> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
};

/**
 * Splits a route key (`POST /instances/{id}/report`) into method and path. `ANY` and `OPTIONS` are
 * refused: such a route would catch the CORS preflight, which API Gateway answers itself.
 */
export function parseRouteKey(routeKey: string): { method: HttpMethod; path: string } {
  const match = /^([A-Z]+) (\/[A-Za-z0-9._~{}/+-]*)$/.exec(routeKey);
  const method = match && ROUTE_METHODS[match[1] as string];
  if (!match || !method) {
    throw new Error(
      `route key '${routeKey}' must be '<METHOD> /<path>' with METHOD one of ${Object.keys(ROUTE_METHODS).join(', ')}`,
    );
  }
  return { method, path: match[2] as string };
}

export interface FireplanHttpApiProps {
  /** The table the route functions read (routes with `writes: false`) or read and write. */
  readonly table: ITable;
  /** @default the route table of functions/api/route-table.ts */
  readonly routes?: readonly RouteSpec[];
  /**
   * Where the route functions are created. The stack passes itself, so that a route function's
   * logical id is `<functionId>Function…` like the workflow functions', and does not change when
   * it moves between constructs (ReportWork existed before the API did).
   * @default this construct
   */
  readonly functionScope?: Construct;
  /** Extra environment variables of every route function. */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default DEFAULT_THROTTLE */
  readonly throttle?: ThrottleSettings;
  /** Retention of the access logs. @default RetentionDays.ONE_YEAR */
  readonly logRetention?: RetentionDays;
  /** How mail is sent: required when a route sends mail (`sendsMail`), whose function then may send it. */
  readonly mail?: MailSending;
}

/**
 * The admin API of docs/api.md: an API Gateway HTTP API with one route and one Lambda function per
 * entry of the route table, every route behind a JWT authorizer that trusts the Cognito user pool
 * (issuer) and its console client (audience); the `$default` stage with route throttling and JSON
 * access logs; CORS for the console's origin only (stack parameter `ConsoleOrigin`); the user pool
 * (admin-created users only, the `admin`, `leader` and `unit` groups, `custom:town` and
 * `custom:unit`); and the private, versioned bucket for evidence files, whose server access logs go
 * to a log bucket. A route function that presigns evidence uploads calls
 * `routeFunctions[id].useEvidence(api.evidenceBucket)`; one with a route that sends mail
 * (`sendsMail`) calls `useMail(props.mail)`.
 */
export class FireplanHttpApi extends Construct {
  /** The console's origin (`Ref` of the `ConsoleOrigin` parameter). */
  readonly consoleOrigin: string;
  readonly userPool: UserPool;
  readonly consoleClient: UserPoolClient;
  readonly groups: Readonly<Record<Role, UserPoolGroup>>;
  readonly evidenceBucket: Bucket;
  /** Receives the evidence bucket's server access logs. */
  readonly serverAccessLogsBucket: Bucket;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;
  readonly authorizer: HttpJwtAuthorizer;
  /** The route functions by their construct id (`functionId` of the route table), e.g. `ReportWork`. */
  readonly routeFunctions: Readonly<Record<string, FireplanFunction>>;
  /** The routes by route key. */
  readonly routes: Readonly<Record<string, HttpRoute>>;

  constructor(scope: Construct, id: string, props: FireplanHttpApiProps) {
    super(scope, id);
    const routeSpecs = props.routes ?? ROUTE_TABLE;
    checkRouteTable(routeSpecs);

    const consoleOrigin = new CfnParameter(this, 'ConsoleOrigin', {
      type: 'String',
      default: DEFAULT_CONSOLE_ORIGIN,
      description:
        "Origin of the Fireplan console (scheme, host and optional port, no path): the only origin the API's and the evidence bucket's CORS allow.",
      allowedPattern: '^(https://[a-z0-9.-]+|http://localhost)(:[0-9]{1,5})?$',
      constraintDescription: 'must be an origin such as https://fireplan.example.org (lower case, no path, no trailing slash)',
    });
    consoleOrigin.overrideLogicalId(CONSOLE_ORIGIN_PARAMETER);
    this.consoleOrigin = consoleOrigin.valueAsString;

    // --- Users -------------------------------------------------------------------------------
    this.userPool = new UserPool(this, 'UserPool', {
      // Accounts are made by the committee office (AdminCreateUser), never by the public.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      signInCaseSensitive: false,
      userInvitation: {
        emailSubject: 'Fireplan 消防工作平台账号 / your Fireplan account',
        emailBody:
          '您的 Fireplan 账号已开通。用户名：{username}，临时密码：{####}。首次登录须修改密码并绑定身份验证器应用。<br/>' +
          'Your Fireplan account is ready. User name: {username}, temporary password: {####}. ' +
          'At the first sign-in you will set a new password and register an authenticator app.',
      },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        passwordHistorySize: 5,
        tempPasswordValidity: Duration.days(7),
      },
      // TOTP only: SMS would need an SNS role and a sender registered for mainland numbers.
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      // Plus: threat protection (compromised-credential and adaptive-risk checks) enforced.
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      customAttributes: {
        town: new StringAttribute({ minLen: 1, maxLen: CUSTOM_ATTRIBUTES.town, mutable: true }),
        unit: new StringAttribute({ minLen: 1, maxLen: CUSTOM_ATTRIBUTES.unit, mutable: true }),
      },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const groups: Partial<Record<Role, UserPoolGroup>> = {};
    const describe: Record<Role, string> = {
      admin: "消防安全委员会办公室: edits its town's plan, owners and contacts; reviews reports",
      leader: 'Leadership: reads its town',
      unit: '责任单位: sees and reports its own unit’s duties (custom:unit)',
    };
    USER_GROUPS.forEach((role, precedence) => {
      groups[role] = new UserPoolGroup(this, `${role[0]?.toUpperCase()}${role.slice(1)}Group`, {
        userPool: this.userPool,
        groupName: role,
        description: describe[role],
        precedence,
      });
    });
    this.groups = groups as Record<Role, UserPoolGroup>;

    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      // A browser application cannot keep a secret.
      generateSecret: false,
      authFlows: { userSrp: true },
      // Sign-in goes through the console's own form (SRP), not the hosted UI.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      // The ID token carries the claims the handlers read (docs/api.md): the client must read them.
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
        .withCustomAttributes('town', 'unit'),
      // An explicit list (which must not be empty, or Cognito makes every attribute writable): a
      // user may change their display name, never their own town or unit.
      writeAttributes: new ClientAttributes().withStandardAttributes({ fullname: true }),
    });

    // --- Evidence files ----------------------------------------------------------------------
    if (!FeatureFlags.of(this).isEnabled(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY)) {
      // Without it CDK grants log delivery with an ACL, which a bucket that disables ACLs refuses.
      throw new Error(`${this.node.path}: the feature flag ${S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY} (cdk.json) must be on`);
    }
    this.serverAccessLogsBucket = new Bucket(this, 'ServerAccessLogsBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // S3 server access logging delivers only to buckets encrypted with S3-managed keys.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'ExpireAfterOneYear', expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.evidenceBucket = new Bucket(this, 'EvidenceBucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Evidence is part of the ledger (台账): an overwritten or deleted file stays recoverable.
      versioned: true,
      serverAccessLogsBucket: this.serverAccessLogsBucket,
      serverAccessLogsPrefix: 'evidence/',
      lifecycleRules: [
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Older versions are kept for a year after they are replaced: long enough for the annual evaluation.
        { id: 'ExpireReplacedVersions', noncurrentVersionExpiration: Duration.days(365) },
        { id: 'RemoveExpiredDeleteMarkers', expiredObjectDeleteMarker: true },
      ],
      // The console uploads with presigned PUT URLs, from its own origin only.
      cors: [
        {
          allowedMethods: [HttpMethods.PUT],
          allowedOrigins: [this.consoleOrigin],
          allowedHeaders: ['content-type', 'content-md5', 'x-amz-checksum-*', 'x-amz-sdk-checksum-algorithm'],
          exposedHeaders: ['ETag'],
          maxAge: 3600,
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // --- The HTTP API ------------------------------------------------------------------------
    const parsed = routeSpecs.map((spec) => ({ spec, ...parseRouteKey(spec.routeKey) }));
    const methods = [...new Set(parsed.map((r) => r.method))].sort();
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-api`,
      description: 'Fireplan admin API (docs/api.md)',
      // The stage is made below, with throttling and access logs.
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [this.consoleOrigin],
        allowMethods: methods.map((m) => CorsHttpMethod[m as keyof typeof CorsHttpMethod]),
        allowHeaders: ['authorization', 'content-type'],
        // Bearer tokens, no cookies.
        allowCredentials: false,
        maxAge: Duration.hours(1),
      },
    });

    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention ?? RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const throttle = { ...DEFAULT_THROTTLE, ...props.throttle };
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // Issuer: the pool's ProviderURL (`https://cognito-idp.<region>.<domain>/<pool id>`), which is
    // right in every partition, unlike a URL assembled with "amazonaws.com". Audience: the console client.
    this.authorizer = new HttpJwtAuthorizer('CognitoAuthorizer', this.userPool.userPoolProviderUrl, {
      jwtAudience: [this.consoleClient.userPoolClientId],
      identitySource: ['$request.header.Authorization'],
    });

    const mailRoutes = routeSpecs.filter((r) => r.sendsMail);
    if (mailRoutes.length > 0 && !props.mail) {
      throw new Error(`${this.node.path}: the routes ${mailRoutes.map((r) => `'${r.routeKey}'`).join(', ')} send mail: give the API the mail prop (a MailSending)`);
    }
    const functionScope = props.functionScope ?? this;
    const routeFunctions: Record<string, FireplanFunction> = {};
    const integrations: Record<string, HttpLambdaIntegration> = {};
    const routes: Record<string, HttpRoute> = {};
    for (const [functionId, specs] of groupByFunction(routeSpecs)) {
      const first = specs[0] as RouteSpec;
      const fn = new FireplanFunction(functionScope, functionId, {
        entry: first.entry,
        description: `${specs.map((r) => r.routeKey).join(', ')}: ${first.summary}`.slice(0, 256),
        timeout: ROUTE_FUNCTION_TIMEOUT,
        environment: props.environment,
      }).useTable(props.table, specs.some((r) => r.writes) ? 'readWrite' : 'read');
      if (specs.some((r) => r.evidence)) fn.useEvidence(this.evidenceBucket);
      if (props.mail && specs.some((r) => r.sendsMail)) fn.useMail(props.mail);
      routeFunctions[functionId] = fn;
      integrations[functionId] = new HttpLambdaIntegration(`${functionId}Integration`, fn.function, {
        payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
      });
    }
    for (const { spec, method, path } of parsed) {
      const feed = spec.auth === 'feed-token';
      const route = new HttpRoute(this, routeConstructId(spec.routeKey), {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(path, method),
        integration: integrations[spec.functionId] as HttpLambdaIntegration,
        authorizer: feed ? new HttpNoneAuthorizer() : this.authorizer,
      });
      if (feed) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'A calendar feed is fetched by Outlook or a phone calendar, which cannot send a bearer token: the handler ' +
            "checks the unguessable per-unit token of the feed's link (256 bits, rotatable by an admin) before it reads anything.",
        });
      }
      routes[spec.routeKey] = route;
    }
    this.routeFunctions = routeFunctions;
    this.routes = routes;

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the Fireplan API' });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'Cognito user pool of Fireplan users' });
    new CfnOutput(this, 'ConsoleClientId', { value: this.consoleClient.userPoolClientId, description: "The console's app client id (the tokens' audience)" });
    new CfnOutput(this, 'EvidenceBucketName', { value: this.evidenceBucket.bucketName, description: 'Bucket of evidence files' });
  }
}

/** The routes of each function, in route-table order. */
export function groupByFunction(routes: readonly RouteSpec[]): Map<string, RouteSpec[]> {
  const groups = new Map<string, RouteSpec[]>();
  for (const route of routes) groups.set(route.functionId, [...(groups.get(route.functionId) ?? []), route]);
  return groups;
}

/** A stable construct id from a route key: `POST /instances/{id}/report` → `PostInstancesIdReportRoute`. */
export function routeConstructId(routeKey: string): string {
  const words = routeKey.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');
  return `${words.map((w) => `${w[0]?.toUpperCase()}${w.slice(1)}`).join('')}Route`;
}

/** Refuses a route table the API cannot be built from: duplicate route keys, malformed keys, one function id with two entries. */
function checkRouteTable(routes: readonly RouteSpec[]): void {
  if (routes.length === 0) throw new Error('the route table is empty');
  const seen = new Set<string>();
  const routeIds = new Set<string>();
  const entries = new Map<string, string>();
  for (const route of routes) {
    parseRouteKey(route.routeKey);
    if (seen.has(route.routeKey)) throw new Error(`the route table has routeKey '${route.routeKey}' twice`);
    seen.add(route.routeKey);
    const routeId = routeConstructId(route.routeKey);
    if (routeIds.has(routeId)) throw new Error(`route '${route.routeKey}': its construct id ${routeId} is another route's`);
    routeIds.add(routeId);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(route.functionId)) {
      throw new Error(`route '${route.routeKey}': functionId '${route.functionId}' must be a PascalCase construct id`);
    }
    const entry = entries.get(route.functionId);
    if (entry !== undefined && entry !== route.entry) throw new Error(`functionId '${route.functionId}' has two entries: ${entry} and ${route.entry}`);
    entries.set(route.functionId, route.entry);
    if ((route.auth === 'feed-token') !== (route.roles.length === 0)) {
      throw new Error(`route '${route.routeKey}': a route has roles exactly when it is behind the JWT authorizer`);
    }
  }
}
