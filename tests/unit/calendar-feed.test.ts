import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { calendarFeed, FEED_HISTORY_DAYS, feedRecords, feedUid } from '../../functions/core/calendar-feed.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';
import { documentPlan, documentRecords, ids } from '../support/document-fixture.ts';

const plan = documentPlan();
const records = documentRecords(plan);
const mine = (unit: string) => records.filter((r) => r.owner === unit);
// 10:00 on 2022-06-25 in Shanghai.
const at = new Date('2022-06-25T02:00:00Z');

function parse(text: string) {
  const calendar = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => ({ vevent, event: new ICAL.Event(vevent) }));
  return { calendar, events };
}

function eventOf(text: string, id: string) {
  const found = parse(text).events.find(({ event }) => event.uid === feedUid({ id }));
  if (!found) throw new Error(`no event for ${id}`);
  return found;
}

describe('a unit’s calendar feed', () => {
  const savedTz = process.env['TZ'];
  afterEach(() => {
    if (savedTz === undefined) delete process.env['TZ'];
    else process.env['TZ'] = savedTz;
  });

  it('has one all-day event per instance of the unit on its due date, with the instance id as UID and its version as SEQUENCE', () => {
    const text = calendarFeed({ plan, unit: 'emergency-office', records: mine('emergency-office'), at });
    const { events } = parse(text);

    expect(events.map(({ event }) => event.uid).sort()).toEqual([`${ids.analysis('emergency-office')}@fireplan`, `${ids.meeting()}@fireplan`]);
    for (const { event, vevent } of events) {
      expect(event.startDate.isDate).toBe(true);
      expect(event.startDate.toString()).toBe('2022-06-30');
      expect(event.endDate.toString()).toBe('2022-07-01');
      expect(vevent.getFirstPropertyValue('transp')).toBe('TRANSPARENT');
      expect(String(vevent.getFirstPropertyValue('dtstamp'))).toBe('2022-06-25T02:00:00Z');
    }
    expect(eventOf(text, ids.analysis('emergency-office')).event.sequence).toBe(3);
  });

  it('titles each event 【消防】<duty> 截止 and describes the clause, period, evidence to submit and status', () => {
    const overdueDay = new Date('2022-07-02T02:00:00Z');
    const villageOne = calendarFeed({ plan, unit: 'village-1', records: mine('village-1'), at: overdueDay });
    const office = calendarFeed({ plan, unit: 'emergency-office', records: mine('emergency-office'), at: overdueDay });

    const overdue = eventOf(villageOne, ids.analysis('village-1')).event;
    const done = eventOf(office, ids.analysis('emergency-office')).event;
    const meeting = eventOf(office, ids.meeting()).event;
    expect(overdue.summary).toBe('【消防】每月分析消防安全形势 截止（已逾期）');
    expect(done.summary).toBe('【消防】每月分析消防安全形势 截止（已报送）');
    expect(overdue.description.split('\n')).toEqual(
      expect.arrayContaining(['条款：第2条', '周期：2022年6月', '开始日期：2022-06-01', '应报材料：会议纪要、签到表', '状态：进行中（黄灯）', '督办记录：黄灯督办 2022-07-01']),
    );
    expect(meeting.description).toContain('目标：参会人数不少于15人');
    expect(meeting.description).toContain('条款：三（二）');
  });

  it('names the calendar, its time zone and how often to refresh it', () => {
    const { calendar } = parse(calendarFeed({ plan, unit: 'village-1', records: mine('village-1'), at }));

    expect(calendar.getFirstPropertyValue('x-wr-calname')).toBe('青峰镇消防工作 · 示例村一');
    expect(calendar.getFirstPropertyValue('x-wr-timezone')).toBe('Asia/Shanghai');
    expect(String(calendar.getFirstPropertyValue('refresh-interval'))).toBe('PT3H');
    expect(calendar.getFirstPropertyValue('method')).toBe('PUBLISH');
  });

  it('alarms at 09:00 China time on the reminder days still to come of an open instance only', () => {
    const text = calendarFeed({ plan, unit: 'emergency-office', records: [...mine('emergency-office'), ...mine('village-1').map((r) => ({ ...r, owner: 'emergency-office' }))], at });

    const open = eventOf(text, ids.analysis('village-1')).vevent;
    const done = eventOf(text, ids.analysis('emergency-office')).vevent;
    // Reminders on 2022-06-23 (past on the 25th) and 2022-06-29.
    expect(open.getAllSubcomponents('valarm').map((a) => String(a.getFirstPropertyValue('trigger')))).toEqual(['2022-06-29T01:00:00Z']);
    expect(done.getAllSubcomponents('valarm')).toEqual([]);
  });

  it('keeps open instances and those due in the last 92 days, and leaves older closed ones out', () => {
    const old: InstanceRecord = { ...records[0]!, id: ids.analysis('emergency-office', '2022-01'), periodId: '2022-01', dueOn: '2022-01-28', completedOn: '2022-01-20' };
    const oldOpen: InstanceRecord = { ...records[1]!, id: ids.analysis('village-1', '2022-01'), periodId: '2022-01', dueOn: '2022-01-28' };
    const today = '2022-06-25';

    const shown = feedRecords([old, oldOpen, ...records], today).map((r) => r.id);

    expect(FEED_HISTORY_DAYS).toBe(92);
    expect(shown).toContain(oldOpen.id);
    expect(shown).not.toContain(old.id);
    expect(shown).toHaveLength(records.length + 1);
  });

  it('puts each event on the same calendar day whatever the time zone of the process', () => {
    process.env['TZ'] = 'America/Los_Angeles';
    const west = calendarFeed({ plan, unit: 'village-1', records: mine('village-1'), at });
    process.env['TZ'] = 'Pacific/Kiritimati';
    const east = calendarFeed({ plan, unit: 'village-1', records: mine('village-1'), at });

    expect(west).toBe(east);
    expect(eventOf(west, ids.analysis('village-1')).event.startDate.toString()).toBe('2022-06-30');
  });

  it('escapes text so that a title with commas and semicolons survives', () => {
    const odd = { ...records[1]!, title: { zh: '检查, 整改; 复查', en: 'x' } };
    const { event } = eventOf(calendarFeed({ plan, unit: 'village-1', records: [odd], at }), odd.id);

    expect(event.summary).toBe('【消防】检查, 整改; 复查 截止');
  });
});
