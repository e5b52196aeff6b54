import type { Duty, KeyDate, Ladder, Plan, Unit } from './plan-schema.ts';
import { resolveOwners } from './schedule.ts';

/**
 * What changed between two versions of a plan, in terms an administrator reviews before the new
 * version goes live: duties that now fall due on other dates or belong to other units, units and
 * contacts, key dates and the working-day calendar.
 */

export type PlanChangeKind =
  | 'plan-changed'
  | 'plan-dates-changed'
  | 'plan-defaults-changed'
  | 'plan-scoring-changed'
  | 'ladder-added'
  | 'ladder-removed'
  | 'ladder-changed'
  | 'unit-added'
  | 'unit-removed'
  | 'unit-renamed'
  | 'unit-changed'
  | 'unit-contacts-changed'
  | 'duty-added'
  | 'duty-removed'
  | 'duty-retimed'
  | 'duty-reowned'
  | 'duty-target-changed'
  | 'duty-weight-changed'
  | 'duty-ladder-changed'
  | 'duty-text-changed'
  | 'duty-evidence-changed'
  | 'key-date-added'
  | 'key-date-removed'
  | 'key-date-changed'
  | 'override-added'
  | 'override-removed'
  | 'override-changed';

export interface PlanChange {
  kind: PlanChangeKind;
  /** What changed, as `duty c02-monthly-situation-analysis`, `unit economic-office`, `calendar override 2027-10-01` or `plan qingfeng-2022`. */
  subject: string;
  /** The subject's Chinese name in the plan (the new plan's, unless the subject was removed). */
  name?: string;
  /** The changed field, as a path in the plan file (`due`, `title.zh`, `contacts[a@example.org]`); absent when the whole subject was added or removed. */
  field?: string;
  /** The old value, or the removed subject; absent when there was none. */
  before?: unknown;
  /** The new value, or the added subject; absent when there is none. */
  after?: unknown;
  /** What the change means once resolved against the plan, for example which units a change of owners adds. */
  detail?: string;
}

type Override = Plan['calendar']['overrides'][number];
type Contact = Unit['contacts'][number];

interface FieldSpec<T> {
  field: string;
  kind: PlanChangeKind;
  get: (item: T) => unknown;
  /** Lists whose order carries no meaning, so reordering them is not a change. */
  unordered?: boolean;
}

export function diffPlans(oldPlan: Plan, newPlan: Plan): PlanChange[] {
  return [
    ...planFieldChanges(oldPlan, newPlan),
    ...ladderChanges(oldPlan, newPlan),
    ...unitChanges(oldPlan, newPlan),
    ...dutyChanges(oldPlan, newPlan),
    ...keyDateChanges(oldPlan, newPlan),
    ...overrideChanges(oldPlan, newPlan),
  ];
}

const planFields: FieldSpec<Plan>[] = [
  { field: 'id', kind: 'plan-changed', get: (p) => p.id },
  { field: 'title.zh', kind: 'plan-changed', get: (p) => p.title.zh },
  { field: 'title.en', kind: 'plan-changed', get: (p) => p.title.en },
  { field: 'town.id', kind: 'plan-changed', get: (p) => p.town.id },
  { field: 'town.name', kind: 'plan-changed', get: (p) => p.town.name },
  { field: 'town.district', kind: 'plan-changed', get: (p) => p.town.district },
  { field: 'town.city', kind: 'plan-changed', get: (p) => p.town.city },
  { field: 'document.number', kind: 'plan-changed', get: (p) => p.document.number },
  { field: 'document.issuer', kind: 'plan-changed', get: (p) => p.document.issuer },
  { field: 'document.source', kind: 'plan-changed', get: (p) => p.document.source },
  { field: 'document.issuedOn', kind: 'plan-dates-changed', get: (p) => p.document.issuedOn },
  { field: 'effectiveFrom', kind: 'plan-dates-changed', get: (p) => p.effectiveFrom },
  { field: 'effectiveTo', kind: 'plan-dates-changed', get: (p) => p.effectiveTo },
  { field: 'timeZone', kind: 'plan-changed', get: (p) => p.timeZone },
  { field: 'defaults.reminders', kind: 'plan-defaults-changed', get: (p) => p.defaults.reminders, unordered: true },
  { field: 'defaults.ladder', kind: 'plan-defaults-changed', get: (p) => p.defaults.ladder },
  { field: 'defaults.minimumLeadWorkdays', kind: 'plan-defaults-changed', get: (p) => p.defaults.minimumLeadWorkdays },
  { field: 'scoring.lateCredit', kind: 'plan-scoring-changed', get: (p) => p.scoring.lateCredit },
];

