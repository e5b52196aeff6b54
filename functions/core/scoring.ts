import type { WorkCalendar } from './calendar.ts';
import type { IsoDate } from './dates.ts';
import { statusOf, type InstanceStatus } from './ladder.ts';
import type { Plan } from './plan-schema.ts';
import type { Schedule } from './schedule.ts';

/**
 * Scores are recomputed from the history of instances, never kept by hand. A unit earns each
 * instance's weight in full when it reported on time, a share when late (by the plan's tiers), and
 * nothing when missed or overdue; every point lost is a deduction that names the instance and the rule.
 */

export interface ScoredInstance {
  instanceId: string;
  owner: string;
  dutyId: string;
  clause: string;
  weight: number;
  schedule: Pick<Schedule, 'dueOn' | 'missedOn'>;
  completedOn: IsoDate | null;
}

export type DeductionRule = 'late' | 'missed' | 'overdue';

export interface Deduction {
  instanceId: string;
  dutyId: string;
  clause: string;
  rule: DeductionRule;
  /** Which setting of the plan applied, e.g. `scoring.lateCredit[1]`. */
  ruleRef: string;
  weight: number;
  credit: number;
  pointsLost: number;
  reason: string;
}

export interface UnitScore {
  unit: string;
  /** 0–100: earned over possible, one decimal. */
  score: number;
  earned: number;
  possible: number;
  counted: number;
  onTime: number;
  late: number;
  missed: number;
  overdue: number;
  rank: number;
  deductions: Deduction[];
}

type ScoringRules = Plan['scoring'];

function round(value: number, places: number): number {
  const f = 10 ** places;
  return Math.round(value * f) / f;
}

export function lateCredit(rules: ScoringRules, workdaysLate: number): { credit: number; ruleRef: string; reason: string } {
  const index = rules.lateCredit.findIndex((tier) => tier.withinWorkdays === undefined || workdaysLate <= tier.withinWorkdays);
  const tier = rules.lateCredit[index] ?? { credit: 0 };
  const bound = tier.withinWorkdays === undefined ? 'beyond the last tier' : `within ${tier.withinWorkdays} working days`;
  return {
    credit: tier.credit,
    ruleRef: index < 0 ? 'scoring.lateCredit' : `scoring.lateCredit[${index}]`,
    reason: `reported ${workdaysLate} working day(s) late (${bound}): ${Math.round(tier.credit * 100)}% credit`,
  };
}

interface Judged {
  status: InstanceStatus | 'overdue';
  credit: number;
  deduction?: Omit<Deduction, 'instanceId' | 'dutyId' | 'clause' | 'weight' | 'pointsLost'>;
}

/** How one instance counts on a day, or undefined when it does not count yet (open and not yet due). */
export function judge(instance: ScoredInstance, rules: ScoringRules, calendar: WorkCalendar, asOf: IsoDate): Judged | undefined {
  const status = statusOf(instance.schedule, instance, asOf);
  switch (status) {
    case 'on_time':
      return { status, credit: 1 };
    case 'late': {
      const late = lateCredit(rules, calendar.workdaysBetween(instance.schedule.dueOn, instance.completedOn ?? asOf));
      return { status, credit: late.credit, deduction: { rule: 'late', ruleRef: late.ruleRef, credit: late.credit, reason: late.reason } };
    }
    case 'missed':
      return {
        status,
        credit: 0,
        deduction: { rule: 'missed', ruleRef: 'ladder.missedAfterWorkdays', credit: 0, reason: `not reported by ${instance.schedule.missedOn}: counted as missed` },
      };
    case 'open':
      if (asOf <= instance.schedule.dueOn) return undefined;
      return {
        status: 'overdue',
        credit: 0,
        deduction: { rule: 'overdue', ruleRef: 'due', credit: 0, reason: `due ${instance.schedule.dueOn}, not yet reported: no credit until it is` },
      };
  }
}

export function scoreUnits(instances: readonly ScoredInstance[], rules: ScoringRules, calendar: WorkCalendar, asOf: IsoDate): UnitScore[] {
  const byUnit = new Map<string, UnitScore>();
  for (const instance of instances) {
    const judged = judge(instance, rules, calendar, asOf);
    if (!judged) continue;
    let unit = byUnit.get(instance.owner);
    if (!unit) {
      unit = { unit: instance.owner, score: 0, earned: 0, possible: 0, counted: 0, onTime: 0, late: 0, missed: 0, overdue: 0, rank: 0, deductions: [] };
      byUnit.set(instance.owner, unit);
    }
    unit.counted += 1;
    unit.possible += instance.weight;
    unit.earned += instance.weight * judged.credit;
    if (judged.status === 'on_time') unit.onTime += 1;
    else if (judged.status === 'late') unit.late += 1;
    else if (judged.status === 'missed') unit.missed += 1;
    else if (judged.status === 'overdue') unit.overdue += 1;
    if (judged.deduction) {
      unit.deductions.push({
        instanceId: instance.instanceId,
        dutyId: instance.dutyId,
        clause: instance.clause,
        weight: instance.weight,
        pointsLost: round(instance.weight * (1 - judged.credit), 4),
        ...judged.deduction,
      });
    }
  }
  const scores = [...byUnit.values()].map((u) => ({
    ...u,
    earned: round(u.earned, 4),
    possible: round(u.possible, 4),
    score: u.possible === 0 ? 100 : round((100 * u.earned) / u.possible, 1),
  }));
  return rank(scores);
}

/** Competition ranking (1, 1, 3): equal scores share a rank; ties are listed by unit id. */
export function rank<T extends { unit: string; score: number; rank: number }>(scores: T[]): T[] {
  const sorted = [...scores].sort((a, b) => b.score - a.score || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  sorted.forEach((s, i) => {
    const previous = sorted[i - 1];
    s.rank = previous !== undefined && previous.score === s.score ? previous.rank : i + 1;
  });
  return sorted;
}
