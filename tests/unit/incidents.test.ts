/**
 * The chain of a fire incident (item 5 and 三(三)), decided without I/O on the 2022 Qingfeng plan:
 * which duties open for which fire, for whom, with which period ids and dates; closing the
 * investigation (its instances, the rectifications, the look-back months ahead); the bad inputs; the
 * owners' mail; the ledger.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import { ConflictError, InvalidInputError } from '../../functions/core/errors.ts';
import {
  addMonths,
  closeInvestigation,
  incidentDuties,
  incidentLedgerWorkbook,
  INCIDENT_LEDGER_COLUMNS,
  incidentNotices,
  incidentStage,
  incidentView,
  lookBackDay,
  recordIncident,
  RECTIFICATION_DUTY,
  seriousTriggers,
  type CloseInput,
  type IncidentContext,
  type IncidentInput,
  type IncidentRecord,
} from '../../functions/core/incidents.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { stepsDue } from '../../functions/core/ladder.ts';
import { stepsOf } from '../../functions/core/instance.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { planCalendar } from '../../functions/core/schedule.ts';
import { HEADER_ROW } from '../../functions/core/workbook.ts';

const file = join(resolve(import.meta.dirname, '../..'), 'plans/qingfeng-2022.yaml');
const plan = parsePlan(readFileSync(file, 'utf8'), file);
const calendar = planCalendar(plan);
const INVESTIGATION = 'c05-extended-investigation';
const ACCOUNTABILITY = 's3-3-accountability-review';
const LOOK_BACK = 'c05-look-back';

const ctx = (today: IsoDate, by = 'admin-1'): IncidentContext => ({ plan, planVersion: 'v1', calendar, today, by });

const fatal: IncidentInput = {
  occurredOn: '2022-06-15',
  place: '青峰镇场镇某自建房',
  casualties: { deaths: 1, injuries: 2 },
  socialImpact: 'minor',
  description: '一楼电动自行车充电起火，造成1人死亡、2人受伤。',
};
const majorImpact: IncidentInput = { ...fatal, casualties: { deaths: 0, injuries: 0 }, socialImpact: 'major', description: '集贸市场火灾，网络广泛传播。' };
const minor: IncidentInput = { ...fatal, casualties: { deaths: 0, injuries: 1 }, socialImpact: 'minor', description: '厨房油锅起火，1人轻伤。' };

const close = (overrides: Partial<CloseInput> = {}): CloseInput => ({
  findings: '建设单位擅自改变使用性质；物业未落实消防安全管理责任。',
  responsibleParties: [
    { party: 'construction', name: '某建筑公司' },
    { party: 'use-management', name: '张某', organisation: '某物业公司' },
  ],
  rectifications: [
    { what: '拆除违规搭建的电动自行车充电棚', owner: 'village-1', deadline: '2022-09-30' },
    { what: '开展电动自行车充电专项检查', owner: 'emergency-office', deadline: '2022-10-01' },
  ],
  lookBackAfterMonths: 3,
  ...overrides,
});

function byDuty(instances: readonly InstanceRecord[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const i of instances) (out[i.dutyId] ??= []).push(i.owner);
  for (const list of Object.values(out)) list.sort();
  return out;
}

const mapOf = (...lists: (readonly InstanceRecord[])[]) => new Map(lists.flat().map((i) => [i.id, i]));

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

describe('which fire opens which duties', () => {
  it('a death or major social impact makes a fire serious; injuries and minor impact do not', () => {
    expect(seriousTriggers(fatal)).toEqual(['deaths']);
    expect(seriousTriggers(majorImpact)).toEqual(['major-impact']);
    expect(seriousTriggers({ casualties: { deaths: 2, injuries: 0 }, socialImpact: 'major' })).toEqual(['deaths', 'major-impact']);
    expect(seriousTriggers(minor)).toEqual([]);
  });

  it('reads the duties from the plan: item 5’s investigation (it has a look-back), 三(三)’s accountability review, item 5’s look-back', () => {
    const duties = incidentDuties(plan);

    expect(duties.investigation.map((d) => d.id)).toEqual([INVESTIGATION]);
    expect(duties.accountability.map((d) => d.id)).toEqual([ACCOUNTABILITY]);
    expect(duties.lookBack.map((d) => d.id)).toEqual([LOOK_BACK]);
  });

  it('a fatal fire opens the extended investigation for its three owners and the accountability review for the safety committee, with `<fire day>~<incident>` periods', () => {
    const { incident, instances, told } = recordIncident(ctx('2022-06-20'), 'fire-1', fatal);

    expect(byDuty(instances)).toEqual({ [INVESTIGATION]: ['emergency-office', 'fire-committee', 'police-station'], [ACCOUNTABILITY]: ['safety-committee'] });
    expect(instances.map((i) => i.id).sort()).toEqual([
      'qingfeng:c05-extended-investigation:emergency-office:2022-06-15~fire-1',
      'qingfeng:c05-extended-investigation:fire-committee:2022-06-15~fire-1',
      'qingfeng:c05-extended-investigation:police-station:2022-06-15~fire-1',
      'qingfeng:s3-3-accountability-review:safety-committee:2022-06-15~fire-1',
    ]);
    // The fire of Wednesday 15 June, recorded on Monday 20 June: due 30 working days after the fire (the plan's rule), on the urgent ladder.
    for (const i of instances) {
      expect(i).toMatchObject({ periodId: '2022-06-15~fire-1', cadence: 'event', opensOn: '2022-06-15', dueOn: '2022-07-27', status: 'open', completedOn: null, version: 0 });
      expect(i.reminders).toEqual(['2022-07-20', '2022-07-26']);
      expect(i.notify.yellow).toEqual(['owner', 'fire-office', 'deputy-head']);
    }
    expect(incident).toMatchObject({
      id: 'fire-1',
      serious: true,
      triggers: ['deaths'],
      recordedOn: '2022-06-20',
      units: ['emergency-office', 'fire-committee', 'police-station', 'safety-committee'],
      rectifications: [],
      lookBack: null,
    });
    expect(incident.investigation?.checklist.map((c) => c.label)).toEqual(['工程建设', '中介服务', '消防产品质量', '使用管理']);
    expect(incident.investigation).toMatchObject({ status: 'open', closedOn: null, findings: null, responsibleParties: [] });
    expect(incident.investigation?.duties).toEqual([expect.objectContaining({ dutyId: INVESTIGATION, opensOn: '2022-06-15', dueOn: '2022-07-27' })]);
    expect(incident.accountability).toEqual([expect.objectContaining({ dutyId: ACCOUNTABILITY, clause: '三(三)', owners: ['safety-committee'] })]);
    // Told in the request: their notice is done, the follow-up goes on with the reminders.
    expect(told.map((i) => i.id).sort()).toEqual(instances.map((i) => i.id).sort());
    for (const i of instances) expect(i).toMatchObject({ done: ['notice'], nextActionOn: '2022-07-20' });
  });

  it('a fire of major social impact without deaths opens the same duties (三(三): 亡人火灾及有影响火灾事故)', () => {
    const { incident, instances } = recordIncident(ctx('2022-06-20'), 'fire-2', majorImpact);

    expect(incident.triggers).toEqual(['major-impact']);
    expect(byDuty(instances)).toEqual({ [INVESTIGATION]: ['emergency-office', 'fire-committee', 'police-station'], [ACCOUNTABILITY]: ['safety-committee'] });
  });

  it('a fire with injuries and minor impact opens nothing: it is recorded, no investigation', () => {
    const { incident, instances, told } = recordIncident(ctx('2022-06-20'), 'fire-3', minor);

    expect(instances).toEqual([]);
    expect(told).toEqual([]);
    expect(incident).toMatchObject({ serious: false, triggers: [], investigation: null, accountability: [], units: [] });
    expect(incidentStage(incident, new Map(), '2022-06-20')).toBe('no-investigation');
  });

  it('two fires on one day give two sets of instances', () => {
    const a = recordIncident(ctx('2022-06-20'), 'fire-4', fatal).instances.map((i) => i.id);
    const b = recordIncident(ctx('2022-06-20'), 'fire-5', fatal).instances.map((i) => i.id);

    expect(a.filter((id) => b.includes(id))).toEqual([]);
    expect(b.every((id) => id.endsWith('~fire-5'))).toBe(true);
  });

  it('a fire recorded on a Saturday opens on Monday, and is still told at once', () => {
    const { instances, told } = recordIncident(ctx('2022-06-25'), 'fire-6', { ...fatal, occurredOn: '2022-06-25' });

    expect(instances.every((i) => i.opensOn === '2022-06-27' && i.periodId === '2022-06-25~fire-6')).toBe(true);
    expect(told).toHaveLength(instances.length);
  });

  it('counts the time limit from the fire: a fire recorded after its investigation’s due date opens overdue, and its mail says so', () => {
    // 30 working days after 5 May (Saturday 7 May was a make-up working day, 3 June the Dragon Boat Festival) is 16 June; recorded on 20 June.
    const { incident, told } = recordIncident(ctx('2022-06-20'), 'fire-8', { ...fatal, occurredOn: '2022-05-05' });
    const police = told.find((i) => i.owner === 'police-station') as InstanceRecord;
    const mail = incidentNotices({ plan, today: '2022-06-20', consoleUrl: 'https://fireplan.example.org' }, incident, 'recorded', [police]).mails[0];

    expect(police).toMatchObject({ opensOn: '2022-05-05', dueOn: '2022-06-16', status: 'open', light: 'yellow', done: ['notice'], nextActionOn: '2022-06-09' });
    // The next follow-up (06-21, the red rung's day on the urgent ladder) sends one escalation, at the rung reached; the reminders and yellow are skipped.
    expect(stepsDue(stepsOf(police), police, '2022-06-21')).toMatchObject({ act: [{ kind: 'red' }], skip: [{ kind: 'reminder' }, { kind: 'reminder' }, { kind: 'yellow' }] });
    expect(mail?.content.subject).toContain('已于2022-06-16到期，请立即报送');
    expect(mail?.content.text).toContain('期限为2022-06-16（自火灾发生之日起计算），现已逾期，请立即完成并报送。');
  });

  it('a paused duty opens nothing', () => {
    const paused = { ...plan, duties: plan.duties.map((d) => (d.id === ACCOUNTABILITY ? { ...d, paused: true } : d)) };
    const { instances } = recordIncident({ ...ctx('2022-06-20'), plan: paused }, 'fire-7', fatal);

    expect(Object.keys(byDuty(instances))).toEqual([INVESTIGATION]);
  });
});

describe('bad input: a fire that cannot be recorded', () => {
  it.each([
    ['dated after the request’s day', { ...fatal, occurredOn: '2022-06-21' }, 'occurredOn', /after today \(2022-06-20, Asia\/Shanghai\)/],
    ['dated before the plan took effect', { ...fatal, occurredOn: '2022-03-01' }, 'occurredOn', /before the town's plan \(qingfeng-2022\) took effect on 2022-04-15/],
    ['with negative deaths', { ...fatal, casualties: { deaths: -1, injuries: 0 } }, 'casualties.deaths', /0 or more/],
    ['with a fractional injury count', { ...fatal, casualties: { deaths: 0, injuries: 1.5 } }, 'casualties.injuries', /whole number/],
    ['with a blank place', { ...fatal, place: '  ' }, 'place', /where the fire was/],
  ])('is refused %s, naming the field', (_what, input, path, message) => {
    const error = thrown(() => recordIncident(ctx('2022-06-20'), 'fire-1', input as IncidentInput));

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual([{ path, message: expect.stringMatching(message) }]);
  });
});

describe('closing the investigation', () => {
  const recorded = recordIncident(ctx('2022-06-20'), 'fire-1', fatal);
  const investigation = recorded.instances.filter((i) => i.dutyId === INVESTIGATION);

  it('completes the investigation on the day of the close, opens one rectification per item and writes the look-back to open three months later', () => {
    // Closed on Wednesday 27 July 2022, the investigation's due date.
    const closed = closeInvestigation(ctx('2022-07-27'), recorded.incident, investigation, close());

    expect(closed.updated.map((i) => i.owner).sort()).toEqual(['emergency-office', 'fire-committee', 'police-station']);
    for (const i of closed.updated) {
      expect(i).toMatchObject({ completedOn: '2022-07-27', status: 'on_time', review: 'accepted', nextActionOn: null });
      expect(i.reports.at(-1)).toMatchObject({ on: '2022-07-27', note: expect.stringContaining('延伸调查于2022-07-27结案（事故 fire-1）'), evidence: [{ kind: 'report', name: '延伸调查结论（fire-1）' }] });
      expect(i.reviews?.at(-1)).toMatchObject({ outcome: 'accepted', on: '2022-07-27', by: 'admin-1' });
    }

    const rectifications = closed.created.filter((i) => i.dutyId === RECTIFICATION_DUTY);
    expect(rectifications.map((i) => [i.id, i.owner, i.opensOn, i.dueOn, i.title.zh])).toEqual([
      ['qingfeng:c05-rectification:village-1:2022-07-27~fire-1-r1', 'village-1', '2022-07-27', '2022-09-30', '火灾事故整改：拆除违规搭建的电动自行车充电棚'],
      // 1 October is National Day: due on the next working day, 8 October (a make-up working Saturday).
      ['qingfeng:c05-rectification:emergency-office:2022-07-27~fire-1-r2', 'emergency-office', '2022-07-27', '2022-10-08', '火灾事故整改：开展电动自行车充电专项检查'],
    ]);
    expect(rectifications.every((i) => i.done.includes('notice') && i.clause === '5' && i.evidence.includes('report'))).toBe(true);

    const lookBack = closed.created.filter((i) => i.dutyId === LOOK_BACK);
    // 27 October 2022 (a Thursday) is three months after the close; due 20 working days later.
    expect(lookBack.map((i) => [i.id, i.opensOn, i.dueOn, i.nextActionOn, i.done])).toEqual([
      ['qingfeng:c05-look-back:fire-office:2022-10-27~fire-1', '2022-10-27', '2022-11-24', '2022-10-27', []],
    ]);
    expect(closed.told.map((i) => i.dutyId)).toEqual([RECTIFICATION_DUTY, RECTIFICATION_DUTY]);

    expect(closed.incident).toMatchObject({
      investigation: {
        status: 'closed',
        closedOn: '2022-07-27',
        closedBy: 'admin-1',
        findings: close().findings,
        responsibleParties: [{ party: 'construction', name: '某建筑公司' }, { party: 'use-management', name: '张某', organisation: '某物业公司' }],
      },
      rectifications: [
        { n: 1, what: '拆除违规搭建的电动自行车充电棚', owner: 'village-1', deadline: '2022-09-30', instanceId: rectifications[0]?.id },
        { n: 2, what: '开展电动自行车充电专项检查', owner: 'emergency-office', deadline: '2022-10-01', instanceId: rectifications[1]?.id },
      ],
      lookBack: { afterMonths: 3, on: '2022-10-27', duties: [expect.objectContaining({ dutyId: LOOK_BACK, opensOn: '2022-10-27', dueOn: '2022-11-24' })] },
      units: ['emergency-office', 'fire-committee', 'fire-office', 'police-station', 'safety-committee', 'village-1'],
    });
  });

  it('the look-back sends nothing before its opening day, and its notice on it', () => {
    const closed = closeInvestigation(ctx('2022-07-27'), recorded.incident, investigation, close());
    const lookBack = closed.created.find((i) => i.dutyId === LOOK_BACK) as InstanceRecord;

    expect(stepsDue(stepsOf(lookBack), lookBack, '2022-10-26').act).toEqual([]);
    expect(stepsDue(stepsOf(lookBack), lookBack, '2022-10-27').act.map((s) => s.kind)).toEqual(['notice']);
  });

  it('takes the interval from the request, and counts months to the same day (or the month’s last)', () => {
    const closed = closeInvestigation(ctx('2022-07-27'), recorded.incident, investigation, close({ lookBackAfterMonths: 1 }));

    expect(closed.incident.lookBack).toMatchObject({ afterMonths: 1, on: '2022-08-27' });
    // 27 August 2022 is a Saturday: the look-back opens on Monday 29 August.
    expect(closed.created.find((i) => i.dutyId === LOOK_BACK)?.opensOn).toBe('2022-08-29');
    expect(lookBackDay('2022-11-30')).toBe('2023-02-28');
    expect(addMonths('2022-08-31', 1)).toBe('2022-09-30');
    expect(addMonths('2022-12-15', 3)).toBe('2023-03-15');
    expect(addMonths('2023-11-30', 3)).toBe('2024-02-29');
  });

  it('accepts an investigation report awaiting review, leaves an accepted one, and judges one still open late when the close is late', () => {
    const [a, b, c] = investigation as [InstanceRecord, InstanceRecord, InstanceRecord];
    const awaiting = { ...a, completedOn: '2022-07-20', review: 'awaiting' as const, reports: [{ n: 1, on: '2022-07-20', note: '调查报告', evidence: [] }], version: 2 };
    const accepted = { ...b, completedOn: '2022-07-18', review: 'accepted' as const, reports: [{ n: 1, on: '2022-07-18', note: '调查报告', evidence: [] }], version: 3 };
    // Closed on 3 August, after the due date (27 July).
    const closed = closeInvestigation(ctx('2022-08-03'), recorded.incident, [awaiting, accepted, c], close());

    expect(closed.updated.map((i) => [i.owner, i.completedOn, i.status, i.review])).toEqual([
      [a.owner, '2022-07-20', 'on_time', 'accepted'],
      [c.owner, '2022-08-03', 'late', 'accepted'],
    ]);
  });

  it('refuses to close twice, and a fire with no investigation, with 409', () => {
    const closed = closeInvestigation(ctx('2022-07-27'), recorded.incident, investigation, close());
    const again = thrown(() => closeInvestigation(ctx('2022-07-28'), closed.incident, closed.updated, close()));
    const none = thrown(() => closeInvestigation(ctx('2022-07-28'), recordIncident(ctx('2022-06-20'), 'fire-9', minor).incident, [], close()));

    expect(again).toBeInstanceOf(ConflictError);
    expect((again as ConflictError).message).toMatch(/already closed on 2022-07-27/);
    expect(none).toBeInstanceOf(ConflictError);
    expect((none as ConflictError).message).toMatch(/no extended investigation/);
  });

  it('refuses rectifications of unknown units, deadlines not after the close, and parties off the checklist, naming each', () => {
    const error = thrown(() =>
      closeInvestigation(
        ctx('2022-07-27'),
        recorded.incident,
        investigation,
        close({
          responsibleParties: [{ party: 'insurer' as never, name: '某保险公司' }],
          rectifications: [
            { what: '整改一', owner: 'no-such-unit', deadline: '2022-09-30' },
            { what: '整改二', owner: 'village-2', deadline: '2022-07-27' },
            { what: '整改三', owner: 'village-3', deadline: '2023-12-31' },
          ],
        }),
      ),
    );

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems.map((p) => p.path)).toEqual([
      'responsibleParties[0].party',
      'rectifications[0].owner',
      'rectifications[1].deadline',
      'rectifications[2].deadline',
    ]);
    expect((error as InvalidInputError).problems[2]?.message).toMatch(/not after today \(2022-07-27\)/);
  });
});

describe('where the chain stands', () => {
  it('investigating, rectifying, waiting for the look-back, in the look-back, in the accountability review, done', () => {
    const recorded = recordIncident(ctx('2022-06-20'), 'fire-1', fatal);
    expect(incidentStage(recorded.incident, mapOf(recorded.instances), '2022-06-20')).toBe('investigating');

    const closed = closeInvestigation(ctx('2022-07-27'), recorded.incident, recorded.instances.filter((i) => i.dutyId === INVESTIGATION), close());
    const instances = mapOf(recorded.instances, closed.updated, closed.created);
    const complete = (dutyId: string, on: IsoDate) => {
      for (const [id, i] of instances) if (i.dutyId === dutyId) instances.set(id, { ...i, completedOn: on });
    };
    expect(incidentStage(closed.incident, instances, '2022-07-27')).toBe('rectifying');
    complete(RECTIFICATION_DUTY, '2022-09-20');
    expect(incidentStage(closed.incident, instances, '2022-09-20')).toBe('look-back-scheduled');
    expect(incidentStage(closed.incident, instances, '2022-10-27')).toBe('look-back');
    complete(LOOK_BACK, '2022-11-10');
    expect(incidentStage(closed.incident, instances, '2022-11-10')).toBe('accountability-review');
    complete(ACCOUNTABILITY, '2022-11-11');
    expect(incidentStage(closed.incident, instances, '2022-11-11')).toBe('done');

    const view = incidentView(closed.incident, instances, '2022-11-11');
    expect(view.investigation?.duties[0]?.instances).toHaveLength(3);
    expect(view.rectifications.map((r) => r.instance?.completedOn)).toEqual(['2022-09-20', '2022-09-20']);
    expect(view.lookBack?.duties[0]?.instances.map((i) => i.opensOn)).toEqual(['2022-10-27']);
  });
});

describe('the owners’ mail', () => {
  it('one mail per address, in Chinese, HTML and text, saying the fire, what to do, by when, and where to report', () => {
    const recorded = recordIncident(ctx('2022-06-20'), 'fire-1', fatal);
    const notices = incidentNotices({ plan, today: '2022-06-20', consoleUrl: 'https://fireplan.example.org' }, recorded.incident, 'recorded', recorded.told);

    expect(notices.purpose).toBe('incident#fire-1#recorded');
    expect(notices.unreachable).toEqual([]);
    expect(notices.mails.map((m) => m.to)).toEqual([
      'emergency-office@qingfeng.example.org',
      'fire-committee@qingfeng.example.org',
      'police-station@qingfeng.example.org',
      'safety-committee@qingfeng.example.org',
    ]);
    const police = notices.mails.find((m) => m.units.includes('police-station'));
    expect(police?.content.subject).toBe('【火灾事故·新任务】派出所：火灾事故延伸调查（2022-06-15火灾，fire-1），请于2022-07-27前报送');
    expect(police?.content.text).toContain('青峰镇场镇某自建房于2022-06-15发生火灾（事故编号 fire-1；死亡1人，受伤2人；社会影响：一般）');
    expect(police?.content.text).toContain('调查范围：倒查工程建设、中介服务、消防产品质量、使用管理等各方主体责任');
    expect(police?.content.text).toContain('要求：请于2022-07-27前完成并报送。');
    expect(police?.content.text).toContain('任务编号 qingfeng:c05-extended-investigation:police-station:2022-06-15~fire-1');
    expect(police?.content.html).toContain('<a href="https://fireplan.example.org/instances/qingfeng%3Ac05-extended-investigation%3Apolice-station%3A2022-06-15~fire-1">');
    const committee = notices.mails.find((m) => m.units.includes('safety-committee'));
    expect(committee?.content.subject).toContain('亡人及有影响火灾事故责任倒查');
  });

  it('at the close, tells the rectification owners what to rectify and by when', () => {
    const recorded = recordIncident(ctx('2022-06-20'), 'fire-1', fatal);
    const closed = closeInvestigation(ctx('2022-07-27'), recorded.incident, recorded.instances.filter((i) => i.dutyId === INVESTIGATION), close());
    const notices = incidentNotices({ plan, today: '2022-07-27', consoleUrl: 'https://fireplan.example.org' }, closed.incident, 'closed', closed.told);

    expect(notices.mails.map((m) => m.to)).toEqual(['emergency-office@qingfeng.example.org', 'village-1@qingfeng.example.org']);
    const village = notices.mails.find((m) => m.units.includes('village-1'));
    expect(village?.content.subject).toMatch(/^【火灾事故·整改任务】.+：火灾事故整改：拆除违规搭建的电动自行车充电棚（2022-06-15火灾，fire-1），请于2022-09-30前报送$/);
    expect(village?.content.text).toContain('延伸调查已于2022-07-27结案');
    expect(village?.content.text).toContain('整改事项：拆除违规搭建的电动自行车充电棚');
  });
});

describe('the incident ledger', () => {
  it('one row per incident with its chain, under Chinese headers', async () => {
    const serious = recordIncident(ctx('2022-06-20'), 'fire-1', fatal);
    const closed = closeInvestigation(ctx('2022-07-27'), serious.incident, serious.instances.filter((i) => i.dutyId === INVESTIGATION), close());
    const small = recordIncident(ctx('2022-07-01'), 'fire-2', { ...minor, occurredOn: '2022-07-01' });
    const incidents: IncidentRecord[] = [small.incident, closed.incident];

    const bytes = await incidentLedgerWorkbook({ plan, incidents, instances: mapOf(serious.instances, closed.updated, closed.created), madeOn: '2022-07-28', madeAt: new Date('2022-07-28T02:00:00Z') });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('火灾事故台账');
    if (!sheet) throw new Error('no sheet 火灾事故台账');
    const headers = INCIDENT_LEDGER_COLUMNS.map((_, i) => sheet.getRow(HEADER_ROW).getCell(i + 1).value);
    const cell = (row: number, header: string) => sheet.getRow(row).getCell(headers.indexOf(header) + 1).value;

    expect(headers).toEqual(['序号', '事故编号', '发生日期', '发生地点', '死亡人数', '受伤人数', '社会影响', '事故概况', '登记日期', '当前阶段', '延伸调查', '调查范围', '调查结论', '责任主体', '责任倒查', '整改事项', '回头看']);
    expect(sheet.rowCount).toBe(HEADER_ROW + 2);
    expect(cell(HEADER_ROW + 1, '事故编号')).toBe('fire-1');
    expect(cell(HEADER_ROW + 1, '死亡人数')).toBe(1);
    expect(cell(HEADER_ROW + 1, '当前阶段')).toBe('整改中');
    expect(cell(HEADER_ROW + 1, '延伸调查')).toContain('派出所：按时完成（2022-06-15开始，期限2022-07-27，2022-07-27完成）');
    expect(cell(HEADER_ROW + 1, '调查范围')).toBe('工程建设、中介服务、消防产品质量、使用管理');
    expect(cell(HEADER_ROW + 1, '责任主体')).toBe('工程建设：某建筑公司\n使用管理：张某（某物业公司）');
    expect(cell(HEADER_ROW + 1, '整改事项')).toContain('1. 拆除违规搭建的电动自行车充电棚——示例');
    expect(cell(HEADER_ROW + 1, '回头看')).toContain('镇消防安全委员会办公室：进行中（2022-10-27开始，期限2022-11-24）');
    expect(cell(HEADER_ROW + 1, '责任倒查')).toContain('镇安委会：进行中（2022-06-15开始，期限2022-07-27）');
    expect(cell(HEADER_ROW + 2, '事故编号')).toBe('fire-2');
    expect(cell(HEADER_ROW + 2, '当前阶段')).toBe('无需延伸调查');
    expect(cell(HEADER_ROW + 2, '延伸调查')).toBe('未启动（无人员死亡或重大社会影响）');
  });
});
