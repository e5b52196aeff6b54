import { z } from 'zod';
import { isIsoDate } from './dates.ts';

/**
 * The plan file format. A plan is data: the engine is generic, next year's plan is a new file.
 * Every duty cites the clause of the source document it comes from.
 */

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const slug = z.string().regex(SLUG, 'expected a lower-case id of letters, digits and single hyphens (kebab-case)').max(64);
export const isoDate = z.string().refine(isIsoDate, 'expected a calendar date as YYYY-MM-DD');

/** `"1"` … `"17"` for 二、重点任务 and `"三(一)"` … for 三、保障措施, as DESIGN.md defines. */
export const clause = z
  .string()
  .regex(/^(?:[1-9]\d?|[一二三四五六七八九十]\([一二三四五六七八九十]+\))$/, 'expected an item number such as "2" or "三(三)"');

export const unitKinds = ['department', 'district-department', 'village', 'residential', 'leadership', 'committee', 'school', 'other'] as const;
export const cadences = ['monthly', 'quarterly', 'semiannual', 'annual', 'academic-year', 'once', 'event', 'key-date'] as const;
export const evidenceKinds = ['minutes', 'sign-in-sheet', 'photos', 'figures', 'report', 'document', 'ledger', 'list'] as const;
/**
 * Events that open duties. `serious-fire` is a fire with deaths or major social impact: the document
 * names the same class for the extended investigation (item 5) and the accountability review (三(三)).
 */
export const eventKinds = ['serious-fire', 'investigation-closed', 'major-hazard', 'committee-change'] as const;

export const contactSchema = z.strictObject({
  name: z.string().min(1).max(60).optional(),
  role: z.string().min(1).max(60).optional(),
  email: z.email(),
  language: z.enum(['zh', 'en']).default('zh'),
  /** true for an address that stands in for a real one (example.org): mail to it goes to the local mailbox only. */
  placeholder: z.boolean().default(false),
});

export const unitSchema = z.strictObject({
  id: slug,
  name: z.string().min(1).max(60),
  nameEn: z.string().min(1).max(120).optional(),
  kind: z.enum(unitKinds),
  parent: slug.optional(),
  contacts: z.array(contactSchema).max(20).default([]),
  note: z.string().max(500).optional(),
});

/** An owner is a unit id, or every unit of a kind (各村（居）, 镇属各部门 …). */
export const ownerSchema = z.union([slug, z.strictObject({ every: z.enum(unitKinds) })]);

/** Where in its period a duty opens or falls due. */
export const periodRuleSchema = z.strictObject({
  /** Counted from the first or the last day of the period, or a fixed date (cadence `once`). */
  from: z.enum(['start', 'end', 'date']).default('start'),
  date: isoDate.optional(),
  /** Calendar days added to the anchor (negative: before it). */
  days: z.number().int().min(-366).max(366).default(0),
  /** Working days added after `days` (negative: before). */
  workdays: z.number().int().min(-60).max(60).default(0),
  /**
   * What happens when the result is a rest day: `next` working day (how Chinese law counts a time
   * limit) or `previous` (a deadline worded as within the period, 年内).
   */
  restDay: z.enum(['next', 'previous']).default('next'),
});

/** Who is told at a rung: `owner` is the owning unit; any other entry is a unit id. */
export const recipientSchema = z.union([z.literal('owner'), slug]);

export const rungSchema = z.strictObject({
  /** Working days after the due date. */
  afterWorkdays: z.number().int().min(1).max(120),
  notify: z.array(recipientSchema).min(1).max(20),
});

export const ladderSchema = z.strictObject({
  /** 黄灯督办: the first working days after the due date. */
  yellow: rungSchema,
  /** 红灯通报: overdue past the grace period; 三(三)'s 通报批评. */
  red: rungSchema,
  /** 警示约谈: the top rung of 三(三). */
  warningTalk: rungSchema,
  /** Working days after the due date when an unreported instance counts as missed. */
  missedAfterWorkdays: z.number().int().min(1).max(250),
});

export const targetSchema = z.strictObject({
  value: z.number().positive('expected a positive number'),
  unit: z.string().min(1).max(20),
  measure: z.string().min(1).max(120),
  comparison: z.enum(['at-least', 'exactly']).default('at-least'),
});

