import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalRuntime } from '../../local/runtime/runtime.ts';
import { loadOrSynthesize } from '../../local/runtime/synth.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const fixtureTemplate = join(repoRoot, 'tests/fixtures/runtime/FixtureStack.template.json');
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fireplan-synth-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A repository with one infra source and a cdk.out template, with chosen modification times (seconds). */
function fakeRepo(times: { source: number; template: number }): string {
  const root = tempDir();
  mkdirSync(join(root, 'infra'));
  mkdirSync(join(root, 'cdk.out'));
  writeFileSync(join(root, 'infra', 'constructs.ts'), '// a source\n');
  copyFileSync(fixtureTemplate, join(root, 'cdk.out', 'Fireplan.template.json'));
  utimesSync(join(root, 'infra', 'constructs.ts'), times.source, times.source);
  utimesSync(join(root, 'infra'), times.source, times.source);
  utimesSync(join(root, 'cdk.out', 'Fireplan.template.json'), times.template, times.template);
  return root;
}

describe('the template the local runtime runs', () => {
  it('reuses cdk.out/<Stack>.template.json when it is newer than every source', async () => {
    const root = fakeRepo({ source: 1_650_000_000, template: 1_650_000_100 });

    const result = await loadOrSynthesize({ repoRoot: root });

    expect(result).toMatchObject({ synthesized: false, stackName: 'Fireplan', templatePath: join(root, 'cdk.out', 'Fireplan.template.json') });
    expect(Object.keys(result.template.Resources)).toContain('WorkflowsFixtureFlow3A7C9B21');
  });

  it('synthesizes again when a source is newer than the template', async () => {
    const root = fakeRepo({ source: 1_650_000_200, template: 1_650_000_100 });

    await expect(loadOrSynthesize({ repoRoot: root })).rejects.toThrow(/cannot synthesize: .*infra\/fireplan-stack\.ts does not exist/);
  });

  it('synthesizes the Fireplan stack in process into a template that passes every local-runtime check', async () => {
    const outDir = tempDir();

    const { template, templatePath, synthesized } = await loadOrSynthesize({ repoRoot, outDir, force: true });
    const runtime = createLocalRuntime({ templatePath, repoRoot });

    expect(synthesized).toBe(true);
    expect(template.Resources).toBeTypeOf('object');
    expect(runtime.template.stateMachines.map((sm) => sm.name).sort()).toEqual(['AnnualEvaluation', 'DailyFollowUp', 'KeyDateAlerts', 'MonthlyReport', 'PeriodOpening', 'QuarterlyExposure', 'RecruitmentCheck']);
    for (const sm of runtime.template.stateMachines) {
      expect(sm.tasks.every((t) => t.target.kind === 'lambda' || t.target.kind === 'sqs-send')).toBe(true);
    }
    const daily = runtime.plannedFires('2022-05-01T00:00:00+08:00', '2022-05-02T00:00:00+08:00');
    expect(daily.map((f) => [f.stateMachine, f.scheduledTime])).toContainEqual(['DailyFollowUp', '2022-05-01T00:30:00Z']);
  });
});
