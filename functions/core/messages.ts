import type { WorkCalendar } from './calendar.ts';
import type { IsoDate } from './dates.ts';
import { actBy, type Digest, type DigestItem } from './follow-up.ts';
import { stepsOf, type InstanceRecord } from './instance.ts';
import type { StepKind } from './ladder.ts';
import type { Plan, Unit } from './plan-schema.ts';
import { planCalendar } from './schedule.ts';

/**
 * Emails in Chinese by default (English per recipient), each with a plain-text part and an HTML
 * part. The subject says what, whose and by when; the body says what to do, by when, what evidence
 * is asked for and how to report it done.
 */

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export type Language = 'zh' | 'en';

export interface MessageContext {
  plan: Plan;
  today: IsoDate;
  /** Where a unit reports work done, e.g. `https://fireplan.example.gov.cn`; the instance path is appended. */
  consoleUrl: string;
}

const stepLabel: Record<Language, Record<StepKind, string>> = {
  zh: { notice: '新任务', reminder: '到期提醒', yellow: '督办·黄灯', red: '督办·红灯', 'warning-talk': '警示约谈', missed: '未完成' },
  en: { notice: 'New duty', reminder: 'Reminder', yellow: 'Overdue · yellow', red: 'Overdue · red', 'warning-talk': 'Warning talk', missed: 'Missed' },
};

export const evidenceLabel: Record<Language, Record<string, string>> = {
  zh: { minutes: '会议纪要', 'sign-in-sheet': '签到表', photos: '照片', figures: '数据', report: '书面报告', document: '文件', ledger: '台账', list: '清单' },
  en: { minutes: 'minutes', 'sign-in-sheet': 'sign-in sheet', photos: 'photos', figures: 'figures', report: 'written report', document: 'document', ledger: 'ledger', list: 'list' },
};

const severity: StepKind[] = ['warning-talk', 'red', 'yellow', 'reminder', 'notice', 'missed'];

/** `第14条` for an item of 二、重点任务; `三（二）` for an item of 三、保障措施, as the document numbers them. */
export function clauseLabel(clause: string): string {
  if (/^\d+$/.test(clause)) return `第${clause}条`;
  return clause.replace('(', '（').replace(')', '）');
}

