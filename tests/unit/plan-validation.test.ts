import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ValidationError, type Problem } from '../../functions/core/errors.ts';
import { parsePlan } from '../../functions/core/plan-parse.ts';
import type { PlanInput } from '../../functions/core/plan-schema.ts';
import { dutyInput, planInput } from '../support/plan-fixture.ts';

function problemsOf(text: string): Problem[] {
  try {
    parsePlan(text, 'test.yaml');
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  return [];
}

function problemsOfPlan(plan: PlanInput): Problem[] {
  return problemsOf(stringify(plan));
}

/** The 1-based line of the first line of the text that includes a fragment. */
function lineWith(text: string, fragment: string): number {
  return text.split('\n').findIndex((l) => l.includes(fragment)) + 1;
}

describe('parsePlan', () => {
  it('accepts a well-formed plan and fills in defaults', () => {
    const plan = parsePlan(stringify(planInput()), 'test.yaml');

    expect(plan.duties[0]?.opens).toEqual({ from: 'start', days: 0, workdays: 0, restDay: 'next' });
    expect(plan.units[0]?.contacts[0]?.language).toBe('zh');
  });

  it('names an unknown cadence with its path, the choices and its line', () => {
    const text = stringify(planInput({ duties: [{ ...dutyInput(), cadence: 'weekly' as never }] }));
    const line = text.split('\n').findIndex((l) => l.includes('cadence: weekly')) + 1;

    const problems = problemsOf(text);

    expect(problems).toEqual([{ path: 'duties[0].cadence', message: expect.stringContaining('expected one of "monthly"|"quarterly"'), line }]);
  });

  it('refuses an owner that is not a unit of the plan', () => {
    expect(problemsOfPlan(planInput({ duties: [dutyInput({ owners: ['fire-brigade'] })] }))).toEqual([
      expect.objectContaining({ path: 'duties[0].owners[0]', message: 'unknown unit "fire-brigade"' }),
    ]);
  });

  it('refuses a duty that falls due before it opens', () => {
    const problems = problemsOfPlan(planInput({ duties: [dutyInput({ opens: { from: 'start', days: 10 }, due: { from: 'start', days: 2 } })] }));

    expect(problems).toEqual([expect.objectContaining({ path: 'duties[0].due', message: expect.stringMatching(/falls due .* before it opens/) })]);
  });

  it('refuses a one-off duty whose due date is before its opening date', () => {
    const problems = problemsOfPlan(
      planInput({ duties: [dutyInput({ cadence: 'once', opens: { from: 'date', date: '2022-06-10' }, due: { from: 'date', date: '2022-06-01' } })] }),
    );

    expect(problems).toContainEqual(expect.objectContaining({ path: 'duties[0].due.date', message: 'due date 2022-06-01 is before the opening date 2022-06-10' }));
  });

  it.each([0, -15])('refuses a target of %d', (value) => {
    const problems = problemsOfPlan(planInput({ duties: [dutyInput({ target: { value, unit: '人', measure: '专职消防员' } })] }));

    expect(problems).toEqual([expect.objectContaining({ path: 'duties[0].target.value', message: 'expected a positive number' })]);
  });

  it('refuses a duplicate duty id, naming both places', () => {
    const problems = problemsOfPlan(planInput({ duties: [dutyInput(), dutyInput()] }));

    expect(problems).toEqual([expect.objectContaining({ path: 'duties[1].id', message: 'duplicate id "monthly-analysis" (also duties[0])' })]);
  });

  it('refuses a duplicate unit id', () => {
    const base = planInput();
    const problems = problemsOfPlan({ ...base, units: [...base.units, { id: 'village-1', name: '重复', kind: 'village' }] });

    expect(problems).toEqual([expect.objectContaining({ path: 'units[6].id', message: 'duplicate id "village-1" (also units[4])' })]);
  });

  it('refuses a ladder that tells an unknown unit, and rungs out of order', () => {
    const base = planInput();
    const problems = problemsOfPlan({
      ...base,
      ladders: {
        standard: {
          yellow: { afterWorkdays: 5, notify: ['owner', 'mayor'] },
          red: { afterWorkdays: 3, notify: ['owner'] },
          warningTalk: { afterWorkdays: 10, notify: ['town-head'] },
          missedAfterWorkdays: 20,
        },
      },
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'ladders.standard.yellow.notify[1]', message: 'unknown unit "mayor"' }),
        expect.objectContaining({ path: 'ladders.standard.red.afterWorkdays', message: 'red must come after yellow' }),
      ]),
    );
  });

  it('asks for example.org addresses to be marked as placeholders', () => {
    const base = planInput();
    const problems = problemsOfPlan({ ...base, units: [...base.units, { id: 'hospital', name: '医院', kind: 'department', contacts: [{ email: 'h@qingfeng.example.org' }] }] });

    expect(problems).toEqual([expect.objectContaining({ path: 'units[6].contacts[0].placeholder' })]);
  });

  it('reports a missing field as missing, and an unknown field as unknown', () => {
    const { weight: _weight, ...withoutWeight } = dutyInput();
    const problems = problemsOfPlan(planInput({ duties: [{ ...withoutWeight, colour: 'red' } as never] }));

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'duties[0].weight', message: 'required, but missing' }),
        expect.objectContaining({ path: 'duties[0]', message: expect.stringContaining('colour') }),
      ]),
    );
  });

  it('reports a field problem and a cross-reference problem of another duty in one run, each at its line', () => {
    const text = stringify(planInput({ duties: [{ ...dutyInput(), cadence: 'weekly' as never }, dutyInput({ id: 'second-duty', owners: ['fire-brigade'] })] }));

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: 'duties[0].cadence', message: expect.stringContaining('expected one of'), line: lineWith(text, 'cadence: weekly') },
      { path: 'duties[1].owners[0]', message: 'unknown unit "fire-brigade"', line: lineWith(text, '- fire-brigade') },
    ]);
  });

  it('still checks the references of a duty whose other fields are wrong', () => {
    const problems = problemsOfPlan(planInput({ duties: [dutyInput({ cadence: 'weekly' as never, owners: ['fire-brigade'] })] }));

    expect(problems).toEqual([
      expect.objectContaining({ path: 'duties[0].cadence' }),
      expect.objectContaining({ path: 'duties[0].owners[0]', message: 'unknown unit "fire-brigade"' }),
    ]);
  });

  it('counts a unit with a wrong field as present, so owning duties do not report it unknown', () => {
    const base = planInput();
    const units = base.units.map((u) => (u.id === 'emergency-office' ? { ...u, kind: 'bureau' as never } : u));

    const problems = problemsOfPlan({ ...base, units });

    expect(problems).toEqual([expect.objectContaining({ path: 'units[3].kind' })]);
  });

  it.each([
    ['units is not a list', { units: 'all of them' }],
    ['a duty is not an object', { duties: ['monthly-analysis'] }],
    ['the calendar is not an object', { calendar: 'lunar' }],
    ['ladders is a list', { ladders: [] }],
    ['a rung is missing', { ladders: { standard: { yellow: { afterWorkdays: 1, notify: ['owner'] }, missedAfterWorkdays: 20 } } }],
  ])('reports only the shape problem when %s, without crashing', (_case, overrides) => {
    const problems = problemsOfPlan({ ...planInput(), ...(overrides as Partial<PlanInput>) });

    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => !p.message.startsWith('unknown'))).toBe(true);
  });

  it('refuses two calendar overrides of one date, naming both places', () => {
    const base = planInput();
    const overrides = [
      { date: '2027-01-01', work: false, name: '元旦' },
      { date: '2027-01-02', work: false, name: '元旦' },
      { date: '2027-01-03', work: false, name: '元旦' },
      { date: '2027-01-01', work: true, name: '调休上班' },
    ];
    const text = stringify({ ...base, calendar: { overrides, keyDates: [] } });

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: 'calendar.overrides[3].date', message: 'duplicate date 2027-01-01 (also calendar.overrides[0])', line: lineWith(text, 'work: true') - 1 },
    ]);
  });

  it('refuses a duplicate key-date id at its place in the calendar', () => {
    const keyDate = { id: 'national-day', name: '国庆', kind: 'holiday' as const, starts: '2022-10-01' };
    const text = stringify({ ...planInput(), calendar: { overrides: [], keyDates: [keyDate, { ...keyDate, starts: '2022-10-02' }] } });

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: 'calendar.keyDates[1].id', message: 'duplicate id "national-day" (also calendar.keyDates[0])', line: lineWith(text, 'starts: 2022-10-02') - 3 },
    ]);
  });

  it.each([
    ['empty', ''],
    ['only blank lines', '\n\n  \n'],
    ['only comments', '# plan for 2023, to be written\n'],
    ['only a document marker', '---\n'],
  ])('says a file that is %s is empty', (_case, text) => {
    expect(problemsOf(text)).toEqual([{ path: '', message: 'the plan file is empty', line: 1 }]);
  });

  it('reports an unclosed bracket once, at the line it opens on, without the errors it causes further down', () => {
    const text = 'id: x\nunits: [a, b\nduties:\n  - id: y\n    owners: z\n';

    const problems = problemsOf(text);

    expect(problems).toEqual([{ path: '', message: expect.stringMatching(/^YAML: Flow sequence .*end with a \]/), line: 2 }]);
  });

  it('keeps YAML errors that do not derail the parser, one per line, before the first one that does', () => {
    const text = 'id: x\nid: y\ntown: { a: 1, a: 2, a: 3 }\nunits: [a, b\nduties: {\n';

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: '', message: 'YAML: Map keys must be unique', line: 2 },
      { path: '', message: 'YAML: Map keys must be unique', line: 3 },
      { path: '', message: expect.stringMatching(/^YAML: Flow sequence/), line: 4 },
    ]);
  });

  it('refuses a document that is not a mapping', () => {
    expect(problemsOf('- just\n- a list\n')).toEqual([expect.objectContaining({ path: '', message: expect.stringContaining('expected object') })]);
  });
});
