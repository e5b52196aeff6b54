import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import type { HazardRecord } from '../../functions/core/hazards.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import {
  alertDayOf,
  alertsDueOn,
  earlierAlertDays,
  keyDateAlertEmail,
  keyDateAlertMails,
  keyDateWindows,
  listedHazardsFor,
  unitAlerts,
  unreachableUnits,
  vigilanceInstances,
  type KeyDateWindow,
} from '../../functions/core/key-date-alerts.ts';
import type { MessageContext } from '../../functions/core/messages.ts';
import { instancesToOpen } from '../../functions/core/opening.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { planSchema, type KeyDate, type Plan } from '../../functions/core/plan-schema.ts';
import { planCalendar } from '../../functions/core/schedule.ts';

const plan = parsePlan(readFileSync('plans/qingfeng-2022.yaml', 'utf8'), 'plans/qingfeng-2022.yaml');
const calendar = planCalendar(plan);
const CONSOLE = 'https://fireplan.example.org';

/** The Qingfeng plan with some of its parts replaced (validated as a plan file is). */
function variant(change: (p: Plan) => Partial<Plan>): Plan {
  return planSchema.parse({ ...plan, ...change(plan) });
}

function windowOf(p: Plan, id: string): KeyDateWindow {
  const found = keyDateWindows(p, planCalendar(p)).find((w) => w.keyDate.id === id);
  if (!found) throw new Error(`no key date ${id}`);
  return found;
}

function ctx(today: IsoDate, p: Plan = plan): MessageContext {
  return { plan: p, today, consoleUrl: CONSOLE };
}

function hazard(overrides: Partial<HazardRecord> = {}): HazardRecord {
  return {
    id: 'hz-20220610-0a1b2c3d',
    town: 'qingfeng',
    place: '青峰镇老街12号',
    area: 'village-1',
    category: 'three-in-one',
    grade: 'major',
    description: '“三合一”场所住宿与经营未分隔，疏散通道堵塞',
    owner: 'emergency-office',
    foundOn: '2022-06-10',
    deadline: '2022-09-08',
    status: 'open',
    closedOn: null,
    listed: { since: '2022-06-13', deadline: '2022-10-31', progress: [] },
    instanceId: 'qingfeng:c08-special-governance:emergency-office:2022-06-10~hz-20220610-0a1b2c3d',
    version: 1,
    ...overrides,
  };
}

/** The key date's instances as the dated opener opens them on a day. */
function openedOn(p: Plan, day: IsoDate, window: KeyDateWindow): InstanceRecord[] {
  return instancesToOpen(p, 'v1', 'dated', day, planCalendar(p)).filter((r) => r.cadence === 'key-date' && r.periodId === window.period.id);
}