/** The subject's call to action for one item: by when, and what follows if it is not done. */
function subjectAction(item: DigestItem, language: Language): string {
  const by = actBy(item);
  const zh = language === 'zh';
  if (item.role === 'supervisor') return zh ? `逾期未报，请督促其于${by}前报送` : `overdue: see that it is reported by ${by}`;
  switch (item.step.kind) {
    case 'notice':
    case 'reminder':
      return zh ? `请于${by}前报送` : `report by ${by}`;
    case 'yellow':
      return zh ? `已逾期，请立即报送，${by}起亮红灯` : `overdue: report now, red from ${by}`;
    case 'red':
      return zh ? `逾期红灯，请立即报送，${by}起警示约谈` : `overdue (red): report now, warning talk from ${by}`;
    case 'warning-talk':
    case 'missed':
      return zh ? `已列入警示约谈，请立即报送` : `listed for a warning talk: report now`;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function detailRow(label: string, cell: string): string {
  return `<tr><th style="text-align:left;padding:2px 8px;vertical-align:top">${escapeHtml(label)}</th><td style="padding:2px 8px">${cell}</td></tr>`;
}

/**
 * The HTML of a mail's table of one duty: a row per `[label, value]`, the label on the left. The
 * value of the row labelled `link.label` is a link to `link.href`; with `lineBreaks`, the newlines
 * of the other values become `<br>`.
 */
export function detailTable(rows: readonly (readonly [string, string])[], link: { label: string; href: string }, options: { lineBreaks?: boolean } = {}): string {
  const cells = rows.map(([label, value]) => {
    if (label === link.label) return detailRow(label, `<a href="${escapeHtml(link.href)}">${escapeHtml(value)}</a>`);
    return detailRow(label, options.lineBreaks ? escapeHtml(value).replace(/\n/g, '<br>') : escapeHtml(value));
  });
  return `<table style="border-collapse:collapse;margin-bottom:12px">${cells.join('')}</table>`;
}

/** The HTML of a report's table: a header row, then a row per line, every cell bordered. */
export function gridTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const th = head.map((h) => `<th style="border:1px solid #ccc;padding:2px 6px">${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td style="border:1px solid #ccc;padding:2px 6px">${escapeHtml(String(c))}</td>`).join('')}</tr>`).join('');
  return `<table style="border-collapse:collapse"><tr>${th}</tr>${body}</table>`;
}

export function unitName(plan: Plan, id: string, language: Language = 'zh'): string {
  const unit: Unit | undefined = plan.units.find((u) => u.id === id);
  if (!unit) return id;
  return language === 'en' ? (unit.nameEn ?? unit.name) : unit.name;
}

export function reportLink(ctx: MessageContext, instanceId: string): string {
  return `${ctx.consoleUrl.replace(/\/$/, '')}/instances/${encodeURIComponent(instanceId)}`;
}

function evidenceText(item: DigestItem, language: Language): string {
  const sep = language === 'zh' ? '、' : ', ';
  return item.instance.evidence.map((e) => evidenceLabel[language][e] ?? e).join(sep);
}

function targetText(item: DigestItem, language: Language): string | undefined {
  const t = item.instance.target;
  if (!t) return undefined;
  const op = t.comparison === 'at-least' ? (language === 'zh' ? '不少于' : 'at least') : language === 'zh' ? '' : 'exactly';
  return language === 'zh' ? `${t.measure}${op}${t.value}${t.unit}` : `${t.measure}: ${op} ${t.value} ${t.unit}`;
}

/** One sentence: what this recipient must do about this item, and by when. */
export function instruction(ctx: MessageContext, item: DigestItem, language: Language): string {
  const i = item.instance;
  const owner = unitName(ctx.plan, i.owner, language);
  const by = actBy(item);
  if (language === 'zh') {
    if (item.role === 'supervisor') {
      return `${owner}尚未报送“${i.title.zh}”（期限${i.dueOn}），请督促其于${by}前完成并报送。`;
    }
    switch (item.step.kind) {
      case 'notice':
        return `请于${by}前完成并报送。`;
      case 'reminder':
        return `即将到期，请于${by}前完成并报送。`;
      case 'yellow':
        return `已逾期，请立即完成并报送；${by}前仍未报送将亮红灯，报分管负责人并予以通报批评。`;
      case 'red':
        return `已逾期（红灯），请立即完成并报送；${by}前仍未报送将由镇安委会进行警示约谈。`;
      case 'warning-talk':
      case 'missed':
        return `已列入警示约谈，请立即完成并报送，并准备书面情况说明；${by}起计为未完成。`;
    }
  }
  if (item.role === 'supervisor') return `${owner} has not reported "${i.title.en}" (due ${i.dueOn}); please see that it is done and reported by ${by}.`;
  switch (item.step.kind) {
    case 'notice':
      return `Please do it and report it done by ${by}.`;
    case 'reminder':
      return `Due soon: please do it and report it done by ${by}.`;
    case 'yellow':
      return `Overdue: please do it and report it now; if it is not reported by ${by} it turns red and is reported to the deputy head for public criticism.`;
    case 'red':
      return `Overdue (red): please do it and report it now; if it is not reported by ${by} the town safety committee holds a warning talk.`;
    case 'warning-talk':
    case 'missed':
      return `Listed for a warning talk: please do it and report it now, with a written explanation; from ${by} it counts as missed.`;
  }
}

function itemLines(ctx: MessageContext, item: DigestItem, language: Language): [string, string][] {
  const i = item.instance;
  const zh = language === 'zh';
  const rows: [string, string][] = [
    [zh ? '任务' : 'Duty', zh ? i.title.zh : i.title.en],
    [zh ? '出处' : 'Source', zh ? `《${ctx.plan.title.zh}》${clauseLabel(i.clause)}` : `${ctx.plan.title.en}, item ${i.clause}`],
    [zh ? '责任单位' : 'Owner', unitName(ctx.plan, i.owner, language)],
    [zh ? '周期' : 'Period', i.periodId],
    [zh ? '期限' : 'Due', i.dueOn],
    [zh ? '要求' : 'To do', instruction(ctx, item, language)],
    [zh ? '需提交材料' : 'Evidence', evidenceText(item, language)],
  ];
  const target = targetText(item, language);
  if (target) rows.push([zh ? '目标' : 'Target', target]);
  rows.push([zh ? '报送' : 'Report', `${reportLink(ctx, i.id)}${zh ? '（任务编号 ' : ' (duty instance '}${i.id}${zh ? '）' : ')'}`]);
  return rows;
}

export function digestEmail(ctx: MessageContext, digest: Digest): EmailContent {
  const language = digest.language;
  const zh = language === 'zh';
  const items = digest.items;
  const top = severity.find((k) => items.some((i) => i.step.kind === k)) ?? 'notice';
  const deadline = items.map(actBy).sort()[0] ?? ctx.today;
  const whose = digest.units.map((u) => unitName(ctx.plan, u, language)).join(zh ? '、' : ', ');
  const town = ctx.plan.town.name;
  const first = items[0];
  const subject =
    items.length === 1 && first
      ? zh
        ? `【${stepLabel.zh[top]}】${unitName(ctx.plan, first.instance.owner)}：${first.instance.title.zh}（${first.instance.periodId}），${subjectAction(first, 'zh')}`
        : `[${stepLabel.en[top]}] ${unitName(ctx.plan, first.instance.owner, 'en')}: ${first.instance.title.en} (${first.instance.periodId}), ${subjectAction(first, 'en')}`
      : zh
        ? `【${stepLabel.zh[top]}】${whose}：消防工作待办${items.length}项，最早须于${deadline}前办理`
        : `[${stepLabel.en[top]}] ${whose}: ${items.length} fire-safety duties, the first by ${deadline}`;

  const greeting = zh ? `${whose}：` : `To ${whose},`;
  const intro = zh
    ? `以下是${town}消防安全委员会办公室${ctx.today}的消防工作通知，共${items.length}项。`
    : `These are the fire-safety duties the ${town} fire-safety committee office sends you on ${ctx.today}: ${items.length} in all.`;
  const closing = zh
    ? `完成后请在上述链接报送，并附所需材料。如对任务有疑问，请联系镇消防安全委员会办公室。\n（本邮件由 Fireplan 自动发送，同一事项每天至多发送一次。）`
    : `When the work is done, report it at the link above with the evidence asked for. Questions: the town fire-safety committee office.\n(Sent by Fireplan; at most one message a day.)`;

  const sections = severity
    .map((kind) => ({ kind, list: items.filter((i) => i.step.kind === kind) }))
    .filter((s) => s.list.length > 0);

  const text = [
    greeting,
    '',
    intro,
    '',
    ...sections.flatMap((s) => [
      `■ ${stepLabel[language][s.kind]}（${s.list.length}）`,
      ...s.list.flatMap((item, n) => [...itemLines(ctx, item, language).map(([k, v], j) => `${j === 0 ? `${n + 1}. ` : '   '}${k}：${v}`), '']),
    ]),
    closing,
  ].join('\n');

  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(intro)}</p>`,
    ...sections.map(
      (s) =>
        `<h3>${escapeHtml(stepLabel[language][s.kind])}（${s.list.length}）</h3>` +
        s.list.map((item) => detailTable(itemLines(ctx, item, language), { label: zh ? '报送' : 'Report', href: reportLink(ctx, item.instance.id) })).join(''),
    ),
    `<p>${escapeHtml(closing).replace(/\n/g, '<br>')}</p>`,
    '</body></html>',
  ].join('\n');

  return { subject, text, html };
}