function planFieldChanges(oldPlan: Plan, newPlan: Plan): PlanChange[] {
  return fieldChanges(planFields, oldPlan, newPlan, { subject: `plan ${newPlan.id}`, name: newPlan.title.zh });
}

const ladderFields: FieldSpec<Ladder>[] = [
  { field: 'yellow', kind: 'ladder-changed', get: (l) => normalizeRung(l.yellow) },
  { field: 'red', kind: 'ladder-changed', get: (l) => normalizeRung(l.red) },
  { field: 'warningTalk', kind: 'ladder-changed', get: (l) => normalizeRung(l.warningTalk) },
  { field: 'missedAfterWorkdays', kind: 'ladder-changed', get: (l) => l.missedAfterWorkdays },
];

function ladderChanges(oldPlan: Plan, newPlan: Plan): PlanChange[] {
  const entries = (plan: Plan) => Object.entries(plan.ladders).map(([id, ladder]) => ({ id, ladder }));
  return diffCollection({
    before: entries(oldPlan),
    after: entries(newPlan),
    key: (e) => e.id,
    subject: (id) => `ladder ${id}`,
    name: () => undefined,
    added: 'ladder-added',
    removed: 'ladder-removed',
    compare: (before, after, at) => fieldChanges(ladderFields, before.ladder, after.ladder, at),
  });
}

const unitFields: FieldSpec<Unit>[] = [
  { field: 'name', kind: 'unit-renamed', get: (u) => u.name },
  { field: 'nameEn', kind: 'unit-renamed', get: (u) => u.nameEn },
  { field: 'kind', kind: 'unit-changed', get: (u) => u.kind },
  { field: 'parent', kind: 'unit-changed', get: (u) => u.parent },
  { field: 'note', kind: 'unit-changed', get: (u) => u.note },
  { field: 'retired', kind: 'unit-changed', get: (u) => (u.retired === false ? undefined : u.retired) },
];

function unitChanges(oldPlan: Plan, newPlan: Plan): PlanChange[] {
  return diffCollection({
    before: oldPlan.units,
    after: newPlan.units,
    key: (u) => u.id,
    subject: (id) => `unit ${id}`,
    name: (u) => u.name,
    added: 'unit-added',
    removed: 'unit-removed',
    compare: (before, after, at) => [...fieldChanges(unitFields, before, after, at), ...contactChanges(before, after, at)],
  });
}

/** Contacts are matched by address: a new address is a new contact, not a renamed one. */
function contactChanges(before: Unit, after: Unit, at: Subject): PlanChange[] {
  const byAddress = (unit: Unit) => new Map(unit.contacts.map((c) => [c.email.toLowerCase(), c]));
  const oldContacts = byAddress(before);
  const newContacts = byAddress(after);
  const addresses = [...new Set([...oldContacts.keys(), ...newContacts.keys()])].sort(compareText);
  return addresses.flatMap((address): PlanChange[] => {
    const oldContact = oldContacts.get(address);
    const newContact = newContacts.get(address);
    if (sameValue(oldContact, newContact)) return [];
    return [
      {
        kind: 'unit-contacts-changed',
        ...at,
        field: `contacts[${address}]`,
        ...(oldContact === undefined ? {} : { before: oldContact }),
        ...(newContact === undefined ? {} : { after: newContact }),
      },
    ];
  });
}