describe('the alert day of a key date', () => {
  it('is 5 working days before each 2022 key date by default, on the State Council calendar', () => {
    expect(plan.defaults.keyDateAlertWorkdays).toBe(5);
    expect(keyDateWindows(plan, calendar).map((w) => [w.keyDate.name, w.starts, w.alertOn, w.checkBy])).toEqual([
      // 五一 (30 April – 4 May): the 29th back to Monday the 25th; Sunday the 24th is the make-up working day before them.
      ['五一', '2022-04-30', '2022-04-25', '2022-04-29'],
      ['西洽会', '2022-05-20', '2022-05-13', '2022-05-19'],
      ['市第六次党代会', '2022-05-27', '2022-05-20', '2022-05-26'],
      ['智博会', '2022-08-22', '2022-08-15', '2022-08-19'],
      // 国庆 starts on Saturday 1 October, a holiday: counted back from Friday the 30th.
      ['国庆', '2022-10-01', '2022-09-26', '2022-09-30'],
      // 党的二十大 starts on Sunday 16 October: counted back from Friday the 14th.
      ['党的二十大', '2022-10-16', '2022-10-10', '2022-10-14'],
    ]);
  });

  it('counts make-up working days and skips holidays: never a rest day, the last working day before one', () => {
    // Monday 10 October 2022: the 9th and 8th (Sunday, Saturday) are make-up working days, 1–7 October the holiday.
    expect(alertDayOf({ starts: '2022-10-10' }, 1, calendar)).toBe('2022-10-09');
    expect(alertDayOf({ starts: '2022-10-10' }, 2, calendar)).toBe('2022-10-08');
    expect(alertDayOf({ starts: '2022-10-10' }, 3, calendar)).toBe('2022-09-30');
    // Dragon Boat Festival 2022 (3–5 June): 5 working days before Wednesday 8 June is Tuesday 31 May.
    expect(alertDayOf({ starts: '2022-06-08' }, 5, calendar)).toBe('2022-05-31');
    for (const w of keyDateWindows(plan, calendar)) expect(calendar.isWorkday(w.alertOn)).toBe(true);
  });

  it("follows the plan's setting", () => {
    const earlier = variant((p) => ({ defaults: { ...p.defaults, keyDateAlertWorkdays: 10 } }));
    // 10 working days before 国庆: back over the week of 26 September and the week of the 19th.
    expect(windowOf(earlier, 'national-day').alertOn).toBe('2022-09-19');
    // 10 before 党的二十大: 10–14 October, the make-up days 8 and 9 October, then 28–30 September.
    expect(windowOf(earlier, 'party-congress-20').alertOn).toBe('2022-09-28');
  });

  it('leaves out key dates outside the time the plan is in force', () => {
    const p = variant((q) => ({ calendar: { ...q.calendar, keyDates: [...q.calendar.keyDates, { id: 'spring-festival', name: '春节', kind: 'holiday', starts: '2023-01-21' }] } }));
    expect(keyDateWindows(p, planCalendar(p)).map((w) => w.keyDate.id)).not.toContain('spring-festival');
  });
});

describe('which key dates are alerted on a day', () => {
  const due = (day: IsoDate, p: Plan = plan) => alertsDueOn(p, day, planCalendar(p)).map((w) => w.keyDate.id);

  it('the alert day, and nothing the working day before it or on a rest day', () => {
    expect(due('2022-09-26')).toEqual(['national-day']);
    expect(due('2022-09-23')).toEqual([]);
    expect(due('2022-09-25')).toEqual([]);
    expect(due('2022-04-25')).toEqual(['labour-day']);
    expect(due('2022-04-24')).toEqual([]);
    expect(due('2022-08-15')).toEqual(['smart-expo']);
  });

  it('stays due until the key date ends, so that a missed or late alert goes out on the next run', () => {
    expect(due('2022-09-30')).toEqual(['national-day']);
    expect(due('2022-10-08')).toEqual([]);
    // 西洽会 (20–23 May) and 市第六次党代会 (alert on 20 May) overlap.
    expect(due('2022-05-20')).toEqual(['western-fair', 'cq-party-congress-6']);
    expect(due('2022-05-24')).toEqual(['cq-party-congress-6']);
  });

  it('a key date entered fewer than N working days before it is alerted on the next run', () => {
    const p = variant((q) => ({
      calendar: { ...q.calendar, keyDates: [...q.calendar.keyDates, { id: 'fire-drill-week', name: '全镇消防演练周', kind: 'event', starts: '2022-06-08', ends: '2022-06-10' } satisfies KeyDate] },
    }));
    const w = windowOf(p, 'fire-drill-week');
    expect(w.alertOn).toBe('2022-05-31');
    // Entered on Monday 6 June: due on that day's run; the earlier working days of its window are where an alert could already be.
    expect(due('2022-06-06', p)).toContain('fire-drill-week');
    expect(earlierAlertDays(p, w, '2022-06-06', planCalendar(p))).toEqual(['2022-05-31', '2022-06-01', '2022-06-02']);
    expect(earlierAlertDays(p, w, '2022-05-31', planCalendar(p))).toEqual([]);
  });
});

