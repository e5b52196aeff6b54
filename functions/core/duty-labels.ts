import type { InstanceRecord, ReviewState } from './instance.ts';
import type { InstanceStatus, Light } from './ladder.ts';
import { evidenceLabel } from './messages.ts';
import type { Cadence, Plan } from './plan-schema.ts';

/**
 * The Chinese words the documents of the API (the ledger, the calendar feed) use for an instance's
 * cadence, period, status, light, escalations and review, as a committee office writes them in a
 * 台账. Pure: no I/O, no clock.
 */

/** Cadences in the order of the ledger's sheets, with the sheet's name. */
export const cadenceLabels: readonly (readonly [Cadence, string])[] = [
  ['monthly', '月度'],
  ['quarterly', '季度'],
  ['semiannual', '半年'],
  ['annual', '年度'],
  ['academic-year', '学年'],
  ['once', '一次性'],
  ['event', '事件'],
  ['key-date', '重要节点'],
];

export function cadenceLabel(cadence: Cadence): string {
  return cadenceLabels.find(([c]) => c === cadence)?.[1] ?? cadence;
}

export const statusLabel: Record<InstanceStatus, string> = { on_time: '按时完成', late: '逾期完成', missed: '未完成', open: '进行中' };

export const lightLabel: Record<Light, string> = { green: '绿', yellow: '黄', red: '红' };

export const reviewLabel: Record<ReviewState, string> = { awaiting: '待审核', accepted: '已通过', returned: '已退回' };

/** The rungs of 三(三): 1 yellow, 2 red, 3 warning talk. */
export const escalationLabel: Record<1 | 2 | 3, string> = { 1: '黄灯督办', 2: '红灯通报', 3: '警示约谈' };

const QUARTERS = ['一', '二', '三', '四'];

/**
 * A period as a person says it: `2022年6月`, `2022年第二季度`, `2022年上半年`, `2022年`,
 * `2022—2023学年`; a key date's period is the key date's name with its day (`国庆（2022-10-01）`),
 * an event's or a one-off duty's is its day.
 */
export function periodLabel(record: Pick<InstanceRecord, 'cadence' | 'periodId'>, plan?: Plan): string {
  const id = record.periodId;
  let m: RegExpExecArray | null;
  switch (record.cadence) {
    case 'monthly':
      m = /^(\d{4})-(\d{2})$/.exec(id);
      return m ? `${m[1]}年${Number(m[2])}月` : id;
    case 'quarterly':
      m = /^(\d{4})-Q([1-4])$/.exec(id);
      return m ? `${m[1]}年第${QUARTERS[Number(m[2]) - 1]}季度` : id;
    case 'semiannual':
      m = /^(\d{4})-H([12])$/.exec(id);
      return m ? `${m[1]}年${m[2] === '1' ? '上' : '下'}半年` : id;
    case 'annual':
      return /^\d{4}$/.test(id) ? `${id}年` : id;
    case 'academic-year':
      m = /^(\d{4})-(\d{4})$/.exec(id);
      return m ? `${m[1]}—${m[2]}学年` : id;
    case 'key-date': {
      const keyDate = plan?.calendar.keyDates.find((k) => k.starts === id);
      return keyDate ? `${keyDate.name}（${id}）` : id;
    }
    default:
      return id;
  }
}

/** `会议纪要、签到表`: what the owner is asked to submit. */
export function evidenceKindsText(kinds: readonly string[]): string {
  return kinds.map((k) => evidenceLabel.zh[k] ?? k).join('、');
}

/** `不少于15人` (with the measure when it says more than the title: `新招录专职消防员不少于15人`). */
export function targetText(record: Pick<InstanceRecord, 'target'>): string {
  const t = record.target;
  if (!t) return '';
  return `${t.measure}${t.comparison === 'exactly' ? '' : '不少于'}${t.value}${t.unit}`;
}

/** `黄灯督办 2022-07-01；红灯通报 2022-07-07`. */
export function escalationsText(record: Pick<InstanceRecord, 'escalations'>): string {
  return record.escalations.map((e) => `${escalationLabel[e.level] ?? `第${e.level}级`} ${e.on}`).join('；');
}
