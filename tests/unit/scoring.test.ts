import { describe, expect, it } from 'vitest';
import { WorkCalendar } from '../../functions/core/calendar.ts';
import { lateCredit, rank, scoreUnits, type ScoredInstance } from '../../functions/core/scoring.ts';
import { buildPlan } from '../support/plan-fixture.ts';

const calendar = new WorkCalendar();
const rules = buildPlan().scoring;
// Due 2022-08-01; missed from 2022-08-29.
const schedule = { dueOn: '2022-08-01', missedOn: '2022-08-29' };

function instance(owner: string, id: string, completedOn: string | null, weight = 2): ScoredInstance {
  return { instanceId: `qingfeng:duty:${owner}:${id}`, owner, dutyId: 'duty', clause: '2', weight, schedule, completedOn };
}

describe('lateCredit', () => {
  it.each([
    [1, 0.8, 'scoring.lateCredit[0]'],
    [5, 0.8, 'scoring.lateCredit[0]'],
    [6, 0.6, 'scoring.lateCredit[1]'],
    [10, 0.6, 'scoring.lateCredit[1]'],
    [11, 0.4, 'scoring.lateCredit[2]'],
  ])('%i working days late earns %d by %s', (days, credit, ruleRef) => {
    expect(lateCredit(rules, days)).toMatchObject({ credit, ruleRef });
  });
});

describe('scoreUnits', () => {
  it('gives full marks on time, partial late, none missed, weighted', () => {
    const instances = [
      instance('village-1', 'a', '2022-07-29', 3),
      instance('village-1', 'b', '2022-08-03', 1), // 2 working days late: 80%
      instance('village-1', 'c', null, 1), // missed by 2022-08-29
    ];

    const [score] = scoreUnits(instances, rules, calendar, '2022-12-31');

    expect(score).toMatchObject({ unit: 'village-1', earned: 3.8, possible: 5, score: 76, onTime: 1, late: 1, missed: 1, rank: 1 });
  });

  it('cites the instance and the rule for every deduction', () => {
    const [score] = scoreUnits([instance('village-1', 'b', '2022-08-03'), instance('village-1', 'c', null)], rules, calendar, '2022-12-31');

    expect(score?.deductions).toEqual([
      expect.objectContaining({ instanceId: 'qingfeng:duty:village-1:b', rule: 'late', ruleRef: 'scoring.lateCredit[0]', pointsLost: 0.4 }),
      expect.objectContaining({ instanceId: 'qingfeng:duty:village-1:c', rule: 'missed', ruleRef: 'ladder.missedAfterWorkdays', pointsLost: 2 }),
    ]);
    expect(score?.deductions[0]?.reason).toContain('2 working day(s) late');
  });

  it('counts an overdue, unreported instance as zero for now, and ignores one not yet due', () => {
    const [score] = scoreUnits([instance('village-1', 'a', null)], rules, calendar, '2022-08-10');
    const notDue = scoreUnits([instance('village-2', 'a', null)], rules, calendar, '2022-07-10');

    expect(score).toMatchObject({ overdue: 1, score: 0 });
    expect(score?.deductions[0]).toMatchObject({ rule: 'overdue' });
    expect(notDue).toEqual([]);
  });

  it('ranks units by score, equal scores sharing a rank', () => {
    const instances = [
      instance('village-1', 'a', '2022-07-01'),
      instance('village-2', 'a', '2022-07-01'),
      instance('emergency-office', 'a', '2022-08-03'),
      instance('fire-office', 'a', null),
    ];

    const scores = scoreUnits(instances, rules, calendar, '2022-12-31');

    expect(scores.map((s) => [s.unit, s.score, s.rank])).toEqual([
      ['village-1', 100, 1],
      ['village-2', 100, 1],
      ['emergency-office', 80, 3],
      ['fire-office', 0, 4],
    ]);
  });
});

describe('rank', () => {
  it('lists ties by unit id', () => {
    expect(rank([{ unit: 'b', score: 50, rank: 0 }, { unit: 'a', score: 50, rank: 0 }]).map((s) => s.unit)).toEqual(['a', 'b']);
  });
});
