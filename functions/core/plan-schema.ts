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
  kind: z.enum(unitKinds).meta({
    description:
      'What the unit is: department (镇属部门, a town department), district-department (区级延伸部门, a district department ' +
      'stationed in the town: police station, judicial office …), village (村), residential (社区, a residential committee), ' +
      'leadership (镇领导), committee (a committee or its office), school (学校), other. A duty owned by {every: kind} goes to every unit of that kind.',
  }),
  parent: slug.optional().meta({ description: 'The unit this one answers to (上级), as a unit id.' }),
  contacts: z
    .array(contactSchema)
    .max(20)
    .default([])
    .meta({ description: "Who receives the unit's notices, reminders and escalations. A unit without contacts gets nothing delivered." }),
  note: z.string().max(500).optional(),
  retired: z
    .union([z.boolean(), isoDate])
    .optional()
    .meta({
      description:
        'The unit no longer exists (撤销, 合并), as true or the date it was retired: it stays in the plan because history refers to it, but it owns no duty, ' +
        'is told at no rung of a ladder, and gets no new instances and no mail.',
    }),
});

/** Whether a unit is retired (`retired: true` or a date). */
export function isRetired(unit: { retired?: boolean | string | undefined }): boolean {
  return unit.retired !== undefined && unit.retired !== false;
}

/** An owner is a unit id, or every unit of a kind (各村（居）, 镇属各部门 …). */
export const ownerSchema = z.union([slug, z.strictObject({ every: z.enum(unitKinds) })]);

/** Where in its period a duty opens or falls due. */
export const periodRuleSchema = z.strictObject({
  from: z
    .enum(['start', 'end', 'date'])
    .default('start')
    .meta({ description: 'Counted from the first (start) or the last (end) day of the period, or a fixed date (date; cadence once).' }),
  date: isoDate.optional().meta({ description: 'The fixed date, YYYY-MM-DD, read only with from: date.' }),
  days: z
    .number()
    .int()
    .min(-366)
    .max(366)
    .default(0)
    .meta({ description: 'Calendar days added to the anchor (negative: before it).' }),
  workdays: z
    .number()
    .int()
    .min(-60)
    .max(60)
    .default(0)
    .meta({ description: 'Working days (工作日, following the State Council holiday schedule and its 调休) added after days (negative: before).' }),
  /** `next` is how Chinese law counts a time limit; `previous` keeps a deadline worded as within the period (年内) inside it. */
  restDay: z
    .enum(['next', 'previous'])
    .default('next')
    .meta({
      description: 'When the result is a rest day: move to the next working day, or to the previous one (for a deadline worded as within the period, 年内).',
    }),
});

/** Who is told at a rung: `owner` is the owning unit; any other entry is a unit id. */
export const recipientSchema = z.union([z.literal('owner'), slug]);

export const rungSchema = z.strictObject({
  afterWorkdays: z.number().int().min(1).max(120).meta({ description: 'Working days after the due date on which an unreported instance reaches this rung.' }),
  notify: z
    .array(recipientSchema)
    .min(1)
    .max(20)
    .meta({ description: 'Who is told at this rung: owner (the owning unit) or unit ids.' }),
});

export const ladderSchema = z.strictObject({
  yellow: rungSchema.meta({ description: '黄灯督办 (yellow light, chasing): the first working days after the due date.' }),
  red: rungSchema.meta({ description: '红灯通报 (red light, public criticism, 通报批评 of 三(三)): overdue past the grace period.' }),
  warningTalk: rungSchema.meta({ description: '警示约谈 (warning talk): the top rung of 三(三).' }),
  missedAfterWorkdays: z
    .number()
    .int()
    .min(1)
    .max(250)
    .meta({ description: 'Working days after the due date when an unreported instance counts as missed: it earns nothing in the score.' }),
});

export const targetSchema = z.strictObject({
  value: z.number().positive('expected a positive number'),
  unit: z.string().min(1).max(20),
  measure: z.string().min(1).max(120),
  comparison: z.enum(['at-least', 'exactly']).default('at-least'),
});

