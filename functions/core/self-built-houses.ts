import type { IsoDate } from './dates.ts';
import { ConflictError, type Problem } from './errors.ts';
import { SELF_BUILT_MIN_OCCUPANTS, shortHash, type HazardContact, type HazardGrade, type HazardInput, type SelfBuiltProblem } from './hazards.ts';
import { isRetired, type Plan } from './plan-schema.ts';

/**
 * Item 7's baseline list of self-built houses and its problem ledger (底数清单和问题台账): every
 * self-built house the villages and communities survey, with its floors, the people living in it,
 * what it is used for, and item 7's problems found there. A house is in scope of item 7's
 * comprehensive treatment when it has at least one of the uses the item names (production,
 * business, rental: 生产、经营、租住) and ten or more people live in it. A problem found in a house
 * in scope can be turned into a hazard of the ledger (category self-built-house), which then
 * follows its rectification like any hazard.
 *
 * Pure: no clock, no I/O.
 */

export const selfBuiltUses = ['production', 'business', 'rental', 'residence'] as const;
export type SelfBuiltUse = (typeof selfBuiltUses)[number];
export const selfBuiltUseLabel: Record<SelfBuiltUse, string> = { production: '生产', business: '经营', rental: '租住', residence: '自住' };

/** The uses item 7 names: one of them (with 10 or more occupants) puts a house in scope. */
export const SCOPED_USES: readonly SelfBuiltUse[] = ['production', 'business', 'rental'];

export interface HouseProblem {
  code: SelfBuiltProblem;
  note?: string;
  /** The hazard this problem was turned into, once it was. */
  hazardId: string | null;
}

export interface SelfBuiltHouse {
  id: string;
  town: string;
  address: string;
  /** The village or community it lies in (a unit id). */
  area: string;
  floors: number;
  occupants: number;
  uses: SelfBuiltUse[];
  /** Item 7's scope: a production, business or rental use and 10 or more occupants. */
  inScope: boolean;
  problems: HouseProblem[];
  /** The householder or manager (personal data: never exposed). */
  contact: HazardContact | null;
  note?: string;
  recordedOn: IsoDate;
  recordedBy: string;
  version: number;
}

export interface HouseInput {
  address: string;
  area: string;
  floors: number;
  occupants: number;
  uses: SelfBuiltUse[];
  problems: { code: SelfBuiltProblem; note?: string | undefined }[];
  contact?: HazardContact | undefined;
  note?: string | undefined;
}

export function inScope(house: Pick<HouseInput, 'occupants' | 'uses'>): boolean {
  return house.occupants >= SELF_BUILT_MIN_OCCUPANTS && house.uses.some((u) => SCOPED_USES.includes(u));
}

/** `sbh-20220620-1a2b3c4d`. */
export function houseIdFor(recordedOn: IsoDate, seed: string): string {
  return `sbh-${recordedOn.replaceAll('-', '')}-${shortHash(seed)}`;
}

export const HOUSE_ID = /^sbh-\d{8}-[0-9a-f]{8}$/;

export function houseProblems(plan: Plan, input: HouseInput): Problem[] {
  const problems: Problem[] = [];
  const unit = plan.units.find((u) => u.id === input.area);
  if (!unit) problems.push({ path: 'area', message: `${input.area} is not a unit of plan ${plan.id}: name the village or community by its unit id` });
  else if (isRetired(unit)) problems.push({ path: 'area', message: `unit ${input.area} (${unit.name}) is retired` });
  const seen = new Set<string>();
  input.problems.forEach((p, n) => {
    if (seen.has(p.code)) problems.push({ path: `problems[${n}].code`, message: `${p.code} is listed twice` });
    seen.add(p.code);
  });
  return problems;
}

export function newHouse(plan: Plan, id: string, input: HouseInput, today: IsoDate, by: string): SelfBuiltHouse {
  return {
    id,
    town: plan.town.id,
    address: input.address,
    area: input.area,
    floors: input.floors,
    occupants: input.occupants,
    uses: [...new Set(input.uses)],
    inScope: inScope(input),
    problems: input.problems.map((p) => ({ code: p.code, ...(p.note === undefined ? {} : { note: p.note }), hazardId: null })),
    contact: input.contact && (input.contact.name !== undefined || input.contact.phone !== undefined) ? { ...input.contact } : null,
    ...(input.note === undefined ? {} : { note: input.note }),
    recordedOn: today,
    recordedBy: by,
    version: 0,
  };
}

export interface ProblemToHazard {
  problem: SelfBuiltProblem;
  grade: HazardGrade;
  /** The unit that owns the rectification; the house's area by default. */
  owner?: string | undefined;
  deadline?: IsoDate | undefined;
  description?: string | undefined;
}

/**
 * The hazard input of a problem found in a house (category self-built-house, the house's area and
 * occupants, its contact), and the house with the problem marked as turned into `hazardId`. A
 * problem not found in the house is a 400 naming `problem`; one already turned into a hazard, or a
 * house out of item 7's scope, a 409.
 */
export function problemToHazard(house: SelfBuiltHouse, request: ProblemToHazard, hazardId: string, problemLabel: string): { input: HazardInput; house: SelfBuiltHouse } | { problems: Problem[] } {
  const index = house.problems.findIndex((p) => p.code === request.problem);
  if (index < 0) {
    return { problems: [{ path: 'problem', message: `${request.problem} was not found in house ${house.id} (found: ${house.problems.map((p) => p.code).join(', ') || 'none'})` }] };
  }
  const found = house.problems[index] as HouseProblem;
  const current = { id: house.id, version: house.version, inScope: house.inScope, problems: house.problems };
  if (found.hazardId !== null) throw new ConflictError(`problem ${request.problem} of house ${house.id} is already hazard ${found.hazardId}`, { current });
  if (!house.inScope) {
    throw new ConflictError(
      `house ${house.id} is not in item 7's scope (${house.occupants} occupants, uses ${house.uses.join(', ')}): record the hazard with POST /hazards under another category`,
      { current },
    );
  }
  const description = [problemLabel, found.note, request.description].filter((s) => s !== undefined && s !== '').join('；');
  const input: HazardInput = {
    place: house.address,
    area: house.area,
    category: 'self-built-house',
    grade: request.grade,
    owner: request.owner ?? house.area,
    description,
    deadline: request.deadline,
    ...(house.contact ? { contact: house.contact } : {}),
    problems: [request.problem],
    occupants: house.occupants,
    houseId: house.id,
  };
  const problems = house.problems.map((p, n) => (n === index ? { ...p, hazardId } : p));
  return { input, house: { ...house, problems } };
}