describe('the raised-vigilance duties of a key date', () => {
  const national = windowOf(plan, 'national-day');

  it('are the instances the dated opener opens on the alert day, when the plan opens them then', () => {
    const made = vigilanceInstances(plan, 'v1', national, '2022-09-26', calendar);
    expect(made.map((r) => [r.id, r.opensOn, r.dueOn])).toEqual([
      ['qingfeng:c09-key-date-risk-alert:fire-office:2022-10-01', '2022-09-26', '2022-09-29'],
      ['qingfeng:c09-key-date-inspection:emergency-office:2022-10-01', '2022-09-26', '2022-09-30'],
      ['qingfeng:c09-key-date-inspection:police-station:2022-10-01', '2022-09-26', '2022-09-30'],
    ]);
    expect(made).toEqual(openedOn(plan, '2022-09-26', national));
  });

  it('open on the alert day when the plan would open them later', () => {
    const p = variant((q) => ({ defaults: { ...q.defaults, keyDateAlertWorkdays: 8 } }));
    const w = windowOf(p, 'national-day');
    expect(w.alertOn).toBe('2022-09-21');
    expect(openedOn(p, w.alertOn, w)).toEqual([]);
    const made = vigilanceInstances(p, 'v1', w, w.alertOn, planCalendar(p));
    expect(made.map((r) => [r.dutyId, r.owner, r.opensOn, r.dueOn, r.nextActionOn])).toEqual([
      ['c09-key-date-risk-alert', 'fire-office', '2022-09-21', '2022-09-29', '2022-09-21'],
      ['c09-key-date-inspection', 'emergency-office', '2022-09-21', '2022-09-30', '2022-09-21'],
      ['c09-key-date-inspection', 'police-station', '2022-09-21', '2022-09-30', '2022-09-21'],
    ]);
    // Reminders stay after the opening day (1 working day before the due date).
    expect(made.map((r) => r.reminders)).toEqual([['2022-09-28'], ['2022-09-29'], ['2022-09-29']]);
  });

  it('leave out a paused duty', () => {
    const p = variant((q) => ({ duties: q.duties.map((d) => (d.id === 'c09-key-date-inspection' ? { ...d, paused: true } : d)) }));
    expect(vigilanceInstances(p, 'v1', windowOf(p, 'national-day'), '2022-09-26', planCalendar(p)).map((r) => r.dutyId)).toEqual(['c09-key-date-risk-alert']);
  });
});

describe('who gets what', () => {
  const national = windowOf(plan, 'national-day');
  const instances = openedOn(plan, '2022-09-26', national);
  const hazards = [
    hazard(),
    hazard({ id: 'hz-20220701-11111111', area: 'community-1', place: '滨河社区3栋', owner: 'construction-office', listed: { since: '2022-07-04', deadline: '2022-09-30', progress: [] } }),
    hazard({ id: 'hz-20220702-22222222', area: 'village-1', listed: null, grade: 'general', place: '未挂牌的隐患' }),
    hazard({ id: 'hz-20220703-33333333', area: 'village-1', status: 'closed', closedOn: '2022-09-01', place: '已销案的隐患' }),
  ];
  const alerts = unitAlerts(plan, national, instances, hazards);
  const of = (unit: string) => {
    const found = alerts.find((a) => a.unit.id === unit);
    if (!found) throw new Error(`no alert for ${unit}`);
    return found;
  };

  it('every unit with a contact, once, in the order of the plan', () => {
    expect(alerts.map((a) => a.unit.id)).toEqual(plan.units.map((u) => u.id));
    expect(new Set(alerts.map((a) => a.unit.id)).size).toBe(plan.units.length);
  });

  it('not a unit without a contact, nor a retired one; those without a contact are reported', () => {
    const p = variant((q) => ({
      units: q.units.map((u) => (u.id === 'village-2' ? { ...u, contacts: [] } : u.id === 'village-3' ? { ...u, retired: '2022-07-01' } : u)),
    }));
    const ids = unitAlerts(p, windowOf(p, 'national-day'), [], []).map((a) => a.unit.id);
    expect(ids).not.toContain('village-2');
    expect(ids).not.toContain('village-3');
    expect(ids).toHaveLength(plan.units.length - 2);
    expect(unreachableUnits(p)).toEqual(['village-2']);
  });

  it('the owners of the inspection duty get their instance, the office its alert duty, the others none', () => {
    expect(of('police-station').duties.map((d) => [d.id, d.dueOn])).toEqual([['qingfeng:c09-key-date-inspection:police-station:2022-10-01', '2022-09-30']]);
    expect(of('emergency-office').duties.map((d) => d.dutyId)).toEqual(['c09-key-date-inspection']);
    expect(of('fire-office').duties.map((d) => d.dutyId)).toEqual(['c09-key-date-risk-alert']);
    expect(of('village-1').duties).toEqual([]);
    expect(of('economic-office').duties).toEqual([]);
  });

  it("a village sees the listed, open hazards of its own area; leadership, the committees and the inspectors the whole town's", () => {
    expect(of('village-1').scope).toBe('area');
    expect(of('village-1').hazards.map((h) => h.id)).toEqual(['hz-20220610-0a1b2c3d']);
    expect(of('community-1').hazards.map((h) => h.id)).toEqual(['hz-20220701-11111111']);
    expect(of('village-4').hazards).toEqual([]);
    // An owner of a rectification that is not its area does not see it as its area's.
    expect(of('construction-office').hazards).toEqual([]);
    for (const unit of ['town-head', 'fire-office', 'police-station', 'emergency-office']) {
      expect(of(unit).scope).toBe('town');
      // Earliest listed-supervision deadline first.
      expect(of(unit).hazards.map((h) => h.id)).toEqual(['hz-20220701-11111111', 'hz-20220610-0a1b2c3d']);
    }
  });

  it('listedHazardsFor keeps only what is listed and open', () => {
    expect(listedHazardsFor({ id: 'village-1' }, hazards, 'area').map((h) => h.place)).toEqual(['青峰镇老街12号']);
  });

  it('one mail per contact with the purpose of the key date; none to an address that had it before', () => {
    const mails = keyDateAlertMails(ctx('2022-09-26'), alerts);
    expect(mails).toHaveLength(plan.units.length);
    expect(new Set(mails.map((m) => m.purpose))).toEqual(new Set(['key-date-alert#national-day']));
    expect(mails.find((m) => m.unit === 'police-station')).toMatchObject({
      recipient: 'police-station@qingfeng.example.org',
      language: 'zh',
      instanceIds: ['qingfeng:c09-key-date-inspection:police-station:2022-10-01'],
      hazardIds: ['hz-20220701-11111111', 'hz-20220610-0a1b2c3d'],
    });
    const later = keyDateAlertMails(ctx('2022-09-27'), alerts, new Set(['village-1@qingfeng.example.org', 'fire-office@qingfeng.example.org']));
    expect(later.map((m) => m.unit)).not.toContain('village-1');
    expect(later).toHaveLength(plan.units.length - 2);
  });
});

