/**
 * A town's instances in the states the documents (the ledger, the calendar feed) must show, for
 * unit and integration tests: June 2022's monthly analysis for three units (one reported on time
 * with evidence and accepted, one overdue on the yellow rung, one missed after every rung) and the
 * second quarter's meeting of 应急办 (reported late with a figure, awaiting review).
 */
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { instancesToOpen } from '../../functions/core/opening.ts';
import type { Plan } from '../../functions/core/plan-schema.ts';
import { planCalendar } from '../../functions/core/schedule.ts';
import { buildPlan, dutyInput } from './plan-fixture.ts';

export const TOWN = 'qingfeng';
export const PLAN_VERSION = 'v1';

export function documentPlan(): Plan {
  return buildPlan({
    duties: [
      dutyInput({ owners: ['emergency-office', 'village-1', 'village-2'], evidence: ['minutes', 'sign-in-sheet'] }),
      dutyInput({
        id: 'quarterly-meeting',
        clause: '三(二)',
        quote: '每季度召开会议',
        title: { zh: '每季度召开消防工作会议', en: 'Quarterly fire-safety meeting' },
        cadence: 'quarterly',
        owners: ['emergency-office'],
        evidence: ['minutes'],
        target: { value: 15, unit: '人', measure: '参会人数' },
      }),
    ],
  });
}

export const ids = {
  analysis: (owner: string, period = '2022-06') => `${TOWN}:monthly-analysis:${owner}:${period}`,
  meeting: (period = '2022-Q2') => `${TOWN}:quarterly-meeting:emergency-office:${period}`,
};

/** The instances as the workflows and the API would have left them by early July 2022. */
export function documentRecords(plan: Plan): InstanceRecord[] {
  const calendar = planCalendar(plan);
  const opened = [...instancesToOpen(plan, PLAN_VERSION, 'monthly', '2022-06-01', calendar), ...instancesToOpen(plan, PLAN_VERSION, 'quarterly', '2022-04-15', calendar)];
  const byId = new Map(opened.map((r) => [r.id, r]));
  const take = (id: string): InstanceRecord => {
    const record = byId.get(id);
    if (!record) throw new Error(`the fixture has no instance ${id}`);
    return record;
  };
  const done = take(ids.analysis('emergency-office'));
  const overdue = take(ids.analysis('village-1'));
  const missed = take(ids.analysis('village-2'));
  const meeting = take(ids.meeting());
  return [
    {
      ...done,
      completedOn: '2022-06-20',
      status: 'on_time',
      light: 'green',
      nextActionOn: null,
      version: 3,
      reports: [
        {
          n: 1,
          on: '2022-06-20',
          note: '6月20日召开消防安全形势分析会',
          evidence: [
            { kind: 'minutes', name: '会议纪要.pdf', url: 'https://docs.example.org/minutes-0620.pdf' },
            { kind: 'sign-in-sheet', name: '签到表.jpg', key: 'evidence/qingfeng/emergency-office/0620-sign-in.jpg' } as { kind: string; name: string },
          ],
        },
      ],
      review: 'accepted',
      reviews: [{ report: 1, outcome: 'accepted', on: '2022-06-22', by: 'admin-1' }],
    },
    { ...overdue, status: 'open', light: 'yellow', version: 2, escalations: [{ level: 1, on: '2022-07-01', to: ['village-1@qingfeng.example.org'] }] },
    {
      ...missed,
      status: 'missed',
      light: 'red',
      version: 5,
      escalations: [
        { level: 1, on: '2022-07-01', to: ['fire-office@qingfeng.example.org'] },
        { level: 2, on: '2022-07-07', to: ['deputy-head@qingfeng.example.org'] },
        { level: 3, on: '2022-07-14', to: ['town-head@qingfeng.example.org'] },
      ],
    },
    {
      ...meeting,
      completedOn: '2022-07-05',
      status: 'late',
      light: 'green',
      version: 2,
      reports: [{ n: 1, on: '2022-07-05', note: '7月5日召开二季度消防工作会议', evidence: [{ kind: 'minutes', name: '二季度会议纪要.docx' }], figure: 16 }],
      review: 'awaiting',
    },
  ];
}