// The unit told that its report was returned, or its accepted work reopened

/** What the ladder does next to an instance that is open again and overdue, and from which day. */
export interface RungAhead {
  kind: Exclude<StepKind, 'notice' | 'reminder'>;
  /** The rung's own day on the ladder. */
  on: IsoDate;
  /**
   * The day the follow-up carries it out unless the work is reported before: the next working day
   * after `today` for a rung whose day has passed (or comes by then), else the rung's own day.
   */
  by: IsoDate;
}

/**
 * The next rung of an instance's ladder after a return or reopen on `today`. The next follow-up is
 * on the next working day: it carries out the highest rung whose day has come by then and that was
 * not carried out (the ones passed while the report stood are not sent one by one), or marks the
 * instance missed; after that, the first rung still ahead (yellow, red, warning talk, or the day it
 * counts as missed) on its own day. None once every rung is done, or while the duty is paused.
 */
export function rungAhead(instance: InstanceRecord, today: IsoDate, calendar: WorkCalendar): RungAhead | undefined {
  if (instance.pausedOn !== undefined) return undefined;
  const nextRun = calendar.addWorkdays(today, 1);
  const pending = stepsOf(instance).filter((s) => s.kind !== 'notice' && s.kind !== 'reminder' && !instance.done.includes(s.key));
  const atNextRun = pending.filter((s) => s.on <= nextRun);
  const rung = atNextRun.filter((s) => s.level > 0).at(-1) ?? atNextRun.find((s) => s.kind === 'missed' && s.on > today);
  if (rung) return { kind: rung.kind as RungAhead['kind'], on: rung.on, by: nextRun };
  const next = pending.find((s) => s.on > nextRun);
  return next ? { kind: next.kind as RungAhead['kind'], on: next.on, by: calendar.onOrAfter(next.on) } : undefined;
}