describe('the alert message', () => {
  const national = windowOf(plan, 'national-day');
  const instances = openedOn(plan, '2022-09-26', national);
  const alerts = unitAlerts(plan, national, instances, [hazard(), hazard({ id: 'hz-20220701-11111111', area: 'community-1', place: '滨河社区3栋<b>', owner: 'construction-office' })]);
  const alertFor = (unit: string) => {
    const found = alerts.find((a) => a.unit.id === unit);
    if (!found) throw new Error(`no alert for ${unit}`);
    return found;
  };

  it('in Chinese: the key date, when, the raised-vigilance window, what to do by when and the area’s listed hazards', () => {
    const mail = keyDateAlertEmail(ctx('2022-09-26'), alertFor('village-1'), 'zh');
    expect(mail.subject).toBe('【风险提示】示例村一：国庆（2022-10-01至2022-10-07）火灾防范提级，请于2022-09-30前完成隐患排查，辖区挂牌督办隐患1处');
    expect(mail.text).toContain('示例村一：');
    expect(mail.text).toContain('重要节日“国庆”即将到来（2022-10-01至2022-10-07）');
    expect(mail.text).toContain('《2022年青峰镇消防工作要点》第9条');
    expect(mail.text).toContain('防范提级期：2022-09-26至2022-10-07');
    expect(mail.text).toMatch(/开展隐患排查：组织村（社区）干部和网格员.*于2022-09-30前完成/);
    expect(mail.text).toContain('涉会、涉节场所实施重点监护');
    expect(mail.text).toContain('2022-10-01至2022-10-07期间落实领导带班和24小时值班值守');
    expect(mail.text).toContain('■ 辖区挂牌督办的重大火灾隐患（1处）');
    expect(mail.text).toContain('1. 青峰镇老街12号（“三合一”场所）：“三合一”场所住宿与经营未分隔，疏散通道堵塞；整改责任单位：应急办；挂牌督办期限：2022-10-31');
    expect(mail.text).not.toContain('滨河社区3栋');
    expect(mail.text).not.toContain('你单位本节点的工作任务');
    expect(mail.html).toContain('<h3>辖区挂牌督办的重大火灾隐患（1处）</h3>');
  });

  it("to an inspector: its duty with its due date and link, and the whole town's listed hazards, escaped in HTML", () => {
    const mail = keyDateAlertEmail(ctx('2022-09-26'), alertFor('police-station'), 'zh');
    expect(mail.subject).toBe('【风险提示】派出所：国庆（2022-10-01至2022-10-07）火灾防范提级，请于2022-09-30前完成隐患排查，全镇挂牌督办隐患2处');
    expect(mail.text).toContain('■ 你单位本节点的工作任务（1项）');
    expect(mail.text).toContain('1. 重要节点消防安全检查和涉会涉节场所重点监护：2022-09-26开始，请于2022-09-30前完成并报送（需提交材料：书面报告、台账、照片）');
    const id = 'qingfeng:c09-key-date-inspection:police-station:2022-10-01';
    expect(mail.text).toContain(`报送：${CONSOLE}/instances/${encodeURIComponent(id)}（任务编号 ${id}）`);
    expect(mail.html).toContain(`<a href="${CONSOLE}/instances/${encodeURIComponent(id)}">`);
    expect(mail.text).toContain('所在区域：示例社区一');
    expect(mail.text).toContain('滨河社区3栋<b>');
    expect(mail.html).toContain('滨河社区3栋&lt;b&gt;');
    expect(mail.html).not.toContain('<b>');
  });

  it('says there is none when the area has no listed hazard', () => {
    const mail = keyDateAlertEmail(ctx('2022-09-26'), alertFor('village-5'), 'zh');
    expect(mail.subject).toBe('【风险提示】示例村五：国庆（2022-10-01至2022-10-07）火灾防范提级，请于2022-09-30前完成隐患排查');
    expect(mail.text).toContain('辖区目前没有挂牌督办的重大火灾隐患。');
  });

  it('sent late: the window from today, checks now', () => {
    const mail = keyDateAlertEmail(ctx('2022-10-08'), alertFor('village-5'), 'zh');
    expect(mail.subject).toBe('【风险提示】示例村五：国庆（2022-10-01至2022-10-07）火灾防范提级，请立即开展隐患排查');
    expect(mail.text).toContain('正在进行');
    const party = unitAlerts(plan, windowOf(plan, 'party-congress-20'), [], [])[0];
    if (!party) throw new Error('no alert');
    expect(keyDateAlertEmail(ctx('2022-10-12'), party, 'zh').text).toContain('防范提级期：2022-10-12至2022-10-22');
  });

  it('in English for a contact who reads English', () => {
    const mail = keyDateAlertEmail(ctx('2022-09-26'), alertFor('police-station'), 'en');
    expect(mail.subject).toBe('[Risk alert] Police station: 国庆 (2022-10-01 to 2022-10-07), raised fire vigilance: finish hazard checks by 2022-09-30; 2 listed major hazards in the town');
    expect(mail.text).toContain('The public holiday "国庆" is coming (2022-10-01 to 2022-10-07).');
    expect(mail.text).toContain('Raised vigilance: 2022-09-26 to 2022-10-07');
    expect(mail.text).toContain('Key-date fire inspections and close watch over venues: from 2022-09-26; do it and report it done by 2022-09-30 (evidence: written report, ledger, photos)');
    expect(mail.text).toContain('"three-in-one" premises');
    expect(mail.text).not.toMatch(/请|工作要求|防范提级期|辖区/);
  });

  it('follows the language of each contact', () => {
    const p = variant((q) => ({ units: q.units.map((u) => (u.id === 'village-2' ? { ...u, contacts: u.contacts.map((c) => ({ ...c, language: 'en' as const })) } : u)) }));
    const mails = keyDateAlertMails(ctx('2022-09-26', p), unitAlerts(p, windowOf(p, 'national-day'), [], []));
    expect(mails.find((m) => m.unit === 'village-2')?.content.subject).toMatch(/^\[Risk alert\] Village 2 \(example\): 国庆/);
    expect(mails.find((m) => m.unit === 'village-1')?.content.subject).toMatch(/^【风险提示】示例村一：国庆/);
  });
});
