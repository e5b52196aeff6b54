/** Item 7's baseline list of self-built houses and its problem ledger (functions/core/self-built-houses.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../functions/core/errors.ts';
import { hazardProblems, selfBuiltProblemLabel } from '../../functions/core/hazards.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import { houseIdFor, houseProblems, inScope, newHouse, problemToHazard, HOUSE_ID, type HouseInput } from '../../functions/core/self-built-houses.ts';

const file = join(import.meta.dirname, '../../plans/qingfeng-2022.yaml');
const plan = parsePlan(readFileSync(file, 'utf8'), file);

const input = (overrides: Partial<HouseInput> = {}): HouseInput => ({
  address: '示例村一 3组 45号',
  area: 'village-1',
  floors: 4,
  occupants: 16,
  uses: ['rental'],
  problems: [{ code: 'indoor-ebike-charging', note: '一楼楼梯间充电' }, { code: 'window-obstructions' }],
  contact: { name: '赵六', phone: '13600001111' },
  ...overrides,
});

describe("item 7's scope", () => {
  it('takes a house with a production, business or rental use and ten or more people living there', () => {
    expect(inScope({ occupants: 10, uses: ['rental'] })).toBe(true);
    expect(inScope({ occupants: 10, uses: ['residence', 'business'] })).toBe(true);
    expect(inScope({ occupants: 9, uses: ['rental'] })).toBe(false);
    expect(inScope({ occupants: 30, uses: ['residence'] })).toBe(false);
  });
});

describe('a house of the baseline list', () => {
  it('is recorded with its problems, none of them a hazard yet', () => {
    const house = newHouse(plan, houseIdFor('2022-06-20', 'r1'), input(), '2022-06-20', 'village-1-user');

    expect(house.id).toMatch(HOUSE_ID);
    expect(house).toMatchObject({ inScope: true, recordedOn: '2022-06-20', version: 0, problems: [{ code: 'indoor-ebike-charging', note: '一楼楼梯间充电', hazardId: null }, { code: 'window-obstructions', hazardId: null }] });
  });

  it('is refused in an unknown area, or with a problem listed twice', () => {
    const problems = houseProblems(plan, input({ area: 'nowhere', problems: [{ code: 'flammable-panels' }, { code: 'flammable-panels' }] }));

    expect(problems.map((p) => p.path)).toEqual(['area', 'problems[1].code']);
  });
});

describe('a problem turned into a hazard', () => {
  const house = newHouse(plan, 'sbh-20220620-00000001', input(), '2022-06-20', 'village-1-user');

  it("becomes a self-built-house hazard of the house's area, with its occupants and contact, and is marked on the house", () => {
    const turned = problemToHazard(house, { problem: 'indoor-ebike-charging', grade: 'major' }, 'hz-20220621-00000002', selfBuiltProblemLabel['indoor-ebike-charging']);

    if ('problems' in turned) throw new Error('refused');
    expect(turned.input).toMatchObject({
      place: '示例村一 3组 45号',
      area: 'village-1',
      owner: 'village-1',
      category: 'self-built-house',
      grade: 'major',
      occupants: 16,
      problems: ['indoor-ebike-charging'],
      houseId: house.id,
      description: '电动车及蓄电池在室内停放、充电；一楼楼梯间充电',
      contact: { name: '赵六', phone: '13600001111' },
    });
    expect(hazardProblems(plan, turned.input, '2022-06-21')).toEqual([]);
    expect(turned.house.problems[0]?.hazardId).toBe('hz-20220621-00000002');
    expect(turned.house.problems[1]?.hazardId).toBeNull();
  });

  it('is refused for a problem not found in the house, one turned already, and a house out of scope', () => {
    const notFound = problemToHazard(house, { problem: 'flammable-panels', grade: 'general' }, 'hz-x', '');
    const turned = problemToHazard(house, { problem: 'window-obstructions', grade: 'general' }, 'hz-20220621-00000003', '');
    if ('problems' in turned) throw new Error('refused');
    const small = newHouse(plan, 'sbh-20220620-00000004', input({ occupants: 6 }), '2022-06-20', 'u');

    expect(notFound).toEqual({ problems: [{ path: 'problem', message: expect.stringContaining('flammable-panels was not found') }] });
    expect(() => problemToHazard(turned.house, { problem: 'window-obstructions', grade: 'general' }, 'hz-y', '')).toThrow(/already hazard hz-20220621-00000003/);
    expect(() => problemToHazard(small, { problem: 'window-obstructions', grade: 'general' }, 'hz-z', '')).toThrow(ConflictError);
  });
});