const dutyFields: FieldSpec<Duty>[] = [
  { field: 'cadence', kind: 'duty-retimed', get: (d) => d.cadence },
  { field: 'event', kind: 'duty-retimed', get: (d) => d.event },
  { field: 'keyDates', kind: 'duty-retimed', get: (d) => d.keyDates, unordered: true },
  { field: 'opens', kind: 'duty-retimed', get: (d) => d.opens },
  { field: 'due', kind: 'duty-retimed', get: (d) => d.due },
  { field: 'reminders', kind: 'duty-retimed', get: (d) => d.reminders, unordered: true },
  { field: 'owners', kind: 'duty-reowned', get: (d) => d.owners, unordered: true },
  { field: 'target', kind: 'duty-target-changed', get: (d) => d.target },
  { field: 'weight', kind: 'duty-weight-changed', get: (d) => d.weight },
  { field: 'ladder', kind: 'duty-ladder-changed', get: (d) => (typeof d.ladder === 'object' ? normalizeLadder(d.ladder) : d.ladder) },
  { field: 'clause', kind: 'duty-text-changed', get: (d) => d.clause },
  { field: 'title.zh', kind: 'duty-text-changed', get: (d) => d.title.zh },
  { field: 'title.en', kind: 'duty-text-changed', get: (d) => d.title.en },
  { field: 'quote', kind: 'duty-text-changed', get: (d) => d.quote },
  { field: 'note', kind: 'duty-text-changed', get: (d) => d.note },
  { field: 'evidence', kind: 'duty-evidence-changed', get: (d) => d.evidence, unordered: true },
  { field: 'paused', kind: 'duty-retimed', get: (d) => (d.paused === true ? true : undefined) },
];

function dutyChanges(oldPlan: Plan, newPlan: Plan): PlanChange[] {
  return diffCollection({
    before: oldPlan.duties,
    after: newPlan.duties,
    key: (d) => d.id,
    subject: (id) => `duty ${id}`,
    name: (d) => d.title.zh,
    added: 'duty-added',
    removed: 'duty-removed',
    compare: (before, after, at) =>
      fieldChanges(dutyFields, before, after, at).map((change) =>
        change.kind === 'duty-reowned' ? { ...change, detail: ownerShift(resolveOwners(oldPlan, before), resolveOwners(newPlan, after)) } : change,
      ),
  });
}

/** The units a change of owners adds and drops once `every: village` and the like are resolved. */
function ownerShift(before: Unit[], after: Unit[]): string {
  const beforeIds = new Set(before.map((u) => u.id));
  const afterIds = new Set(after.map((u) => u.id));
  const adds = after.filter((u) => !beforeIds.has(u.id)).map((u) => u.name);
  const drops = before.filter((u) => !afterIds.has(u.id)).map((u) => u.name);
  const parts = [...(adds.length > 0 ? [`adds ${adds.join(', ')}`] : []), ...(drops.length > 0 ? [`drops ${drops.join(', ')}`] : [])];
  return parts.length > 0 ? parts.join('; ') : 'same units';
}

const keyDateFields: FieldSpec<KeyDate>[] = [
  { field: 'name', kind: 'key-date-changed', get: (k) => k.name },
  { field: 'kind', kind: 'key-date-changed', get: (k) => k.kind },
  { field: 'starts', kind: 'key-date-changed', get: (k) => k.starts },
  { field: 'ends', kind: 'key-date-changed', get: (k) => k.ends },
  { field: 'note', kind: 'key-date-changed', get: (k) => k.note },
];

