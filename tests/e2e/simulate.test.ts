import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '../../local/simulate/summary.ts';

const work = mkdtempSync(join(tmpdir(), 'fireplan-simulate-'));

function fireplan(...args: string[]) {
  const result = spawnSync('node', ['bin/fireplan.mjs', ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const window = ['--plan', 'plans/qingfeng-2022.yaml', '--from', '2022-04-15', '--to', '2022-06-10', '--seed', '7', '--quiet'];
let first: ReturnType<typeof fireplan>;
let summary: Summary;

beforeAll(() => {
  first = fireplan('simulate', ...window, '--out', join(work, 'a'));
  summary = JSON.parse(readFileSync(join(work, 'a', 'summary.json'), 'utf8')) as Summary;
}, 240_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('fireplan simulate over a short window', () => {
  it('prints what happened: duties, emails by kind, escalations by level, best and worst units', () => {
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/duties opened \d+: on time \d+, late \d+, missed \d+, open \d+/);
    expect(first.stdout).toMatch(/emails \d+: .*notice \d+/);
    expect(first.stdout).toMatch(/escalations: yellow \d+, red \d+, warning talk \d+/);
    expect(first.stdout).toMatch(/best: .+\nworst: .+/);
  });

  it('writes summary.json to the contract of DESIGN.md', () => {
    expect(summary).toMatchObject({ planId: 'qingfeng-2022', from: '2022-04-15', to: '2022-06-10' });
    expect(new Set(summary.units.map((u) => u.kind))).toEqual(new Set(['department', 'village', 'leadership', 'other']));
    expect(new Set(summary.obligations.map((o) => o.clause)).size).toBe(20);
    for (const i of summary.instances) {
      expect(i.id.startsWith(`${i.obligationId}:`)).toBe(true);
      expect(['on_time', 'late', 'missed', 'open']).toContain(i.status);
      expect(['green', 'yellow', 'red']).toContain(i.light);
      expect(i.period).toMatch(/^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]|\d{4}|\d{2}-\d{2}))?$/);
      if (i.completedOn !== null) expect(i.completedOn >= i.opensOn).toBe(true);
    }
    expect(summary.notices.length).toBeGreaterThan(0);
    for (const n of summary.notices) {
      expect(['notice', 'reminder', 'escalation', 'alert', 'digest', 'report']).toContain(n.kind);
      expect(n.sentOn >= '2022-04-15' && n.sentOn <= '2022-06-10').toBe(true);
    }
    expect(summary.scores.map((s) => s.rank)[0]).toBe(1);
    expect(summary.operations.stateTransitions).toBeGreaterThan(0);
    expect(summary.operations.emails).toBe(summary.notices.length);
  });

  it('escalates only late instances, after their due date, in order of level', () => {
    for (const i of summary.instances) {
      const levels = i.escalations.map((e) => e.level);
      expect(levels).toEqual([...levels].sort());
      for (const e of i.escalations) {
        expect(e.on > i.dueOn).toBe(true);
        // The follow-up runs before the units report, so an escalation can share the day of the report but never follow it.
        if (i.completedOn !== null) expect(e.on <= i.completedOn).toBe(true);
      }
    }
    expect(summary.instances.some((i) => i.escalations.length > 0)).toBe(true);
  });

  it('sends no mail on rest days', () => {
    const restDays = ['2022-04-16', '2022-04-30', '2022-05-01', '2022-05-02', '2022-05-03', '2022-05-04', '2022-06-03', '2022-06-04', '2022-06-05'];

    expect(summary.notices.filter((n) => restDays.includes(n.sentOn))).toEqual([]);
  });

  it('writes a self-contained report page with the light board, the monthly chart and the league table', () => {
    const html = readFileSync(join(work, 'a', 'report.html'), 'utf8');

    expect(html).toContain('红黄绿灯');
    expect(html).toContain('<svg');
    expect(html).toContain('排名');
    expect(html).not.toMatch(/<script|src="http/);
  });

  it('gives a byte-identical summary.json for the same seed', () => {
    const second = fireplan('simulate', ...window, '--out', join(work, 'b'));

    expect(second.code).toBe(0);
    expect(readFileSync(join(work, 'b', 'summary.json'), 'utf8')).toBe(readFileSync(join(work, 'a', 'summary.json'), 'utf8'));
  }, 240_000);
});

describe('fireplan simulate with bad options', () => {
  it.each([
    [['--seed', 'abc'], '--seed must be a whole number'],
    [['--towns', '0'], '--towns must be a whole number from 1'],
    [['--from', '2022-06-01', '--to', '2022-05-01'], '--to 2022-05-01 is before --from 2022-06-01'],
    [['--from', '2022-02-30'], '--from must be a date as YYYY-MM-DD'],
    [['--from', '2022-01-04'], 'before the plan takes effect'],
  ])('refuses %j with a message naming the option, exit 2', (args, message) => {
    const result = fireplan('simulate', '--plan', 'plans/qingfeng-2022.yaml', '--out', join(work, 'bad'), ...args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a missing plan file with exit 2', () => {
    const result = fireplan('simulate', '--plan', 'plans/nope.yaml', '--out', join(work, 'bad'));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read plans/nope.yaml');
  });
});