const reviewLabel: Record<Language, Record<'returned' | 'reopened', string>> = {
  zh: { returned: '退回重报', reopened: '重新办理' },
  en: { returned: 'Returned', reopened: 'Reopened' },
};

function rungSentence(rung: RungAhead, language: Language): string {
  if (language === 'zh') {
    switch (rung.kind) {
      case 'yellow':
        return `${rung.by}前仍未报送将亮黄灯督办。`;
      case 'red':
        return `${rung.by}前仍未报送将亮红灯，报分管负责人并予以通报批评。`;
      case 'warning-talk':
        return `${rung.by}前仍未报送将由镇安委会进行警示约谈。`;
      case 'missed':
        return `${rung.by}起计为未完成。`;
    }
  }
  switch (rung.kind) {
    case 'yellow':
      return `If it is not reported by ${rung.by}, it turns yellow and is chased by the committee office.`;
    case 'red':
      return `If it is not reported by ${rung.by}, it turns red and is reported to the deputy head for public criticism.`;
    case 'warning-talk':
      return `If it is not reported by ${rung.by}, the town safety committee holds a warning talk.`;
    case 'missed':
      return `From ${rung.by} it counts as missed.`;
  }
}

/** What the unit must do and by when: its due date while it is ahead; when overdue, now, and what the ladder does next. */
function reportAgain(instance: InstanceRecord, today: IsoDate, calendar: WorkCalendar, language: Language): string {
  const zh = language === 'zh';
  if (today <= instance.dueOn) {
    return zh ? `请按上述意见整改或补充材料，于${instance.dueOn}前重新报送。` : `Please act on the reason above and report the work again by ${instance.dueOn}.`;
  }
  const sentences = [
    zh
      ? `请按上述意见整改或补充材料后立即重新报送（期限${instance.dueOn}，现已逾期）。`
      : `Please act on the reason above and report the work again now: it was due on ${instance.dueOn} and is overdue.`,
  ];
  if (today >= instance.missedOn) {
    sentences.push(zh ? `已于${instance.missedOn}计为未完成，重新报送时请附书面情况说明。` : `It counts as missed since ${instance.missedOn}: report it all the same, with a written explanation.`);
  }
  const rung = rungAhead(instance, today, calendar);
  if (rung) sentences.push(rungSentence(rung, language));
  return sentences.join(zh ? '' : ' ');
}

/**
 * The mail that tells a unit its report was returned (退回) or its accepted work reopened, from the
 * instance as the return or reopen left it (its last review is that one): which duty and period,
 * the report of which day, the reviewer's reason, what to do and with what evidence, by when (the
 * due date while it is ahead; when overdue, the next rung of the ladder and its day), and the link
 * to report it again. `ctx.today` is the day of the review.
 */