export const dutySchema = z.strictObject({
  id: slug,
  clause: clause.meta({ description: 'The item of the source document the duty comes from: "1" … "17" for 二、重点任务, "三(一)" … "三(三)" for 三、保障措施.' }),
  quote: z.string().min(1).max(300).meta({ description: "The item's words, quoted briefly from the document (原文摘录)." }),
  title: z.strictObject({ zh: z.string().min(1).max(80), en: z.string().min(1).max(160) }),
  owners: z
    .array(ownerSchema)
    .min(1)
    .max(50)
    .meta({
      description:
        'The units that own the duty (责任单位): unit ids, or {every: kind} for every unit of a kind (各村, 镇属各部门 …). Each owner gets its own instance of each period.',
    }),
  cadence: z.enum(cadences).meta({
    description:
      'How often the duty recurs: monthly (每月), quarterly (每季度), semiannual (每半年), annual (每年), academic-year (每学年, September to August), ' +
      'once (一次, on dates), event (opened when an event happens: name it in event), key-date (before or around key dates: name them in keyDates).',
  }),
  /** For `event`: which event opens the duty. */
  event: z.enum(eventKinds).optional(),
  /** For `key-date`: which key dates (ids from calendar.keyDates); empty means all of them. */
  keyDates: z.array(slug).max(50).optional(),
  opens: periodRuleSchema
    .default({ from: 'start', days: 0, workdays: 0, restDay: 'next' })
    .meta({ description: 'When in its period the duty opens and its notice goes out. Defaults to the first day of the period, moved to a working day.' }),
  due: periodRuleSchema.meta({ description: 'When in its period the duty falls due.' }),
  reminders: z
    .array(z.number().int().min(1).max(30))
    .max(5)
    .optional()
    .meta({ description: "Working days before the due date on which a reminder goes out. Defaults to the plan's defaults.reminders." }),
  ladder: z
    .union([slug, ladderSchema])
    .optional()
    .meta({ description: "The escalation ladder (督办阶梯) when the duty slips: a ladder id from ladders, or a ladder written out. Defaults to the plan's defaults.ladder." }),
  evidence: z
    .array(z.enum(evidenceKinds))
    .min(1)
    .max(8)
    .meta({ description: 'What an owner submits to report the duty done: minutes (会议记录), sign-in-sheet (签到表), photos, figures, report, document, ledger (台账), list.' }),
  target: targetSchema
    .optional()
    .meta({ description: 'The count the document sets, if any: e.g. at least 15 newly recruited full-time firefighters (新招录政府专职消防员不少于15人).' }),
  weight: z
    .number()
    .positive('expected a positive number')
    .max(100)
    .meta({ description: "The duty's weight in each owner's compliance score (实绩考核): earned in full when reported on time, in part when late (scoring.lateCredit), not at all when missed." }),
  note: z.string().max(500).optional(),
  paused: z
    .boolean()
    .optional()
    .meta({
      description:
        'The duty is paused (暂停): no new instances open for it, and its open instances send nothing (no notice, reminder or escalation) until it is resumed. ' +
        'Its dates do not move: on resuming, the steps whose day passed during the pause are skipped and the ladder goes on from that day.',
    }),
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
  /** The first tier that fits applies, so tiers go from the shortest delay to the longest. */
  lateCredit: z
    .array(z.strictObject({ withinWorkdays: z.number().int().min(1).max(250).optional(), credit: z.number().min(0).max(1) }))
    .min(1)
    .max(5)
    .meta({
      description:
        "Share of a duty's weight earned when reported late, by how many working days late: the first tier that fits applies; a tier without withinWorkdays fits any delay.",
    }),
  /**
   * 三(三): units whose work lags face 通报批评 (public criticism) or 警示约谈 (a warning talk) at the
   * annual evaluation: below these scores, or when their duties reached that rung during the year.
   */
  evaluation: z
    .strictObject({
      criticismBelow: z.number().min(0).max(100).default(80),
      warningTalkBelow: z.number().min(0).max(100).default(60),
    })
    .default({ criticismBelow: 80, warningTalkBelow: 60 })
    .meta({
      description:
        'The annual evaluation (实绩考核) of 三(三): a unit scoring below criticismBelow faces 通报批评 (public criticism), below warningTalkBelow 警示约谈 (a warning talk); so does a unit whose duties reached that rung during the year.',
    }),
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
      /** A plan can take effect mid-period; without a floor, a duty could open the day before it is due. */
      minimumLeadWorkdays: z
        .number()
        .int()
        .min(0)
        .max(60)
        .meta({ description: 'A duty opened late (the plan took effect mid-period) still gets this many working days before it is due.' }),
      keyDateAlertWorkdays: z
        .number()
        .int()
        .min(1)
        .max(30)
        .default(5)
        .meta({
          description:
            'Working days before the first day of each key date (calendar.keyDates) on which every unit gets its risk alert (风险提示, item 9); counted back over working days only, so it never falls on a rest day. Default 5.',
        }),
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
  .superRefine((plan, ctx) => checkReferences(plan, ctx), {
    // zod skips a refinement once any field has an issue, so a plan with a bad cadence would hide its
    // unknown owners until the next run. The checks read only the parts that are valid on their own.
    when: (payload) => isFields(payload.value),
  });

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
type Path = (string | number)[];
type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value that satisfies its schema, or undefined. */
function validValue<S extends z.ZodType>(schema: S, value: unknown): z.output<S> | undefined {
  const result = z.safeParse(schema, value);
  return result.success ? result.data : undefined;
}

/**
 * The fields of an object that satisfy their own schema; undefined when it is not an object. The
 * cross-reference checks run on plans with problems elsewhere, so they read only these: a field
 * missing here is either absent or invalid, and an invalid one has been reported already.
 */
function validFields<S extends z.ZodObject>(schema: S, value: unknown): Partial<z.output<S>> | undefined {
  if (!isFields(value)) return undefined;
  const valid: Fields = {};
  for (const [key, field] of Object.entries(schema.shape)) {
    const result = z.safeParse(field, value[key]);
    if (result.success) valid[key] = result.data;
  }
  return valid as Partial<z.output<S>>;
}

/** The valid fields of each item of a list that is an object, with its index and the item as written; undefined when the value is not a list. */
function validItems<S extends z.ZodObject>(schema: S, value: unknown): [number, Partial<z.output<S>>, Fields][] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.flatMap((item: unknown, index) => {
    const fields = validFields(schema, item);
    return fields === undefined ? [] : [[index, fields, item as Fields] as [number, Partial<z.output<S>>, Fields]];
  });
}

/** The elements of a list that satisfy the schema on their own, with their index. */
function validElements<S extends z.ZodType>(schema: S, value: unknown): [number, z.output<S>][] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown, index) => {
    const result = z.safeParse(schema, item);
    return result.success ? [[index, result.data] as [number, z.output<S>]] : [];
  });
}

