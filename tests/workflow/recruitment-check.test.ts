/**
 * RecruitmentCheck, as synthesized from the CDK app, on the local runtime: on the first working day
 * of a month each town's recruitment of full-time firefighters (item 17) is checked against its
 * target, and a campaign that is behind is escalated to leadership, the committees and the owning
 * unit, once a month. The owning unit records its counts through the API (the Recruitment function).
 */
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import type { MailMessage } from '../../local/runtime/emulators.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { shanghai, townPlan, unitOf, useWorkflowHarness } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();

const DUTY = 'c17-recruit-firefighters';
/** Leadership and the committees (the reports' readers), and 应急办, the duty's owner. */
const TOLD = ['deputy-head', 'emergency-office', 'fire-committee', 'fire-office', 'safety-committee', 'town-head'];

/** A round that reached the interview with too few: 20 interviewed yield about 10 of the 15. */
const THIN_AT_INTERVIEW = {
  'plan-approved': 15,
  announcement: 15,
  registration: 120,
  'qualification-review': 110,
  'written-test': 90,
  'physical-test': 50,
  interview: 20,
};

async function seed(town: string): Promise<void> {
  await harness().seedTown(townPlan(town, { duties: [DUTY] }));
}

/** `PUT /recruitment/2022/stages` as 应急办 sends it through the API, at 10:30 on `day`. */
async function recordCounts(town: string, day: IsoDate, counts: Record<string, number>, version = 0): Promise<{ statusCode: number; body: Record<string, unknown> }> {
  const event = apiGatewayEvent({
    method: 'PUT',
    path: '/recruitment/2022/stages',
    routeKey: 'PUT /recruitment/{id}/stages',
    pathParameters: { id: '2022' },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version, counts }),
    at: shanghai(day, '10:30'),
    claims: tokenClaims({ role: 'unit', town, unit: 'emergency-office' }),
    requestId: `recruitment-${town}-${day}`,
  });
  const response = (await harness().runtime.invokeFunction('Recruitment', event)) as { statusCode: number; body: string };
  return { statusCode: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

function escalations(town: string): MailMessage[] {
  return harness()
    .mailTo(town)
    .filter((m) => m.subject.startsWith('【招录督办】'));
}

async function check(day: IsoDate) {
  const execution = await harness().runtime.runStateMachine('RecruitmentCheck', { scheduledTime: shanghai(day, '08:00') });
  expect(execution.status).toBe('SUCCEEDED');
  return execution;
}

function resultOf(execution: Awaited<ReturnType<typeof check>>, town: string): Record<string, unknown> | undefined {
  const results = (execution.output as { results?: Record<string, unknown>[] } | undefined)?.results ?? [];
  return results.find((r) => r['town'] === town);
}

describe('the monthly recruitment check', () => {
  it('escalates a campaign that is behind once: to leadership, the committees and the owner, saying what is missing and where', async () => {
    const town = 'recruit-behind';
    await seed(town);
    expect(await recordCounts(town, '2022-07-20', THIN_AT_INTERVIEW)).toMatchObject({ statusCode: 200, body: { version: 1 } });

    // Monday 1 August 2022 is the first working day of the month.
    const first = await check('2022-08-01');
    const again = await check('2022-08-01');
    const later = await harness().runtime.invokeFunction('CheckRecruitment', { town, date: '2022-08-10' });

    expect(resultOf(first, town)).toMatchObject({ status: 'behind', hired: 0, expected: 10.3, missing: 5, thinStage: 'interview', escalated: true, sent: TOLD.length });
    expect(resultOf(again, town)).toMatchObject({ status: 'behind', escalated: false, why: 'already escalated in 2022-08', sent: 0 });
    expect(later).toMatchObject({ escalated: false, sent: 0 });
    const mail = escalations(town);
    expect(mail.map((m) => m.destination.to.map(unitOf)).flat().sort()).toEqual(TOLD);
    for (const message of mail) {
      expect(message.subject).toBe('【招录督办】青峰镇（recruit-behind）2022年新招录政府专职消防员进度滞后：目标15人，已聘用0人，预计缺口5人（薄弱环节：面试），请于2022-08-15前提出补救措施');
      expect(message.body.text).toContain('薄弱环节：面试，现有20人，按模型预计只能聘用约10.3人；完成目标需要约30人。');
      expect(message.body.html).toContain('<h3>招录各环节人数</h3>');
    }
    const stored = await harness().itemsOf(`TOWN#${town}`);
    expect(stored.filter((i) => i['entity'] === 'recruitment-escalation')).toEqual([expect.objectContaining({ month: '2022-08', on: '2022-08-01', missing: 5, thinStage: 'interview' })]);
  });

  it('tells nobody while the pipeline will make up the target in time', async () => {
    const town = 'recruit-on-track';
    await seed(town);
    const healthy = { ...THIN_AT_INTERVIEW, interview: 30, 'medical-check': 20, 'political-review': 17 };
    expect((await recordCounts(town, '2022-08-20', healthy)).statusCode).toBe(200);

    const execution = await check('2022-09-01');

    expect(resultOf(execution, town)).toMatchObject({ status: 'on-track', expected: 15.8, missing: 0, escalated: false, sent: 0 });
    expect(escalations(town)).toEqual([]);
  });

  it('escalates a campaign nobody recorded once a whole round no longer fits before the year end, on the make-up working day after National Day', async () => {
    const town = 'recruit-silent';
    await seed(town);

    const september = await check('2022-09-01');
    // 1–7 October is the National Day holiday; Saturday 8 October is the make-up working day, the month's first.
    const october = await check('2022-10-08');
    await check('2022-10-08');

    expect(resultOf(september, town)).toMatchObject({ status: 'on-track', escalated: false });
    expect(resultOf(october, town)).toMatchObject({ status: 'behind', reasons: ['time'], thinStage: 'plan-approved', escalated: true });
    expect(escalations(town).map((m) => m.destination.to.map(unitOf)).flat().sort()).toEqual(TOLD);
    expect(escalations(town)[0]?.body.text).toContain('剩余环节预计需要113天');
  });
});

describe('the annual evaluation of item 17', () => {
  it('scores the duty on hired against the target: 12 of 15 costs a fifth of its weight, and says so to leadership', async () => {
    const town = 'recruit-evaluated';
    await seed(town);
    const opening = await harness().runtime.runStateMachine('PeriodOpening', { cadence: 'annual', scheduledTime: shanghai('2022-04-15', '06:00') });
    expect(opening.status).toBe('SUCCEEDED');
    const hired = { ...THIN_AT_INTERVIEW, interview: 20, 'medical-check': 14, 'political-review': 13, 'public-notice': 12, hired: 12 };
    expect((await recordCounts(town, '2022-11-20', hired)).statusCode).toBe(200);
    expect(await harness().report(`${town}:${DUTY}:emergency-office:2022`, '2022-12-20', '年内聘用12人')).toMatchObject({ statusCode: 200, body: { status: 'on_time' } });

    const execution = await harness().runtime.runStateMachine('AnnualEvaluation', { scheduledTime: shanghai('2022-12-30', '18:00') });

    expect(execution.status).toBe('SUCCEEDED');
    expect(resultOf(execution, town)).toMatchObject({ recruitment: { hired: 12, target: 15, pointsLost: 1 } });
    const evaluation = harness()
      .mailTo(town)
      .find((m) => m.subject.startsWith('【年度考评】') && m.destination.to.includes(`town-head@${town}.example.org`));
    expect(evaluation?.body.text).toContain('■ 新招录政府专职消防员（第17条）：聘用12人，目标15人');
    expect(evaluation?.body.text).toContain('应急办 | 15 | 12 | 80% | 1 | 招录进度登记');
    // 应急办 owns this duty only: 4 of 5 points, 80.0, just at the criticism threshold and so not criticised.
    expect(evaluation?.body.text).toContain('1 | 应急办 | 80.0 | 1 | 0 | 0');
  });
});