function keyDateChanges(oldPlan: Plan, newPlan: Plan): PlanChange[] {
  return diffCollection({
    before: oldPlan.calendar.keyDates,
    after: newPlan.calendar.keyDates,
    key: (k) => k.id,
    subject: (id) => `key date ${id}`,
    name: (k) => k.name,
    added: 'key-date-added',
    removed: 'key-date-removed',
    compare: (before, after, at) => fieldChanges(keyDateFields, before, after, at),
  });
}

const overrideFields: FieldSpec<Override>[] = [
  { field: 'work', kind: 'override-changed', get: (o) => o.work },
  { field: 'name', kind: 'override-changed', get: (o) => o.name },
];

function overrideChanges(oldPlan: Plan, newPlan: Plan): PlanChange[] {
  return diffCollection({
    before: oldPlan.calendar.overrides,
    after: newPlan.calendar.overrides,
    key: (o) => o.date,
    subject: (date) => `calendar override ${date}`,
    name: (o) => o.name,
    added: 'override-added',
    removed: 'override-removed',
    compare: (before, after, at) => fieldChanges(overrideFields, before, after, at),
  });
}

interface Subject {
  subject: string;
  name?: string;
}

interface Collection<T> {
  before: readonly T[];
  after: readonly T[];
  key: (item: T) => string;
  subject: (key: string) => string;
  name: (item: T) => string | undefined;
  added: PlanChangeKind;
  removed: PlanChangeKind;
  compare: (before: T, after: T, at: Subject) => PlanChange[];
}

/** Items matched by key, in key order; when a key repeats, the last item wins, as it does in the calendar. */
function diffCollection<T>(c: Collection<T>): PlanChange[] {
  const oldItems = new Map(c.before.map((item) => [c.key(item), item]));
  const newItems = new Map(c.after.map((item) => [c.key(item), item]));
  const keys = [...new Set([...oldItems.keys(), ...newItems.keys()])].sort(compareText);
  const changes: PlanChange[] = [];
  for (const key of keys) {
    const before = oldItems.get(key);
    const after = newItems.get(key);
    const subject = c.subject(key);
    if (before !== undefined && after !== undefined) changes.push(...c.compare(before, after, withName(subject, c.name(after))));
    else if (after !== undefined) changes.push({ kind: c.added, ...withName(subject, c.name(after)), after });
    else if (before !== undefined) changes.push({ kind: c.removed, ...withName(subject, c.name(before)), before });
  }
  return changes;
}

function withName(subject: string, name: string | undefined): Subject {
  return name === undefined ? { subject } : { subject, name };
}

function fieldChanges<T>(specs: readonly FieldSpec<T>[], before: T, after: T, at: Subject): PlanChange[] {
  const changes: PlanChange[] = [];
  for (const spec of specs) {
    const oldValue = spec.get(before);
    const newValue = spec.get(after);
    if (sameValue(oldValue, newValue, spec.unordered)) continue;
    changes.push({
      kind: spec.kind,
      ...at,
      field: spec.field,
      ...(oldValue === undefined ? {} : { before: oldValue }),
      ...(newValue === undefined ? {} : { after: newValue }),
    });
  }
  return changes;
}

function normalizeRung(rung: Ladder['yellow']): Ladder['yellow'] {
  return { ...rung, notify: [...rung.notify].sort(compareText) };
}

function normalizeLadder(ladder: Ladder): Ladder {
  return { ...ladder, yellow: normalizeRung(ladder.yellow), red: normalizeRung(ladder.red), warningTalk: normalizeRung(ladder.warningTalk) };
}

function sameValue(a: unknown, b: unknown, unordered = false): boolean {
  if (unordered && Array.isArray(a) && Array.isArray(b)) return canonical([...a].map(canonical).sort(compareText)) === canonical([...b].map(canonical).sort(compareText));
  return canonical(a) === canonical(b);
}

