import { readFileSync } from 'node:fs';
import { describe as group, expect, it } from 'vitest';
import { describe, diffPlans, type PlanChange } from '../../functions/core/plan-diff.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';

const minimalText = readFileSync(new URL('../fixtures/plans/minimal.yaml', import.meta.url), 'utf8');
const basePlan = parsePlan(minimalText, 'minimal.yaml');

/** A copy of the minimal plan with one edit applied, as an administrator would make it. */
function revised(edit: (plan: Plan) => void): Plan {
  const plan = structuredClone(basePlan);
  edit(plan);
  return plan;
}

function duty(plan: Plan, id: string) {
  const found = plan.duties.find((d) => d.id === id);
  if (!found) throw new Error(`no duty ${id} in the fixture`);
  return found;
}

function unit(plan: Plan, id: string) {
  const found = plan.units.find((u) => u.id === id);
  if (!found) throw new Error(`no unit ${id} in the fixture`);
  return found;
}

const lines = (changes: PlanChange[]) => changes.map(describe);

group('diffPlans', () => {
  it('finds nothing between a plan and itself', () => {
    const copy = structuredClone(basePlan);

    const changes = diffPlans(basePlan, copy);

    expect(changes).toEqual([]);
  });

  it('does not count key order, list order or values written out at their defaults as changes', () => {
    const reordered = parsePlan(
      minimalText
        .replace('    due: { from: end }\n', '    due: { days: 0, from: end, restDay: next }\n')
        .replace('    evidence: [minutes, sign-in-sheet]\n', '    evidence: [sign-in-sheet, minutes]\n'),
      'reordered.yaml',
    );

    const changes = diffPlans(basePlan, reordered);

    expect(changes).toEqual([]);
  });

  it('reports a duty that falls due on other dates as re-timed, with both rules as written', () => {
    const newPlan = revised((p) => {
      duty(p, 'c02-monthly-situation-analysis').due.days = -5;
    });

    const changes = diffPlans(basePlan, newPlan);

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'duty-retimed', subject: 'duty c02-monthly-situation-analysis', field: 'due' });
    expect(lines(changes)).toEqual(['~ duty c02-monthly-situation-analysis (每月分析形势): due {from: end} → {from: end, days: -5}']);
  });

  it('reports changed cadence and reminders as re-timed, and a duty without reminders as using the plan default', () => {
    const newPlan = revised((p) => {
      const d = duty(p, 'c04-quarterly-committee-meeting');
      d.cadence = 'semiannual';
      d.reminders = [3];
    });

    const changes = diffPlans(basePlan, newPlan);

    expect(changes.map((c) => [c.kind, c.field])).toEqual([
      ['duty-retimed', 'cadence'],
      ['duty-retimed', 'reminders'],
    ]);
    expect(lines(changes)[1]).toBe('~ duty c04-quarterly-committee-meeting (召开消防安全委员会季度例会): reminders (plan default) → [3]');
  });

  it('reports a change of owners as re-owned and names the units it adds and drops', () => {
    const newPlan = revised((p) => {
      duty(p, 'c14-village-evacuation-drill').owners = ['qingfeng-village', 'economic-office'];
    });

    const changes = diffPlans(basePlan, newPlan);

    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'duty-reowned', field: 'owners', before: [{ every: 'village' }], after: ['qingfeng-village', 'economic-office'] });
    expect(lines(changes)[0]).toBe(
      '~ duty c14-village-evacuation-drill (组织疏散逃生演练): owners [{every: village}] → [qingfeng-village, economic-office] (adds 经发办; drops 双石村)',
    );
  });

  it('says when new owners resolve to the same units', () => {
    const newPlan = revised((p) => {
      duty(p, 'c14-village-evacuation-drill').owners = ['qingfeng-village', 'shuangshi-village'];
    });

    const [change] = diffPlans(basePlan, newPlan);

    expect(change?.detail).toBe('same units');
  });

  it('reports target, weight, ladder, wording and evidence each under its own kind', () => {
    const newPlan = revised((p) => {
      const d = duty(p, 'c14-village-evacuation-drill');
      d.target = { value: 2, unit: '次', measure: '疏散逃生演练', comparison: 'at-least' };
      d.weight = 6;
      d.ladder = 'standard';
      d.title.zh = '组织疏散逃生演练（不少于一次）';
      d.evidence = ['photos'];
    });

    const changes = diffPlans(basePlan, newPlan);

    expect(changes.map((c) => c.kind)).toEqual(['duty-target-changed', 'duty-weight-changed', 'duty-ladder-changed', 'duty-text-changed', 'duty-evidence-changed']);
    expect(lines(changes)).toEqual([
      '~ duty c14-village-evacuation-drill (组织疏散逃生演练（不少于一次）): target {value: 1, unit: 次, measure: 疏散逃生演练, comparison: at-least} → {value: 2, unit: 次, measure: 疏散逃生演练, comparison: at-least}',
      '~ duty c14-village-evacuation-drill (组织疏散逃生演练（不少于一次）): weight 4 → 6',
      '~ duty c14-village-evacuation-drill (组织疏散逃生演练（不少于一次）): ladder (plan default) → standard',
      '~ duty c14-village-evacuation-drill (组织疏散逃生演练（不少于一次）): title.zh 组织疏散逃生演练 → 组织疏散逃生演练（不少于一次）',
      '~ duty c14-village-evacuation-drill (组织疏散逃生演练（不少于一次）): evidence [photos, sign-in-sheet] → [photos]',
    ]);
  });

  it('reports duties added and removed, summarising the new one', () => {
    const newPlan = revised((p) => {
      const removed = p.duties.findIndex((d) => d.id === 'c14-appoint-fire-publicist');
      p.duties.splice(removed, 1);
      p.duties.push({
        ...structuredClone(duty(basePlan, 'c02-monthly-situation-analysis')),
        id: 'c14-monthly-publicity',
        clause: '14',
        quote: '镇应急办每月要组织发动消防志愿者、消防宣传员和网格人员进农村、进社区、进家庭、进企业',
        title: { zh: '每月组织消防宣传“五进”', en: 'Monthly fire-safety outreach' },
      });
    });

    const changes = diffPlans(basePlan, newPlan);

    expect(lines(changes)).toEqual([
      '- duty c14-appoint-fire-publicist (明确一名消防宣传员)',
      '+ duty c14-monthly-publicity (每月组织消防宣传“五进”): clause 14, monthly, owners [economic-office], due {from: end}, weight 2',
    ]);
    expect(changes[1]?.after).toMatchObject({ id: 'c14-monthly-publicity' });
  });

  it('reports units added, removed, renamed and their contacts matched by address', () => {
    const newPlan = revised((p) => {
      unit(p, 'economic-office').name = '经济发展办公室';
      unit(p, 'economic-office').contacts.push({ name: '赵敏', email: 'zhao.min@example.org', language: 'zh', placeholder: true });
      unit(p, 'qingfeng-village').contacts[0]!.role = '村党支部书记';
      p.units = p.units.filter((u) => u.id !== 'shuangshi-village');
      p.units.push({ id: 'qingfeng-community', name: '青峰社区', kind: 'residential', contacts: [] });
    });

    const changes = diffPlans(basePlan, newPlan);

    expect(lines(changes)).toEqual([
      '~ unit economic-office (经济发展办公室): name 经发办 → 经济发展办公室',
      '~ unit economic-office (经济发展办公室): contact added 赵敏 <zhao.min@example.org> [placeholder]',
      '+ unit qingfeng-community (青峰社区): residential',
      '~ unit qingfeng-village (青峰村): contact 王强 (村主任) <qingfeng-village@example.org> [placeholder] → 王强 (村党支部书记) <qingfeng-village@example.org> [placeholder]',
      '- unit shuangshi-village (双石村)',
    ]);
    expect(changes.map((c) => c.kind)).toEqual(['unit-renamed', 'unit-contacts-changed', 'unit-added', 'unit-contacts-changed', 'unit-removed']);
    expect(changes[1]?.field).toBe('contacts[zhao.min@example.org]');
  });

  it('reports key dates and calendar overrides added, removed and changed', () => {
    const oldPlan = revised((p) => {
      p.calendar.overrides = [{ date: '2027-10-08', work: true, name: '国庆节调休上班' }];
    });
    const newPlan = revised((p) => {
      p.calendar.keyDates[0]!.ends = '2022-10-06';
      p.calendar.keyDates.push({ id: 'fire-day-2022', name: '全国消防日', kind: 'event', starts: '2022-11-09' });
      p.calendar.overrides = [
        { date: '2027-10-08', work: false, name: '国庆节' },
        { date: '2027-10-01', work: false, name: '国庆节' },
      ];
    });

    const changes = diffPlans(oldPlan, newPlan);

    expect(lines(changes)).toEqual([
      '+ key date fire-day-2022 (全国消防日): event 2022-11-09',
      '~ key date national-day-2022 (国庆节): ends 2022-10-07 → 2022-10-06',
      '+ calendar override 2027-10-01 (国庆节): rest day',
      '~ calendar override 2027-10-08 (国庆节): work working day → rest day',
      '~ calendar override 2027-10-08 (国庆节): name 国庆节调休上班 → 国庆节',
    ]);
  });

  it('reports the plan dates, defaults and named ladders', () => {
    const newPlan = revised((p) => {
      p.effectiveFrom = '2022-05-01';
      p.defaults.reminders = [3];
      p.ladders.standard!.missedAfterWorkdays = 30;
      p.ladders.strict = structuredClone(p.ladders.standard!);
    });

    const changes = diffPlans(basePlan, newPlan);

    expect(changes.map((c) => c.kind)).toEqual(['plan-dates-changed', 'plan-defaults-changed', 'ladder-changed', 'ladder-added']);
    expect(lines(changes)[0]).toBe('~ plan qingfeng-2022-minimal (2022年青峰镇消防工作要点（测试用精简版）): effectiveFrom 2022-04-15 → 2022-05-01');
    expect(lines(changes)[2]).toBe('~ ladder standard: missedAfterWorkdays 20 → 30');
  });

  it('lists changes in the same order however the plans order their items', () => {
    const edit = (p: Plan) => {
      duty(p, 'c02-monthly-situation-analysis').weight = 3;
      duty(p, 'c14-appoint-fire-publicist').weight = 2;
      unit(p, 'qingfeng-village').name = '青峰村民委员会';
    };
    const newPlan = revised(edit);
    const shuffled = revised((p) => {
      edit(p);
      p.duties.reverse();
      p.units.reverse();
    });

    const inPlanOrder = diffPlans(basePlan, newPlan);
    const inReverseOrder = diffPlans(basePlan, shuffled);

    expect(inReverseOrder).toEqual(inPlanOrder);
    expect(inPlanOrder.map((c) => c.subject)).toEqual(['unit qingfeng-village', 'duty c02-monthly-situation-analysis', 'duty c14-appoint-fire-publicist']);
  });
});

group('describe', () => {
  it('quotes text that would otherwise read ambiguously', () => {
    const change: PlanChange = { kind: 'duty-text-changed', subject: 'duty d', field: 'note', before: 'a: b', after: '' };

    const line = describe(change);

    expect(line).toBe('~ duty d: note "a: b" → ""');
  });
});