export function returnedReportEmail(ctx: MessageContext, instance: InstanceRecord, language: Language, calendar: WorkCalendar = planCalendar(ctx.plan)): EmailContent {
  const review = instance.reviews?.at(-1);
  if (!review || review.outcome === 'accepted') throw new Error(`instance ${instance.id}: its last review is not a return or a reopen`);
  const outcome = review.outcome;
  const zh = language === 'zh';
  const owner = unitName(ctx.plan, instance.owner, language);
  const title = zh ? instance.title.zh : instance.title.en;
  const reportedOn = instance.reports.find((r) => r.n === review.report)?.on ?? instance.reports.at(-1)?.on ?? review.on;
  const town = ctx.plan.town.name;
  const overdue = ctx.today > instance.dueOn;
  const item: DigestItem = { instance, step: { key: 'notice', kind: 'notice', on: ctx.today, level: 0, notify: ['owner'] }, role: 'owner' };

  const subject = zh
    ? `【${reviewLabel.zh[outcome]}】${owner}：${title}（${instance.periodId}），${overdue ? '已逾期，请立即重新报送' : `请于${instance.dueOn}前重新报送`}`
    : `[${reviewLabel.en[outcome]}] ${owner}: ${title} (${instance.periodId}), ${overdue ? 'overdue: report it again now' : `report it again by ${instance.dueOn}`}`;
  const greeting = zh ? `${owner}：` : `To ${owner},`;
  const intro =
    outcome === 'returned'
      ? zh
        ? `${town}消防安全委员会办公室于${review.on}退回了你单位${reportedOn}报送的“${title}”（${instance.periodId}），该任务重新处于待办状态。`
        : `On ${review.on} the ${town} fire-safety committee office returned your report of ${reportedOn} on "${title}" (${instance.periodId}): the duty is open again.`
      : zh
        ? `${town}消防安全委员会办公室于${review.on}将你单位${reportedOn}报送并已审核通过的“${title}”（${instance.periodId}）重新打开，该任务需重新办理。`
        : `On ${review.on} the ${town} fire-safety committee office reopened "${title}" (${instance.periodId}), which you reported on ${reportedOn} and which had been accepted: the duty is open again.`;
  const todo = reportAgain(instance, ctx.today, calendar, language);
  const reportKey = zh ? '报送' : 'Report';
  const rows: [string, string][] = [
    [zh ? '任务' : 'Duty', title],
    [zh ? '出处' : 'Source', zh ? `《${ctx.plan.title.zh}》${clauseLabel(instance.clause)}` : `${ctx.plan.title.en}, item ${instance.clause}`],
    [zh ? '责任单位' : 'Owner', owner],
    [zh ? '周期' : 'Period', instance.periodId],
    [zh ? (outcome === 'returned' ? '退回原因' : '重新办理原因') : 'Reason', review.reason ?? ''],
    [zh ? '要求' : 'To do', todo],
    [zh ? '期限' : 'Due', instance.dueOn],
    [zh ? '需提交材料' : 'Evidence', evidenceText(item, language)],
  ];
  const target = targetText(item, language);
  if (target) rows.push([zh ? '目标' : 'Target', target]);
  rows.push([reportKey, `${reportLink(ctx, instance.id)}${zh ? '（任务编号 ' : ' (duty instance '}${instance.id}${zh ? '）' : ')'}`]);
  const closing = zh
    ? `重新报送后，镇消防安全委员会办公室将再次审核。如对审核意见有疑问，请联系镇消防安全委员会办公室。\n（本邮件由 Fireplan 自动发送。）`
    : `Once it is reported again, the town fire-safety committee office reviews it again. Questions about the reason: the town fire-safety committee office.\n(Sent by Fireplan.)`;

  const text = [greeting, '', intro, '', ...rows.map(([k, v]) => `${k}：${v}`), '', closing].join('\n');
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    `<p>${escapeHtml(greeting)}</p><p>${escapeHtml(intro)}</p>`,
    detailTable(rows, { label: reportKey, href: reportLink(ctx, instance.id) }, { lineBreaks: true }),
    `<p>${escapeHtml(closing).replace(/\n/g, '<br>')}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
