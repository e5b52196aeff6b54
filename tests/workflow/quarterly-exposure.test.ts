/**
 * QuarterlyExposure (item 8: 每季度集中曝光一批重大火灾隐患), as synthesized from the CDK app, on the
 * local runtime: on the last working day of the quarter it drafts each town's list of open major
 * hazards for public exposure, with personal names and phone numbers removed; once, however often
 * it runs; and on no other day. The hazards are recorded through the Hazards function, as an admin
 * would through the API.
 */
import { describe, expect, it } from 'vitest';
import type { IsoDate } from '../../functions/core/dates.ts';
import { apiGatewayEvent } from '../../local/api/api-gateway-event.ts';
import { tokenClaims } from '../../local/api/local-auth.ts';
import { shanghai, townPlan, useWorkflowHarness } from '../support/workflow-runtime.ts';

const harness = useWorkflowHarness();

const DUTIES = ['c06-plant-warehouse-rectification', 'c07-self-built-housing-rectification', 'c08-special-governance', 'c08-listed-supervision', 'c08-quarterly-hazard-exposure'];

let requests = 0;

/** `POST /hazards` by the town's admin at 10:00 on `day`; the hazard's id. */
async function recordHazard(town: string, day: IsoDate, body: Record<string, unknown>): Promise<string> {
  requests += 1;
  const event = apiGatewayEvent({
    method: 'POST',
    path: '/hazards',
    routeKey: 'POST /hazards',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    at: shanghai(day, '10:00'),
    claims: tokenClaims({ role: 'admin', town, subject: 'admin-1' }),
    requestId: `exposure-workflow-${requests}`,
  });
  const response = (await harness().runtime.invokeFunction('Hazards', event)) as { statusCode: number; body: string };
  expect(response.statusCode, response.body).toBe(201);
  return (JSON.parse(response.body) as { id: string }).id;
}

async function seed(town: string): Promise<{ shop: string; plant: string }> {
  await harness().seedTown(townPlan(town, { duties: DUTIES }));
  const shop = await recordHazard(town, '2022-05-10', {
    place: '示例村一 兴隆路8号 王小明日杂店',
    area: 'village-1',
    category: 'nine-small',
    grade: 'major',
    description: '经营者王小明（电话 139-2345-6789，身份证500118199001011234）一家在店内住宿，电动车室内充电',
    contact: { name: '王小明', phone: '13923456789' },
  });
  const plant = await recordHazard(town, '2022-06-01', {
    place: '示例村二 鑫源五金厂仓库',
    area: 'village-2',
    category: 'plant-warehouse',
    grade: 'major',
    owner: 'economic-office',
    measure: 'relocate',
    description: '仓库内设置员工宿舍，联系人：陈大力 023-12345678',
  });
  await recordHazard(town, '2022-06-02', { place: '示例村一 小餐馆', area: 'village-1', category: 'nine-small', grade: 'general', description: '厨房燃气管道老化' });
  return { shop, plant };
}

const exposureItems = async (town: string) => (await harness().itemsOf(`TOWN#${town}`)).filter((i) => String(i['sk']).startsWith('EXPOSURE#'));

const run = (day: IsoDate) => harness().runtime.runStateMachine('QuarterlyExposure', { scheduledTime: shanghai(day, '16:00') });

const entered = (execution: Awaited<ReturnType<typeof run>>, state: string) => execution.events.some((e) => e.type === 'StateEntered' && e.state.name === state);

describe('QuarterlyExposure', () => {
  it("on 30 June 2022 drafts the town's list of open major hazards with personal data removed", async () => {
    const town = 'exposure-june';
    const { shop, plant } = await seed(town);

    const execution = await run('2022-06-30');

    expect(execution.status).toBe('SUCCEEDED');
    expect(entered(execution, 'DraftExposure')).toBe(true);
    const [item, ...more] = await exposureItems(town);
    expect(more).toEqual([]);
    expect(item).toMatchObject({ sk: 'EXPOSURE#2022-Q2', quarter: '2022-Q2', status: 'draft', draftedOn: '2022-06-30', edited: false, version: 0 });
    const entries = item?.['entries'] as { hazardId: string; place: string; description: string }[];
    expect(entries.map((e) => e.hazardId)).toEqual([shop, plant]);
    expect(entries[0]).toMatchObject({
      place: '示例村一 兴隆路8号 [姓名已隐去]日杂店',
      description: '经营者[姓名已隐去]（电话 [电话已隐去]，身份证[证件号已隐去]）一家在店内住宿，电动车室内充电',
    });
    expect(entries[1]?.description).toBe('整改措施：搬。仓库内设置员工宿舍，联系人：[姓名已隐去] [电话已隐去]');
    const text = JSON.stringify(item);
    for (const secret of ['王小明', '陈大力', '139-2345-6789', '13923456789', '023-12345678', '500118199001011234', 'contact']) expect(text).not.toContain(secret);
  });

  it('run twice on the day makes one draft, and leaves it as it was', async () => {
    const town = 'exposure-twice';
    await seed(town);
    await run('2022-06-30');
    const first = await exposureItems(town);

    const again = await run('2022-06-30');

    expect(again.status).toBe('SUCCEEDED');
    expect(await exposureItems(town)).toEqual(first);
    expect(first).toHaveLength(1);
  });

  it('drafts nothing on the other days the schedule fires, and drafts on the last working day when the replay reaches it', async () => {
    const town = 'exposure-days';
    await seed(town);

    const other = await run('2022-06-29');
    expect(other.status).toBe('SUCCEEDED');
    expect(entered(other, 'NotLastWorkdayOfQuarter')).toBe(true);
    expect(entered(other, 'DraftExposure')).toBe(false);
    expect(await exposureItems(town)).toEqual([]);

    const days = await harness().replay('2022-06-27', '2022-07-01');

    const runs = days.flatMap((d) => d.runs).filter((r) => r.stateMachine === 'QuarterlyExposure');
    expect(runs.map((r) => [r.scheduledTime.slice(0, 10), entered(r.execution, 'DraftExposure')])).toEqual([
      ['2022-06-27', false],
      ['2022-06-28', false],
      ['2022-06-29', false],
      ['2022-06-30', true],
    ]);
    expect((await exposureItems(town)).map((i) => [i['sk'], i['draftedOn']])).toEqual([['EXPOSURE#2022-Q2', '2022-06-30']]);
  });
});
