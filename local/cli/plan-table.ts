import type { Cadence, Duty, Plan, UnitKind } from '../../functions/core/plan-schema.ts';
import { unitsById } from '../../functions/core/schedule.ts';

type EventKind = NonNullable<Duty['event']>;

/** How the document names every unit of a kind: 各村, 镇属各部门 … */
const EVERY: Record<UnitKind, string> = {
  village: '各村',
  residential: '各社区',
  department: '镇属各部门',
  'district-department': '区级延伸部门',
  school: '各学校',
  committee: '各委员会',
  leadership: '镇领导',
  other: '其他单位',
};

const CADENCE: Record<Cadence, string> = {
  monthly: '每月 monthly',
  quarterly: '每季度 quarterly',
  semiannual: '每半年 semiannual',
  annual: '每年 annual',
  'academic-year': '每学年 academic year',
  once: '一次 once',
  event: '事件触发 event',
  'key-date': '重要节点 key date',
};

const EVENT: Record<EventKind, string> = {
  'serious-fire': '亡人及有影响火灾 serious fire',
  'investigation-closed': '延伸调查结案 investigation closed',
  'major-hazard': '重大火灾隐患 major hazard',
  'committee-change': '委员会成员变动 committee change',
};

const HEADER = ['Item', 'Duty', 'Owners', 'Cadence', 'Target'];

/**
 * The plan as a Markdown table, item → duty → owners → cadence → target: one row per duty, in the
 * order of the plan file.
 */
export function planTable(plan: Plan): string[] {
  const rows = plan.duties.map((duty) => [duty.clause, `${duty.title.zh} (\`${duty.id}\`)`, owners(plan, duty), cadence(plan, duty), target(duty)]);
  return [row(HEADER), `|${HEADER.map(() => '---').join('|')}|`, ...rows.map(row)];
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

/** A cell cannot hold a `|` or a line break. */
function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function owners(plan: Plan, duty: Duty): string {
  const units = unitsById(plan);
  return duty.owners.map((owner) => (typeof owner === 'string' ? (units.get(owner)?.name ?? owner) : EVERY[owner.every])).join('、');
}

function cadence(plan: Plan, duty: Duty): string {
  const name = CADENCE[duty.cadence];
  if (duty.cadence === 'event' && duty.event !== undefined) return `${name}: ${EVENT[duty.event]}`;
  if (duty.cadence === 'key-date') {
    const all = duty.keyDates === undefined || duty.keyDates.length === 0;
    const keyDates = plan.calendar.keyDates.filter((k) => all || duty.keyDates?.includes(k.id));
    const names = keyDates.map((k) => k.name).join('、');
    return all ? `${name}: 全部 all${names === '' ? '' : ` (${names})`}` : `${name}: ${names}`;
  }
  return name;
}

function target(duty: Duty): string {
  if (duty.target === undefined) return '';
  const { comparison, value, unit } = duty.target;
  return `${comparison === 'at-least' ? '≥' : '='} ${value} ${unit}`;
}
