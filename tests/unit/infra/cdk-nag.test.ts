// cdk-nag 3 is a policy-validation plugin (Validations.of(app).addPlugins), not an Aspect: it adds
// no annotations, so `Annotations.fromStack(stack).findError(...)` sees nothing. Its findings
// surface in three places, all checked here:
//   - an unacknowledged *error* makes `app.synth()` throw (CDK's validation report);
//   - every finding, errors and warnings, is in the plugin's own report (`validateScope`);
//   - `validation-report.json` in the cloud assembly.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize } from './template-support.ts';

interface Finding {
  rule: string;
  path: string;
  severity: string;
}

function findings(scope: IConstruct, options: { ignoreAcknowledgments?: boolean } = {}): Finding[] {
  const checks = new AwsSolutionsChecks();
  if (options.ignoreAcknowledgments) {
    // The pack's (private) acknowledgment lookup; turning it off shows what the acknowledgments hide.
    (checks as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  }
  return checks.validateScope(scope).violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '', severity: v.severity ?? '' })),
  );
}

/** The acknowledgments recorded with `Validations.of(x).acknowledge(...)`, by construct path. */
function acknowledgments(scope: IConstruct): { path: string; rule: string; reason: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          rule: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions on the Fireplan app', () => {
  let s: Synthesized;
  beforeAll(() => {
    // cdk-nag registered as in infra/app.ts; synth throws if it reports an unacknowledged error.
    s = synthesize({ checks: true, cloudFormationValidation: false });
  }, 120_000);
  afterAll(() => s && rmSync(s.outdir, { recursive: true, force: true }));

  it('reports no unacknowledged error or warning', () => {
    expect(findings(s.app)).toEqual([]);
  });

  it('leaves an empty validation report in the cloud assembly', () => {
    const report = JSON.parse(readFileSync(join(s.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations ?? [])).toEqual([]);
  });

  it('every acknowledgment has a reason and hides a finding that really occurs', () => {
    const raw = findings(s.app, { ignoreAcknowledgments: true });
    const acks = acknowledgments(s.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.path} ${ack.rule}`).toBeGreaterThan(40);
      const hidden = raw.filter((f) => f.rule === ack.rule && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect(hidden.length, `stale acknowledgment ${ack.rule} at ${ack.path}`).toBeGreaterThan(0);
    }
  });

  it('acknowledges only the reviewed rules', () => {
    const rules = new Set(acknowledgments(s.app).map((a) => a.rule.replace(/\[.*$/, '')));
    expect([...rules].sort()).toEqual(['AwsSolutions-APIG4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3']);
    // A route without the JWT authorizer is the calendar feed only (its handler checks the link's token).
    expect(acknowledgments(s.app).filter((a) => a.rule === 'AwsSolutions-APIG4').map((a) => a.path)).toEqual(['Fireplan/Api/GetUnitsIdCalendarIcsRoute']);
    const iam5 = new Set(
      acknowledgments(s.app)
        .filter((a) => a.rule.startsWith('AwsSolutions-IAM5'))
        .map((a) => a.rule.replace(/<[A-Za-z0-9]+\.Arn>/, '<ARN>')),
    );
    expect([...iam5].sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      // The evidence bucket's objects (useEvidence): keys are made per upload.
      'AwsSolutions-IAM5[Resource::<ARN>/*]',
      'AwsSolutions-IAM5[Resource::<ARN>/index/*]',
      'AwsSolutions-IAM5[Resource::<ARN>:*]',
    ]);
  });
});

describe('the checks catch a violation (negative control)', () => {
  const noncompliant = () => {
    const app = new App({ builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'Noncompliant');
    new Queue(stack, 'PlainQueue'); // no DLQ, no TLS enforcement
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    return app;
  };

  it('the plugin reports the rule', () => {
    const rules = findings(noncompliant()).map((f) => f.rule);
    expect(rules).toContain('AwsSolutions-SQS4');
  });

  it('synth fails', () => {
    expect(() => noncompliant().synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
