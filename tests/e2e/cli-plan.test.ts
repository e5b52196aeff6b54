import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = (name: string) => `tests/fixtures/plans/${name}.yaml`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Runs the real command line the way a person would, from the repository root. */
function fireplan(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/fireplan.mjs', ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, FIREPLAN_DEBUG: '' } }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout, stderr, output: stdout + stderr });
    });
  });
}

/** The 1-based line of a fixture on which some text first appears, so tests follow the fixture when it is edited. */
function lineOf(name: string, text: string): number {
  const index = readFileSync(new URL(`../../${fixture(name)}`, import.meta.url), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(text));
  if (index < 0) throw new Error(`"${text}" is not in ${fixture(name)}`);
  return index + 1;
}

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

interface PreviewRow {
  owner: string;
  dutyId: string;
  opensOn: string;
  missedOn: string;
}

describe.concurrent('fireplan plan check', () => {
  it('accepts a valid plan and summarises it on one line', async () => {
    const run = await fireplan('plan', 'check', fixture('minimal'));

    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toContain('qingfeng-2022-minimal');
    expect(run.stdout).toContain('4 units, 4 duties, 16 instances planned');
    expect(run.stderr).toBe('');
  });

  it('warns about years whose working days are only guessed, saying to enter them as overrides', async () => {
    const run = await fireplan('plan', 'check', fixture('unpublished-year'));

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('qingfeng-2027-minimal');
    expect(run.stderr).toMatch(/warning: .*2027.*enter the 2027 schedule .*as calendar\.overrides/);
  });

  it('reports an unknown cadence with its path and the line it is on', async () => {
    const line = lineOf('bad-cadence', 'cadence: fortnightly');

    const run = await fireplan('plan', 'check', fixture('bad-cadence'));

    expect(run.code).toBe(2);
    expect(run.output).toContain(`${fixture('bad-cadence')}:${line}: duties[0].cadence: `);
    expect(run.output).toContain('1 problem in');
  });

  it('names an owner that is not a unit of the plan', async () => {
    const line = lineOf('unknown-owner', 'owners: [economy-office]');

    const run = await fireplan('plan', 'check', fixture('unknown-owner'));

    expect(run.code).toBe(2);
    expect(run.output).toContain(`:${line}: duties[0].owners[0]: unknown unit "economy-office"`);
  });

  it('says when a duty falls due before it opens', async () => {
    const run = await fireplan('plan', 'check', fixture('due-before-opens'));

    expect(run.code).toBe(2);
    expect(run.output).toMatch(/duties\[3\]\.due\.date: due date 2022-04-01 is before the opening date 2022-04-15/);
  });

  it('says when a target is not positive', async () => {
    const run = await fireplan('plan', 'check', fixture('target-not-positive'));

    expect(run.code).toBe(2);
    expect(run.output).toContain('duties[2].target.value: expected a positive number');
  });

  it('says when two duties share an id', async () => {
    const run = await fireplan('plan', 'check', fixture('duplicate-duty-id'));

    expect(run.code).toBe(2);
    expect(run.output).toContain('duties[3].id: duplicate id "c14-village-evacuation-drill"');
  });

  it('reports malformed YAML at its line, without a stack trace', async () => {
    const unclosed = lineOf('malformed', 'evidence: [minutes, sign-in-sheet');

    const run = await fireplan('plan', 'check', fixture('malformed'));

    expect(run.code).toBe(2);
    // The parser notices the unclosed bracket only where the next line begins, and stumbles on the lines after it.
    expect(run.stderr).toContain(`${fixture('malformed')}:${unclosed}: YAML: Flow sequence`);
    expect(run.stderr).toContain('1 problem in');
    expect(run.output).not.toMatch(STACK_FRAME);
  });

  it('says an empty plan file is empty', async () => {
    const run = await fireplan('plan', 'check', fixture('empty'));

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${fixture('empty')}:1: the plan file is empty`);
  });

  it('says a missing file cannot be read, without a stack trace', async () => {
    const run = await fireplan('plan', 'check', 'tests/fixtures/plans/no-such-plan.yaml');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read tests/fixtures/plans/no-such-plan.yaml: no such file');
    expect(run.output).not.toMatch(STACK_FRAME);
  });
});

describe.concurrent('fireplan plan preview', () => {
  it('shows only the instances of the unit asked for', async () => {
    const table = await fireplan('plan', 'preview', fixture('minimal'), '--unit', 'qingfeng-village');
    const json = await fireplan('plan', 'preview', fixture('minimal'), '--unit', 'qingfeng-village', '--json');

    expect(table.code).toBe(0);
    expect(table.stdout).toContain('青峰村');
    expect(table.stdout).not.toContain('双石村');
    expect(table.stdout).not.toContain('c02-monthly-situation-analysis');
    const rows = (JSON.parse(json.stdout) as { instances: PreviewRow[] }).instances;
    expect(rows.map((r) => r.dutyId)).toEqual(['c14-village-evacuation-drill', 'c14-appoint-fire-publicist']);
    expect(new Set(rows.map((r) => r.owner))).toEqual(new Set(['qingfeng-village']));
  });

  it('shows the instances whose open-to-missed span overlaps the window', async () => {
    const run = await fireplan('plan', 'preview', fixture('minimal'), '--from', '2022-08-10', '--to', '2022-08-20', '--json');

    expect(run.code).toBe(0);
    const rows = (JSON.parse(run.stdout) as { instances: PreviewRow[] }).instances;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.opensOn <= '2022-08-20' && row.missedOn >= '2022-08-10').toBe(true);
    expect(rows.filter((r) => r.dutyId === 'c02-monthly-situation-analysis')).toHaveLength(2);
  });

  it('rejects a --from that is not a date, naming the option', async () => {
    const run = await fireplan('plan', 'preview', fixture('minimal'), '--from', '2022-13-01');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--from');
    expect(run.stderr).toContain('YYYY-MM-DD');
  });

  it('rejects an unknown --unit and lists the known ones', async () => {
    const run = await fireplan('plan', 'preview', fixture('minimal'), '--unit', 'hongqi-village');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--unit');
    expect(run.stderr).toContain('hongqi-village');
    expect(run.stderr).toContain('fire-committee-office, economic-office, qingfeng-village, shuangshi-village');
  });
});

describe.concurrent('fireplan plan diff', () => {
  it('shows a re-timed and a re-owned duty', async () => {
    const run = await fireplan('plan', 'diff', fixture('minimal'), fixture('minimal-revised'));

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('~ duty c02-monthly-situation-analysis (每月分析形势): due {from: end} → {from: end, days: -5}');
    expect(run.stdout).toContain(
      '~ duty c04-quarterly-committee-meeting (召开消防安全委员会季度例会): owners [fire-committee-office] → [fire-committee-office, economic-office] (adds 经发办)',
    );
  });

  it('says so when nothing changed', async () => {
    const run = await fireplan('plan', 'diff', fixture('minimal'), fixture('minimal'));

    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('no changes');
  });

  it('refuses an invalid plan and prints its problems', async () => {
    const run = await fireplan('plan', 'diff', fixture('minimal'), fixture('bad-cadence'));

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${fixture('bad-cadence')}:${lineOf('bad-cadence', 'cadence: fortnightly')}: duties[0].cadence`);
  });
});