export const dutySchema = z.strictObject({
  id: slug,
  clause,
  /** The clause's words, quoted briefly from the document. */
  quote: z.string().min(1).max(300),
  title: z.strictObject({ zh: z.string().min(1).max(80), en: z.string().min(1).max(160) }),
  owners: z.array(ownerSchema).min(1).max(50),
  cadence: z.enum(cadences),
  /** For `event`: which event opens the duty. */
  event: z.enum(eventKinds).optional(),
  /** For `key-date`: which key dates (ids from calendar.keyDates); empty means all of them. */
  keyDates: z.array(slug).max(50).optional(),
  opens: periodRuleSchema.default({ from: 'start', days: 0, workdays: 0, restDay: 'next' }),
  due: periodRuleSchema,
  /** Working days before the due date on which a reminder goes out. Defaults to the plan's. */
  reminders: z.array(z.number().int().min(1).max(30)).max(5).optional(),
  /** A ladder id from `ladders`, or a ladder written out. Defaults to the plan's. */
  ladder: z.union([slug, ladderSchema]).optional(),
  evidence: z.array(z.enum(evidenceKinds)).min(1).max(8),
  target: targetSchema.optional(),
  weight: z.number().positive('expected a positive number').max(100),
  note: z.string().max(500).optional(),
});

export const keyDateSchema = z.strictObject({
  id: slug,
  name: z.string().min(1).max(60),
  kind: z.enum(['holiday', 'meeting', 'event']),
  starts: isoDate,
  ends: isoDate.optional(),
  note: z.string().max(300).optional(),
});

export const overrideSchema = z.strictObject({
  date: isoDate,
  work: z.boolean(),
  name: z.string().min(1).max(60),
});

export const scoringSchema = z.strictObject({
  /** Share of a duty's weight earned when reported late, by how many working days late; the first tier that fits applies. */
  lateCredit: z
    .array(z.strictObject({ withinWorkdays: z.number().int().min(1).max(250).optional(), credit: z.number().min(0).max(1) }))
    .min(1)
    .max(5),
  /**
   * 三(三): units whose work lags face 通报批评 (public criticism) or 警示约谈 (a warning talk) at the
   * annual evaluation: below these scores, or when their duties reached that rung during the year.
   */
  evaluation: z
    .strictObject({
      criticismBelow: z.number().min(0).max(100).default(80),
      warningTalkBelow: z.number().min(0).max(100).default(60),
    })
    .default({ criticismBelow: 80, warningTalkBelow: 60 }),
});

export const planSchema = z
  .strictObject({
    $schema: z.string().optional(),
    id: slug,
    town: z.strictObject({
      id: slug,
      name: z.string().min(1).max(40),
      district: z.string().min(1).max(40).optional(),
      city: z.string().min(1).max(40).optional(),
    }),
    title: z.strictObject({ zh: z.string().min(1).max(120), en: z.string().min(1).max(200) }),
    document: z.strictObject({
      number: z.string().min(1).max(60),
      issuedOn: isoDate,
      issuer: z.string().min(1).max(80),
      source: z.string().max(200).optional(),
    }),
    effectiveFrom: isoDate,
    effectiveTo: isoDate,
    timeZone: z.literal('Asia/Shanghai'),
    defaults: z.strictObject({
      reminders: z.array(z.number().int().min(1).max(30)).max(5),
      ladder: slug,
      /** A duty opened late (the plan took effect mid-period) still gets this many working days before it is due. */
      minimumLeadWorkdays: z.number().int().min(0).max(60),
    }),
    scoring: scoringSchema,
    ladders: z.record(slug, ladderSchema),
    calendar: z
      .strictObject({
        overrides: z.array(overrideSchema).max(400).default([]),
        keyDates: z.array(keyDateSchema).max(100).default([]),
      })
      .default({ overrides: [], keyDates: [] }),
    units: z.array(unitSchema).min(1).max(500),
    duties: z.array(dutySchema).min(1).max(500),
  })
  .superRefine((plan, ctx) => checkReferences(plan, ctx));

export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;
export type Unit = Plan['units'][number];
export type Duty = Plan['duties'][number];
export type Ladder = z.output<typeof ladderSchema>;
export type PeriodRule = z.output<typeof periodRuleSchema>;
export type Cadence = (typeof cadences)[number];
export type UnitKind = (typeof unitKinds)[number];
export type KeyDate = Plan['calendar']['keyDates'][number];
export type Target = z.output<typeof targetSchema>;
export type Recipient = z.output<typeof recipientSchema>;

type RefinementContext = z.RefinementCtx<z.output<z.ZodObject>>;

