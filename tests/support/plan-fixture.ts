import { planSchema, type Duty, type Plan, type PlanInput } from '../../functions/core/plan-schema.ts';

type DutyInput = PlanInput['duties'][number];

/** A small plan in the shape of the 2022 Qingfeng plan, for unit tests; override what a test is about. */
export function planInput(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    id: 'test-2022',
    town: { id: 'qingfeng', name: '青峰镇' },
    title: { zh: '测试计划', en: 'Test plan' },
    document: { number: '测试〔2022〕1号', issuedOn: '2022-04-15', issuer: '青峰镇人民政府' },
    effectiveFrom: '2022-04-15',
    effectiveTo: '2022-12-31',
    timeZone: 'Asia/Shanghai',
    defaults: { reminders: [5, 1], ladder: 'standard', minimumLeadWorkdays: 10 },
    scoring: { lateCredit: [{ withinWorkdays: 5, credit: 0.8 }, { withinWorkdays: 10, credit: 0.6 }, { credit: 0.4 }] },
    ladders: {
      standard: {
        yellow: { afterWorkdays: 1, notify: ['owner', 'fire-office'] },
        red: { afterWorkdays: 5, notify: ['owner', 'fire-office', 'deputy-head'] },
        warningTalk: { afterWorkdays: 10, notify: ['owner', 'deputy-head', 'town-head'] },
        missedAfterWorkdays: 20,
      },
    },
    units: [
      { id: 'town-head', name: '镇政府主要负责人', kind: 'leadership', contacts: [{ email: 'town-head@qingfeng.example.org', placeholder: true }] },
      { id: 'deputy-head', name: '分管负责人', kind: 'leadership', parent: 'town-head', contacts: [{ email: 'deputy-head@qingfeng.example.org', placeholder: true }] },
      { id: 'fire-office', name: '镇消防安全委员会办公室', kind: 'committee', contacts: [{ email: 'fire-office@qingfeng.example.org', placeholder: true }] },
      { id: 'emergency-office', name: '应急办', kind: 'department', contacts: [{ email: 'emergency-office@qingfeng.example.org', placeholder: true }] },
      { id: 'village-1', name: '示例村一', kind: 'village', contacts: [{ email: 'village-1@qingfeng.example.org', placeholder: true }] },
      { id: 'village-2', name: '示例村二', kind: 'village', contacts: [] },
    ],
    duties: [dutyInput()],
    ...overrides,
  };
}

export function dutyInput(overrides: Partial<DutyInput> = {}): DutyInput {
  return {
    id: 'monthly-analysis',
    clause: '2',
    quote: '每月分析形势',
    title: { zh: '每月分析消防安全形势', en: 'Monthly situation analysis' },
    owners: ['emergency-office'],
    cadence: 'monthly',
    due: { from: 'end' },
    evidence: ['minutes'],
    weight: 3,
    ...overrides,
  };
}

export function buildPlan(overrides: Partial<PlanInput> = {}): Plan {
  return planSchema.parse(planInput(overrides));
}

export function buildDuty(overrides: Partial<DutyInput> = {}): Duty {
  return buildPlan({ duties: [dutyInput(overrides)] }).duties[0] as Duty;
}