describe.concurrent('fireplan plan table', () => {
  it('prints the table that the README holds', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = readme
      .slice(readme.indexOf('<!-- plan-table:start -->'), readme.indexOf('<!-- plan-table:end -->'))
      .split('\n')
      .filter((line) => line.startsWith('|'));

    const run = await fireplan('plan', 'table', 'plans/qingfeng-2022.yaml');

    expect(run.code).toBe(0);
    expect(run.stdout.trimEnd().split('\n'), 'the README\'s plan table is out of date: regenerate it with fireplan plan table').toEqual(documented);
  });

  it('prints one row per duty, with owners, cadence and target in words', async () => {
    const run = await fireplan('plan', 'table', fixture('minimal'));

    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['| Item | Duty | Owners | Cadence | Target |', '|---|---|---|---|---|']);
    expect(lines).toHaveLength(2 + 4);
    expect(lines).toContain('| 14 | 组织疏散逃生演练 (`c14-village-evacuation-drill`) | 各村 | 每年 annual | ≥ 1 次 |');
  });

  it('refuses an invalid plan and prints its problems', async () => {
    const run = await fireplan('plan', 'table', fixture('bad-cadence'));

    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${fixture('bad-cadence')}:${lineOf('bad-cadence', 'cadence: fortnightly')}: duties[0].cadence`);
  });
});

describe.concurrent('fireplan plan schema', () => {
  it('prints the JSON Schema that plans/plan.schema.json holds', async () => {
    const run = await fireplan('plan', 'schema');

    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { $id?: string; title?: string; properties?: Record<string, unknown> };
    expect(schema.$id).toBeTruthy();
    expect(schema.title).toBeTruthy();
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(['units', 'duties', 'calendar']));
    expect(run.stdout, 'plans/plan.schema.json is out of date: run npm run schema').toBe(readFileSync(new URL('../../plans/plan.schema.json', import.meta.url), 'utf8'));
  });
});

describe.concurrent('fireplan usage errors', () => {
  it('rejects an unknown command with usage', async () => {
    const run = await fireplan('plan', 'frobnicate');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
    expect(run.stderr).toContain('Usage: fireplan plan');
  });

  it('rejects a missing argument with usage', async () => {
    const run = await fireplan('plan', 'check');

    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing required argument 'file'");
    expect(run.stderr).toContain('Usage: fireplan plan check');
  });
});
