import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookBackDay } from '../../functions/core/incidents.ts';
import type { Summary } from '../../local/simulate/summary.ts';

const work = mkdtempSync(join(tmpdir(), 'fireplan-simulate-'));

function fireplan(...args: string[]) {
  const result = spawnSync('node', ['bin/fireplan.mjs', ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `fireplan simulate` in a child process, not blocking this one: the year's replay runs while the short window's do. */
function fireplanLater(...args: string[]): Promise<ReturnType<typeof fireplan>> {
  return new Promise((resolve, reject) => {
    const child = spawn('node', ['bin/fireplan.mjs', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill(), 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const window = ['--plan', 'plans/qingfeng-2022.yaml', '--from', '2022-04-15', '--to', '2022-06-10', '--seed', '7', '--quiet'];
let first: ReturnType<typeof fireplan>;
let summary: Summary;
/** The whole of 2022, which shows every special flow (issue 5, point 6). */
let year: ReturnType<typeof fireplanLater> | undefined;

beforeAll(() => {
  first = fireplan('simulate', ...window, '--out', join(work, 'a'));
  summary = JSON.parse(readFileSync(join(work, 'a', 'summary.json'), 'utf8')) as Summary;
  // Started once the first replay has synthesized the template if it had to (two processes writing cdk.out at once could read it half-written).
  year = fireplanLater('simulate', '--plan', 'plans/qingfeng-2022.yaml', '--seed', '7', '--quiet', '--out', join(work, 'year'));
}, 240_000);

afterAll(async () => {
  await year; // never leave the year's replay writing into a directory removed under it
  rmSync(work, { recursive: true, force: true });
}, 240_000);

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

describe('fireplan simulate over 2022: the special flows', () => {
  let run: Awaited<ReturnType<typeof fireplanLater>>;
  let summary: Summary;

  beforeAll(async () => {
    if (!year) throw new Error('the year’s replay was not started');
    run = await year;
    summary = JSON.parse(readFileSync(join(work, 'year', 'summary.json'), 'utf8')) as Summary;
  }, 240_000);

  const byId = () => new Map(summary.instances.map((i) => [i.id, i]));

  it('prints a line for recruitment, fires, hazards and key-date alerts', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^recruitment: hired \d+ of 15; plan-approved 15, announcement 15, registration \d+, .*induction-training \d+; escalated \d+ time\(s\)/m);
    expect(run.stdout).toMatch(/^incidents: 2 fire\(s\), 1 serious; investigations closed 1 of 1 \(2022-\d\d-\d\d\), accountability reviews 1, rectifications \d, look-backs 1 \(opening 2022-\d\d-\d\d\)$/m);
    expect(run.stdout).toMatch(/^hazards: \d+ \(general \d+, major \d+; self-built houses \d+\); closed \d+ \(on time \d+, late \d+\), open \d+; listed \d+; exposure lists 3, published 3 /m);
    expect(run.stdout).toMatch(/^key-date alerts: \d+ mail\(s\) on 6 day\(s\): 2022-04-25, /m);
  });

  it('follows the recruitment of 15 firefighters by stage, with the months the check escalated', () => {
    expect(summary.recruitment).toHaveLength(1);
    const [campaign] = summary.recruitment;
    expect(campaign).toMatchObject({ town: 'qingfeng', year: 2022, target: 15, deadline: '2022-12-30', owner: 'qingfeng:emergency-office', updates: 7 });
    const stages = campaign?.byStage ?? [];
    expect(stages.map((s) => s.name)).toEqual(['招录计划审批', '发布公告', '报名', '资格审查', '笔试', '体能测试', '面试', '体检', '政治考察', '公示', '聘用', '入职培训']);
    expect(stages.slice(0, 2).map((s) => s.count)).toEqual([15, 15]);
    const people = stages.slice(2).map((s) => s.count);
    expect(people).toEqual([...people].sort((a, b) => b - a));
    expect(campaign?.hired).toBe(stages[10]?.count);
    expect(campaign?.hired).toBeGreaterThanOrEqual(12);
    for (const e of campaign?.escalations ?? []) {
      // The first working day of the month, and its mail in the notices.
      expect(e.on.slice(0, 7)).toBe(e.month);
      expect(summary.notices.some((n) => n.sentOn === e.on && n.kind === 'escalation' && n.subject.includes('招录督办'))).toBe(true);
    }
    expect(campaign?.escalations.length).toBe(new Set(summary.notices.filter((n) => n.subject.includes('招录督办')).map((n) => n.sentOn)).size);
  });

  it('records a serious fire whose investigation, accountability review, rectifications and look-back all run in 2022, and a minor one that opens nothing', () => {
    const serious = summary.incidents.filter((f) => f.severity === 'serious');
    expect(serious).toHaveLength(1);
    const fire = serious[0];
    expect(fire?.deaths === 0 ? fire.socialImpact : 'death').toMatch(/^(major|death)$/);
    const investigation = fire?.investigation;
    expect(investigation?.status).toBe('closed');
    expect(investigation?.instances.map((i) => i.owner).sort()).toEqual(['qingfeng:emergency-office', 'qingfeng:fire-committee', 'qingfeng:police-station']);
    for (const i of investigation?.instances ?? []) {
      expect(i.opensOn).toBe(fire?.occurredOn);
      expect(i.completedOn !== null && i.completedOn <= (investigation?.closedOn ?? '')).toBe(true);
    }
    expect(fire?.accountabilityReview.map((i) => i.owner)).toEqual(['qingfeng:safety-committee']);
    expect(fire?.rectifications.length).toBeGreaterThanOrEqual(2);
    for (const r of fire?.rectifications ?? []) expect(r.opensOn).toBe(investigation?.closedOn);
    // The look-back opens three months after the close (the next working day when that is a rest day), and falls due within the year.
    const lookBack = fire?.lookBack?.instances ?? [];
    expect(lookBack.map((i) => i.owner)).toEqual(['qingfeng:fire-office']);
    expect(fire?.lookBack?.on).toBe(lookBackDay(investigation?.closedOn ?? '', 3));
    expect((lookBack[0]?.opensOn ?? '') >= (fire?.lookBack?.on ?? '~') && (lookBack[0]?.opensOn ?? '') <= '2022-12-31').toBe(true);
    expect((lookBack[0]?.dueOn ?? '') <= '2022-12-31').toBe(true);
    // Every instance of the chain is one of the replay's instances, as it stands there, with its obligation.
    const instances = byId();
    const obligations = new Set(summary.obligations.map((o) => o.id));
    for (const i of [...(investigation?.instances ?? []), ...(fire?.accountabilityReview ?? []), ...(fire?.rectifications ?? []), ...lookBack]) {
      expect(instances.get(i.id)).toMatchObject({ owner: i.owner, dueOn: i.dueOn, status: i.status });
      expect(obligations.has(instances.get(i.id)?.obligationId ?? '')).toBe(true);
    }
    // The owners were told at once, when the fire was recorded.
    expect(summary.notices.some((n) => n.sentOn === fire?.recordedOn && n.kind === 'notice' && n.instanceIds.includes(investigation?.instances[0]?.id ?? ''))).toBe(true);

    const minor = summary.incidents.filter((f) => f.severity === 'minor');
    expect(minor).toHaveLength(1);
    expect(minor[0]).toMatchObject({ triggers: [], deaths: 0, investigation: null, accountabilityReview: [], rectifications: [], lookBack: null, stage: 'no-investigation' });
  });

  it('keeps a ledger of hazards of both grades and many categories, closes some on time and some late, lists major ones, and publishes each quarter’s exposure list', () => {
    const [hazards] = summary.hazards;
    expect(hazards?.total).toBeGreaterThan(15);
    expect(hazards?.byGrade.general).toBeGreaterThan(0);
    expect(hazards?.byGrade.major).toBeGreaterThan(0);
    expect(Object.keys(hazards?.byCategory ?? {}).length).toBeGreaterThanOrEqual(5);
    expect(hazards?.selfBuiltHouses).toBeGreaterThan(0);
    expect(hazards?.closedOnTime).toBeGreaterThan(0);
    expect(hazards?.closedLate).toBeGreaterThan(0);
    expect(hazards?.byStatus.open).toBeGreaterThan(0);
    expect(hazards?.listed.length).toBeGreaterThan(0);
    for (const l of hazards?.listed ?? []) {
      expect(l.grade).toBe('major');
      expect(l.listedOn > l.foundOn).toBe(true);
    }
    expect(hazards?.listed.some((l) => l.progressReports > 0 && l.status === 'closed')).toBe(true);
    expect(hazards?.exposures.map((e) => [e.quarter, e.draftedOn])).toEqual([
      ['2022-Q2', '2022-06-30'],
      ['2022-Q3', '2022-09-30'],
      ['2022-Q4', '2022-12-30'],
    ]);
    for (const e of hazards?.exposures ?? []) {
      expect(e.status).toBe('published');
      expect(e.entries).toBeGreaterThan(0);
      expect((e.publishedOn ?? '') >= e.draftedOn).toBe(true);
    }
    // Publishing reported the quarter's exposure duty of the committee office.
    const exposureDuty = summary.instances.filter((i) => i.obligationId === 'qingfeng:c08-quarterly-hazard-exposure');
    for (const e of hazards?.exposures ?? []) expect(exposureDuty.find((i) => i.period === e.quarter)?.completedOn ?? '9999').not.toBe('9999');
    // No personal data: the contacts on the hazards are placeholders 1380000xxxx and never leave them.
    expect(readFileSync(join(work, 'year', 'summary.json'), 'utf8')).not.toMatch(/1380000\d{4}/);
  });

  it('shows the key-date alerts as mail of kind alert, on each key date’s alert day', () => {
    const alertDays = new Set(summary.notices.filter((n) => n.kind === 'alert').map((n) => n.sentOn));
    expect(alertDays).toEqual(new Set(['2022-04-25', '2022-05-13', '2022-05-20', '2022-08-15', '2022-09-26', '2022-10-10']));
  });

  it('keeps the DESIGN contract: every instance with an obligation and a period of the contract’s forms', () => {
    const obligations = new Set(summary.obligations.map((o) => o.id));
    for (const i of summary.instances) {
      expect(obligations.has(i.obligationId), i.obligationId).toBe(true);
      expect(i.period).toMatch(/^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]|\d{4}|\d{2}-\d{2}))?$/);
    }
    expect(summary.obligations.find((o) => o.id === 'qingfeng:c05-rectification')).toMatchObject({ clause: '5', cadence: 'event', title: '火灾事故整改' });
  });

  it('has a section for each special flow in report.html', () => {
    const html = readFileSync(join(work, 'year', 'report.html'), 'utf8');

    for (const heading of ['招录专职消防员', '火灾事故', '火灾隐患', '挂牌督办', '季度曝光', '重要节点风险提示']) expect(html).toContain(heading);
    expect(html).toContain('回头看');
    expect(html).not.toMatch(/1380000\d{4}|<script|src="http/);
  });
});