/** JSON with object keys sorted, so that key order in the YAML never counts as a change. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => compareText(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---- describing a change in one line ----

const FIELDS_DEFAULTING_TO_PLAN = new Set(['reminders', 'ladder']);

/** One line per change: `+` added, `-` removed, `~` changed, e.g. `~ duty c02-monthly-situation-analysis (每月分析形势): due {from: end} → {from: end, days: -5}`. */
export function describe(change: PlanChange): string {
  const head = change.name === undefined ? change.subject : `${change.subject} (${change.name})`;
  if (change.kind === 'unit-contacts-changed') return `~ ${head}: ${describeContactChange(change)}`;
  if (change.field === undefined) {
    if (change.after !== undefined) return `+ ${head}${summaryOf(change.kind, change.after)}`;
    return `- ${head}`;
  }
  const absent = change.kind.startsWith('duty-') && FIELDS_DEFAULTING_TO_PLAN.has(change.field) ? '(plan default)' : '(none)';
  const show = (value: unknown) => (value === undefined ? absent : renderField(change.field ?? '', value));
  const detail = change.detail === undefined ? '' : ` (${change.detail})`;
  return `~ ${head}: ${change.field} ${show(change.before)} → ${show(change.after)}${detail}`;
}

function describeContactChange(change: PlanChange): string {
  const before = change.before as Contact | undefined;
  const after = change.after as Contact | undefined;
  if (before === undefined && after !== undefined) return `contact added ${renderContact(after)}`;
  if (after === undefined && before !== undefined) return `contact removed ${renderContact(before)}`;
  if (before !== undefined && after !== undefined) return `contact ${renderContact(before)} → ${renderContact(after)}`;
  return 'contacts changed';
}

function summaryOf(kind: PlanChangeKind, item: unknown): string {
  switch (kind) {
    case 'duty-added': {
      const duty = item as Duty;
      return `: clause ${duty.clause}, ${duty.cadence}, owners ${render(duty.owners)}, due ${renderRule(duty.due)}, weight ${duty.weight}`;
    }
    case 'unit-added':
      return `: ${(item as Unit).kind}`;
    case 'key-date-added': {
      const keyDate = item as KeyDate;
      return `: ${keyDate.kind} ${keyDate.starts}${keyDate.ends === undefined || keyDate.ends === keyDate.starts ? '' : `..${keyDate.ends}`}`;
    }
    case 'override-added':
      return `: ${(item as Override).work ? 'working day' : 'rest day'}`;
    default:
      return '';
  }
}

function renderField(field: string, value: unknown): string {
  if ((field === 'opens' || field === 'due') && value !== null && typeof value === 'object') return renderRule(value as Duty['due']);
  if (field === 'work' && typeof value === 'boolean') return value ? 'working day' : 'rest day';
  return render(value);
}

/** A period rule without the values it takes by default, as one would write it in the plan. */
function renderRule(rule: Duty['due']): string {
  return render({
    from: rule.from,
    date: rule.date,
    days: rule.days === 0 ? undefined : rule.days,
    workdays: rule.workdays === 0 ? undefined : rule.workdays,
    restDay: rule.restDay === 'next' ? undefined : rule.restDay,
  });
}

function renderContact(contact: Contact): string {
  const who = [contact.name, contact.role === undefined ? undefined : `(${contact.role})`].filter((s) => s !== undefined).join(' ');
  const flags = [contact.placeholder ? 'placeholder' : undefined, contact.language === 'zh' ? undefined : contact.language].filter((s) => s !== undefined);
  return `${who === '' ? '' : `${who} `}<${contact.email}>${flags.length > 0 ? ` [${flags.join(', ')}]` : ''}`;
}

/** A compact YAML-like flow rendering: `{from: end, days: -5}`, `[owner, economic-office]`. */
export function render(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return /^[^\s,:{}[\]"'#&*!|>%@`]([^,:{}[\]"]*[^\s,:{}[\]"])?$/.test(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${k}: ${render(v)}`).join(', ')}}`;
  }
  return String(value);
}