/** Cross-references a field-by-field schema cannot see: unknown ids, duplicates, dates in the wrong order. */
function checkReferences(plan: Plan, ctx: RefinementContext): void {
  const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  const duplicates = <T extends { id: string }>(items: T[], field: string) => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const first = seen.get(item.id);
      if (first === undefined) seen.set(item.id, index);
      else problem([field, index, 'id'], `duplicate id "${item.id}" (also ${field}[${first}])`);
    });
  };
  duplicates(plan.units, 'units');
  duplicates(plan.duties, 'duties');
  duplicates(plan.calendar.keyDates, 'keyDates');

  const unitIds = new Set(plan.units.map((u) => u.id));
  const unitKindsPresent = new Set(plan.units.map((u) => u.kind));
  const ladderIds = new Set(Object.keys(plan.ladders));
  const keyDateIds = new Set(plan.calendar.keyDates.map((k) => k.id));

  if (plan.effectiveTo < plan.effectiveFrom) problem(['effectiveTo'], `is before effectiveFrom (${plan.effectiveFrom})`);
  if (!ladderIds.has(plan.defaults.ladder)) problem(['defaults', 'ladder'], `unknown ladder "${plan.defaults.ladder}"; known: ${[...ladderIds].join(', ')}`);

  plan.units.forEach((unit, index) => {
    if (unit.parent !== undefined && !unitIds.has(unit.parent)) problem(['units', index, 'parent'], `unknown unit "${unit.parent}"`);
    if (unit.parent === unit.id) problem(['units', index, 'parent'], 'a unit cannot be its own parent');
    unit.contacts.forEach((contact, c) => {
      const domain = contact.email.split('@')[1]?.toLowerCase() ?? '';
      if (/^(?:.+\.)?example\.(?:org|com|net)$/.test(domain) && !contact.placeholder)
        problem(['units', index, 'contacts', c, 'placeholder'], `${contact.email} is a placeholder address: mark it placeholder: true`);
    });
  });

  const checkRecipients = (recipients: string[], path: (string | number)[]) =>
    recipients.forEach((r, i) => {
      if (r !== 'owner' && !unitIds.has(r)) problem([...path, i], `unknown unit "${r}"`);
    });
  for (const [id, ladder] of Object.entries(plan.ladders)) checkLadder(ladder, ['ladders', id], problem, checkRecipients);

  plan.calendar.keyDates.forEach((k, index) => {
    if (k.ends !== undefined && k.ends < k.starts) problem(['calendar', 'keyDates', index, 'ends'], `is before starts (${k.starts})`);
  });

  plan.duties.forEach((duty, index) => {
    const at = (...rest: (string | number)[]) => ['duties', index, ...rest];
    duty.owners.forEach((owner, o) => {
      if (typeof owner === 'string' && !unitIds.has(owner)) problem(at('owners', o), `unknown unit "${owner}"`);
      if (typeof owner !== 'string' && !unitKindsPresent.has(owner.every)) problem(at('owners', o, 'every'), `no unit of kind "${owner.every}" in units`);
    });
    if (typeof duty.ladder === 'string' && !ladderIds.has(duty.ladder)) problem(at('ladder'), `unknown ladder "${duty.ladder}"`);
    if (typeof duty.ladder === 'object') checkLadder(duty.ladder, at('ladder'), problem, checkRecipients);
    if (duty.cadence === 'event' && duty.event === undefined) problem(at('event'), 'a duty with cadence "event" names the event that opens it');
    if (duty.cadence !== 'event' && duty.event !== undefined) problem(at('event'), `only a duty with cadence "event" names an event (cadence is "${duty.cadence}")`);
    if (duty.cadence !== 'key-date' && duty.keyDates !== undefined) problem(at('keyDates'), `only a duty with cadence "key-date" names key dates`);
    duty.keyDates?.forEach((k, i) => {
      if (!keyDateIds.has(k)) problem(at('keyDates', i), `unknown key date "${k}"`);
    });
    for (const field of ['opens', 'due'] as const) {
      const rule = duty[field];
      if (rule.from === 'date' && rule.date === undefined) problem(at(field, 'date'), 'from: date needs a date');
      if (rule.from !== 'date' && rule.date !== undefined) problem(at(field, 'date'), `a date is only read with from: date (from is "${rule.from}")`);
      if (duty.cadence === 'once' && rule.from !== 'date') problem(at(field, 'from'), 'a duty with cadence "once" opens and falls due on dates: use from: date');
    }
    if (duty.cadence === 'once' && duty.opens.date !== undefined && duty.due.date !== undefined && duty.due.date < duty.opens.date)
      problem(at('due', 'date'), `due date ${duty.due.date} is before the opening date ${duty.opens.date}`);
  });
}

function checkLadder(
  ladder: Ladder,
  path: (string | number)[],
  problem: (path: (string | number)[], message: string) => void,
  checkRecipients: (recipients: string[], path: (string | number)[]) => void,
): void {
  if (ladder.red.afterWorkdays <= ladder.yellow.afterWorkdays) problem([...path, 'red', 'afterWorkdays'], 'red must come after yellow');
  if (ladder.warningTalk.afterWorkdays <= ladder.red.afterWorkdays) problem([...path, 'warningTalk', 'afterWorkdays'], 'the warning talk must come after red');
  if (ladder.missedAfterWorkdays < ladder.yellow.afterWorkdays) problem([...path, 'missedAfterWorkdays'], 'an instance cannot be missed before it turns yellow');
  for (const rung of ['yellow', 'red', 'warningTalk'] as const) checkRecipients(ladder[rung].notify, [...path, rung, 'notify']);
}
