import type { WorkCalendar } from '../core/calendar.ts';
import { ConflictError } from '../core/errors.ts';
import { campaignFromPlan, type Campaign, type CampaignEscalation } from '../core/recruitment.ts';
import type { Plan } from '../core/plan-schema.ts';
import { queryAll, TABLE, townPk, transact, type TransactItem } from './table.ts';

/**
 * The recruitment campaigns in the table, in their town's partition: the campaign of a year at
 * `RECRUIT#<year>`, each month's escalation at `RECRUIT#<year>#ESC#<month>` (so that one query reads
 * both). A campaign is written only under its version (created under `attribute_not_exists`), in a
 * transaction with what goes with it (the audit entry; the escalation's mail).
 */

const campaignSk = (year: number) => `RECRUIT#${year}`;
const escalationSk = (year: number, month: string) => `RECRUIT#${year}#ESC#${month}`;

export interface StoredCampaign {
  /** The campaign as stored, else as the plan defines it (version 0); undefined when the plan has no recruitment duty that year. */
  campaign: Campaign | undefined;
  /** Whether the campaign is stored (anything was recorded). */
  stored: boolean;
  escalations: CampaignEscalation[];
}

function strip(item: Record<string, unknown>): Record<string, unknown> {
  const { pk: _pk, sk: _sk, entity: _entity, ...rest } = item;
  return rest;
}

/** The campaign of a year with its escalations: one query of the town's partition. */
export async function readCampaign(town: string, year: number): Promise<{ campaign: Campaign | undefined; escalations: CampaignEscalation[] }> {
  const items = await queryAll({
    TableName: TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
    ExpressionAttributeValues: { ':pk': townPk(town), ':sk': campaignSk(year) },
  });
  const campaignItem = items.find((i) => i['sk'] === campaignSk(year));
  const escalations = items
    .filter((i) => i['entity'] === 'recruitment-escalation')
    .map((i) => strip(i) as unknown as CampaignEscalation & { town?: string; year?: number })
    .map(({ town: _town, year: _year, ...e }) => e as CampaignEscalation)
    .sort((a, b) => (a.month < b.month ? -1 : 1));
  return { campaign: campaignItem ? (strip(campaignItem) as unknown as Campaign) : undefined, escalations };
}

/** The campaign of a year, stored or else from the plan. */
export async function loadCampaign(plan: Plan, calendar: WorkCalendar, year: number): Promise<StoredCampaign> {
  const { campaign, escalations } = await readCampaign(plan.town.id, year);
  if (campaign) return { campaign, stored: true, escalations };
  return { campaign: campaignFromPlan(plan, calendar, year), stored: false, escalations };
}

/** The conditional put of a campaign's next version (`read` is the version it was read at; 0: not stored yet). */
export function campaignPut(next: Campaign, read: number): TransactItem {
  const Item = { pk: townPk(next.town), sk: campaignSk(next.year), entity: 'recruitment', ...next, version: read + 1 };
  if (read === 0) return { Put: { TableName: TABLE, Item, ConditionExpression: 'attribute_not_exists(pk)' } };
  return { Put: { TableName: TABLE, Item, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': read } } };
}

/** The put of a month's escalation, once (`attribute_not_exists`). */
export function escalationPut(town: string, year: number, escalation: CampaignEscalation): TransactItem {
  return {
    Put: {
      TableName: TABLE,
      Item: { pk: townPk(town), sk: escalationSk(year, escalation.month), entity: 'recruitment-escalation', town, year, ...escalation },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

/**
 * Writes the campaign's next version with what goes with it, all or nothing; a ConflictError when
 * it changed since it was read (`read`), with the version it is at now.
 */
export async function saveCampaign(next: Campaign, read: number, alsoWrite: TransactItem[]): Promise<Campaign> {
  try {
    await transact('save recruitment campaign', [campaignPut(next, read), ...alsoWrite], () => new ConflictError(`recruitment campaign ${next.year} changed since version ${read}`));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const now = (await readCampaign(next.town, next.year)).campaign;
    throw new ConflictError(`recruitment campaign ${next.year} changed while this was decided (version ${read} → ${now?.version ?? 0}): read it again and decide on what it is now`, {
      cause: error,
      current: { id: next.id, version: now?.version ?? 0, counts: now?.counts },
    });
  }
  return { ...next, version: read + 1 };
}

/**
 * Records a month's escalation with its mail (the outbox intents), all or nothing; false when the
 * month was escalated already (by a concurrent or earlier run).
 */
export async function recordEscalation(town: string, year: number, escalation: CampaignEscalation, mail: TransactItem[]): Promise<boolean> {
  try {
    await transact('record recruitment escalation', [escalationPut(town, year, escalation), ...mail], () => new ConflictError(`recruitment ${year}: ${escalation.month} was escalated already`));
    return true;
  } catch (error) {
    if (error instanceof ConflictError) return false;
    throw error;
  }
}
