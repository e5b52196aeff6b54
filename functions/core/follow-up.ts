import type { WorkCalendar } from './calendar.ts';
import type { IsoDate } from './dates.ts';
import { refresh, stepsOf, type Escalation, type InstanceRecord } from './instance.ts';
import { stepsDue, type LadderStep, type StepKind } from './ladder.ts';
import type { Plan, Unit } from './plan-schema.ts';

/**
 * What a town's daily follow-up does, decided without I/O: which steps of which instances are due,
 * who hears of them, grouped into at most one digest per recipient address, and the new state of
 * every instance touched.
 */

export interface DigestItem {
  instance: InstanceRecord;
  step: LadderStep;
  /** `owner`: the unit that owes the work; `supervisor`: someone told to chase it (督办). */
  role: 'owner' | 'supervisor';
}

export interface Digest {
  to: string;
  language: 'zh' | 'en';
  placeholder: boolean;
  /** The units this address speaks for, by id. */
  units: string[];
  items: DigestItem[];
}

export interface MissingContact {
  instanceId: string;
  unit: string;
  step: StepKind;
}

export interface TownFollowUp {
  today: IsoDate;
  restDay: boolean;
  /** Instances whose stored state changes, with their new state (version not yet bumped). */
  updates: InstanceRecord[];
  digests: Digest[];
  /** Steps that should have told a unit with no contact address: reported, never skipped silently. */
  missingContacts: MissingContact[];
}

const severity: Record<StepKind, number> = { 'warning-talk': 0, red: 1, yellow: 2, reminder: 3, notice: 4, missed: 5 };

function unitsOf(plan: Plan): Map<string, Unit> {
  return new Map(plan.units.map((u) => [u.id, u]));
}

export function followUpTown(plan: Plan, instances: readonly InstanceRecord[], today: IsoDate, calendar: WorkCalendar): TownFollowUp {
  if (!calendar.isWorkday(today)) return { today, restDay: true, updates: [], digests: [], missingContacts: [] };
  const units = unitsOf(plan);
  const digests = new Map<string, Digest>();
  const missingContacts: MissingContact[] = [];
  const updates: InstanceRecord[] = [];

  const paused = new Set(plan.duties.filter((d) => d.paused === true).map((d) => d.id));
  for (const stored of instances) {
    // A duty paused after the due index was read: its pause has written, or is writing, the instance.
    if (stored.pausedOn !== undefined) continue;
    if (paused.has(stored.dutyId)) continue;
    const record = refresh(stored, today);
    const { act, skip } = stepsDue(stepsOf(record), record, today);
    if (act.length === 0 && skip.length === 0) {
      if (record.status !== stored.status || record.light !== stored.light || record.nextActionOn !== stored.nextActionOn) updates.push(record);
      continue;
    }
    const escalations: Escalation[] = [];
    for (const step of act) {
      const addresses: string[] = [];
      const recipientUnits = [...new Set(step.notify.map((r) => (r === 'owner' ? record.owner : r)))];
      for (const unitId of recipientUnits) {
        const unit = units.get(unitId);
        if (!unit || unit.contacts.length === 0) {
          missingContacts.push({ instanceId: record.id, unit: unitId, step: step.kind });
          continue;
        }
        for (const contact of unit.contacts) {
          addresses.push(contact.email);
          const digest = digests.get(contact.email) ?? { to: contact.email, language: contact.language, placeholder: contact.placeholder, units: [], items: [] };
          if (!digest.units.includes(unit.id)) digest.units.push(unit.id);
          digest.items.push({ instance: record, step, role: unitId === record.owner ? 'owner' : 'supervisor' });
          digests.set(contact.email, digest);
        }
      }
      if (step.level > 0) escalations.push({ level: step.level as Escalation['level'], on: today, to: [...new Set(addresses)].sort() });
    }
    const done = [...record.done, ...act.map((s) => s.key), ...skip.map((s) => s.key)];
    updates.push(refresh({ ...record, done, escalations: [...record.escalations, ...escalations] }, today));
  }

  for (const digest of digests.values()) {
    digest.items.sort((a, b) => severity[a.step.kind] - severity[b.step.kind] || compare(a.instance.dueOn, b.instance.dueOn) || compare(a.instance.id, b.instance.id));
  }
  return {
    today,
    restDay: false,
    updates,
    digests: [...digests.values()].sort((a, b) => compare(a.to, b.to)),
    missingContacts,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The day by which the recipient of an item must act: the due date before it, the next rung after. */
export function actBy(item: DigestItem): IsoDate {
  const i = item.instance;
  switch (item.step.kind) {
    case 'notice':
    case 'reminder':
      return i.dueOn;
    case 'yellow':
      return i.redOn;
    case 'red':
      return i.warningTalkOn;
    case 'warning-talk':
    case 'missed':
      return i.missedOn;
  }
}

export type MailKind = 'notice' | 'reminder' | 'escalation' | 'alert' | 'digest' | 'report';

/** What a digest is, for the record: one sort of item names it; a mix is a digest. Notices of key-date duties are alerts. */
export function digestKind(digest: Digest): MailKind {
  const kinds = new Set(
    digest.items.map((i): MailKind => {
      if (i.step.level > 0) return 'escalation';
      if (i.step.kind === 'reminder') return 'reminder';
      return i.instance.cadence === 'key-date' ? 'alert' : 'notice';
    }),
  );
  return kinds.size === 1 ? ([...kinds][0] as MailKind) : 'digest';
}