/** Whether these fields are valid, which for an optional field means valid or absent. */
function has<T extends object, K extends keyof T>(fields: Partial<T>, ...keys: K[]): fields is Partial<T> & Pick<T, K> {
  return keys.every((key) => key in fields);
}

/**
 * Cross-references a field-by-field schema cannot see: unknown ids, duplicates, dates in the wrong
 * order. Runs on whatever parts of the plan are valid, so one run reports every problem.
 */
function checkReferences(plan: unknown, ctx: RefinementContext): void {
  if (!isFields(plan)) return;
  const problem = (path: Path, message: string) => ctx.addIssue({ code: 'custom', path, message });

  const units = validItems(unitSchema, plan.units);
  const duties = validItems(dutySchema, plan.duties) ?? [];
  const calendar = isFields(plan.calendar) ? plan.calendar : {};
  const keyDates = validItems(keyDateSchema, calendar.keyDates);
  const overrides = validItems(overrideSchema, calendar.overrides) ?? [];
  const ladders = isFields(plan.ladders) ? plan.ladders : undefined;

  const duplicates = (items: readonly [number, string | undefined][], path: Path, field: string, describe: (value: string) => string) => {
    const seen = new Map<string, number>();
    for (const [index, value] of items) {
      if (value === undefined) continue;
      const first = seen.get(value);
      if (first === undefined) seen.set(value, index);
      else problem([...path, index, field], `duplicate ${describe(value)} (also ${path.join('.')}[${first}])`);
    }
  };
  const id = (value: string) => `id "${value}"`;
  duplicates(units?.map(([index, unit]) => [index, unit.id]) ?? [], ['units'], 'id', id);
  duplicates(duties.map(([index, duty]) => [index, duty.id]), ['duties'], 'id', id);
  duplicates(keyDates?.map(([index, keyDate]) => [index, keyDate.id]) ?? [], ['calendar', 'keyDates'], 'id', id);
  // Two overrides of one day would silently keep the later one.
  duplicates(overrides.map(([index, override]) => [index, override.date]), ['calendar', 'overrides'], 'date', (date) => `date ${date}`);

  // Undefined where the list itself is invalid: then no reference to it can be checked.
  const unitIds = units && new Set(units.flatMap(([, unit]) => unit.id ?? []));
  const retiredIds = new Set(units?.flatMap(([, unit]) => (unit.id !== undefined && isRetired(unit) ? [unit.id] : [])) ?? []);
  const unitKindsPresent = units && new Set(units.flatMap(([, unit]) => unit.kind ?? []));
  const ladderIds = ladders && new Set(Object.keys(ladders));
  const keyDateIds = keyDates && new Set(keyDates.flatMap(([, keyDate]) => keyDate.id ?? []));

  const effectiveFrom = validValue(isoDate, plan.effectiveFrom);
  const effectiveTo = validValue(isoDate, plan.effectiveTo);
  if (effectiveFrom !== undefined && effectiveTo !== undefined && effectiveTo < effectiveFrom) problem(['effectiveTo'], `is before effectiveFrom (${effectiveFrom})`);
  const defaultLadder = validValue(slug, isFields(plan.defaults) ? plan.defaults.ladder : undefined);
  if (defaultLadder !== undefined && ladderIds && !ladderIds.has(defaultLadder))
    problem(['defaults', 'ladder'], `unknown ladder "${defaultLadder}"; known: ${[...ladderIds].join(', ')}`);

  units?.forEach(([index, unit, written]) => {
    if (unit.parent !== undefined && unitIds && !unitIds.has(unit.parent)) problem(['units', index, 'parent'], `unknown unit "${unit.parent}"`);
    if (unit.parent !== undefined && unit.parent === unit.id) problem(['units', index, 'parent'], 'a unit cannot be its own parent');
    validItems(contactSchema, written.contacts)?.forEach(([c, contact]) => {
      if (contact.email === undefined || !has(contact, 'placeholder')) return;
      const domain = contact.email.split('@')[1]?.toLowerCase() ?? '';
      if (/^(?:.+\.)?example\.(?:org|com|net)$/.test(domain) && !contact.placeholder)
        problem(['units', index, 'contacts', c, 'placeholder'], `${contact.email} is a placeholder address: mark it placeholder: true`);
    });
  });

  const checkRecipients = (recipients: readonly string[], path: Path) =>
    recipients.forEach((r, i) => {
      if (r !== 'owner' && unitIds && !unitIds.has(r)) problem([...path, i], `unknown unit "${r}"`);
      if (r !== 'owner' && retiredIds.has(r)) problem([...path, i], `unit "${r}" is retired: it is told at no rung`);
    });
  for (const [ladderId, written] of Object.entries(ladders ?? {})) {
    const ladder = validFields(ladderSchema, written);
    if (ladder) checkLadder(ladder, ['ladders', ladderId], problem, checkRecipients);
  }

  keyDates?.forEach(([index, k]) => {
    if (k.ends !== undefined && k.starts !== undefined && k.ends < k.starts) problem(['calendar', 'keyDates', index, 'ends'], `is before starts (${k.starts})`);
  });

  duties.forEach(([index, duty, written]) => {
    const at = (...rest: Path) => ['duties', index, ...rest];
    // Owner by owner, so that one malformed owner does not hide an unknown one beside it.
    for (const [o, owner] of validElements(ownerSchema, written.owners)) {
      if (typeof owner === 'string' && unitIds && !unitIds.has(owner)) problem(at('owners', o), `unknown unit "${owner}"`);
      if (typeof owner === 'string' && retiredIds.has(owner)) problem(at('owners', o), `unit "${owner}" is retired: it owns no duty`);
      if (typeof owner !== 'string' && unitKindsPresent && !unitKindsPresent.has(owner.every)) problem(at('owners', o, 'every'), `no unit of kind "${owner.every}" in units`);
    }
    if (typeof duty.ladder === 'string' && ladderIds && !ladderIds.has(duty.ladder)) problem(at('ladder'), `unknown ladder "${duty.ladder}"`);
    if (typeof duty.ladder === 'object') checkLadder(duty.ladder, at('ladder'), problem, checkRecipients);
    if (has(duty, 'cadence', 'event')) {
      if (duty.cadence === 'event' && duty.event === undefined) problem(at('event'), 'a duty with cadence "event" names the event that opens it');
      if (duty.cadence !== 'event' && duty.event !== undefined) problem(at('event'), `only a duty with cadence "event" names an event (cadence is "${duty.cadence}")`);
    }
    if (duty.cadence !== undefined && duty.cadence !== 'key-date' && duty.keyDates !== undefined) problem(at('keyDates'), `only a duty with cadence "key-date" names key dates`);
    duty.keyDates?.forEach((k, i) => {
      if (keyDateIds && !keyDateIds.has(k)) problem(at('keyDates', i), `unknown key date "${k}"`);
    });
    for (const field of ['opens', 'due'] as const) {
      const rule = duty[field];
      if (rule === undefined) continue;
      if (rule.from === 'date' && rule.date === undefined) problem(at(field, 'date'), 'from: date needs a date');
      if (rule.from !== 'date' && rule.date !== undefined) problem(at(field, 'date'), `a date is only read with from: date (from is "${rule.from}")`);
      if (duty.cadence === 'once' && rule.from !== 'date') problem(at(field, 'from'), 'a duty with cadence "once" opens and falls due on dates: use from: date');
    }
    const opensOn = duty.opens?.date;
    const dueOn = duty.due?.date;
    if (duty.cadence === 'once' && opensOn !== undefined && dueOn !== undefined && dueOn < opensOn)
      problem(at('due', 'date'), `due date ${dueOn} is before the opening date ${opensOn}`);
  });
}

function checkLadder(
  ladder: Partial<Ladder>,
  path: Path,
  problem: (path: Path, message: string) => void,
  checkRecipients: (recipients: readonly string[], path: Path) => void,
): void {
  const { yellow, red, warningTalk, missedAfterWorkdays } = ladder;
  if (yellow && red && red.afterWorkdays <= yellow.afterWorkdays) problem([...path, 'red', 'afterWorkdays'], 'red must come after yellow');
  if (red && warningTalk && warningTalk.afterWorkdays <= red.afterWorkdays) problem([...path, 'warningTalk', 'afterWorkdays'], 'the warning talk must come after red');
  if (yellow && missedAfterWorkdays !== undefined && missedAfterWorkdays < yellow.afterWorkdays)
    problem([...path, 'missedAfterWorkdays'], 'an instance cannot be missed before it turns yellow');
  for (const rung of ['yellow', 'red', 'warningTalk'] as const) {
    const notify = ladder[rung]?.notify;
    if (notify) checkRecipients(notify, [...path, rung, 'notify']);
  }
}
