import { describe, expect, it } from 'vitest';
import { parsePeriodId, periodContaining, periodsBetween } from '../../functions/core/periods.ts';

describe('periods from the plan\'s effective date, 2022-04-15, to the year end', () => {
  it.each([
    ['monthly', ['2022-04', '2022-05', '2022-06', '2022-07', '2022-08', '2022-09', '2022-10', '2022-11', '2022-12']],
    ['quarterly', ['2022-Q2', '2022-Q3', '2022-Q4']],
    ['semiannual', ['2022-H1', '2022-H2']],
    ['annual', ['2022']],
    ['academic-year', ['2021-2022', '2022-2023']],
  ] as const)('%s: the first period is the one in progress on the effective date', (cadence, ids) => {
    const periods = periodsBetween(cadence, '2022-04-15', '2022-12-31');

    expect(periods.map((p) => p.id)).toEqual(ids);
  });

  it('gives each period its first and last day', () => {
    expect(periodContaining('monthly', '2022-02-10')).toMatchObject({ starts: '2022-02-01', ends: '2022-02-28' });
    expect(periodContaining('quarterly', '2022-04-15')).toMatchObject({ id: '2022-Q2', starts: '2022-04-01', ends: '2022-06-30' });
    expect(periodContaining('semiannual', '2022-07-01')).toMatchObject({ id: '2022-H2', starts: '2022-07-01', ends: '2022-12-31' });
    expect(periodContaining('annual', '2022-04-15')).toMatchObject({ starts: '2022-01-01', ends: '2022-12-31' });
    expect(periodContaining('academic-year', '2022-04-15')).toMatchObject({ starts: '2021-09-01', ends: '2022-08-31' });
  });

  it('handles leap years in February', () => {
    expect(periodContaining('monthly', '2024-02-02').ends).toBe('2024-02-29');
  });

  it('returns nothing for a window that ends before it starts', () => {
    expect(periodsBetween('monthly', '2022-05-01', '2022-04-01')).toEqual([]);
  });
});

describe('parsePeriodId', () => {
  it.each(['2022-05', '2022-Q3', '2022-H2', '2022', '2022-2023'])('reads %s back into the same period', (id) => {
    expect(parsePeriodId(id).id).toBe(id);
  });

  it.each(['2022-13', '2022-Q5', '2022-H3', '2022-2024', 'May'])('refuses %s', (id) => {
    expect(() => parsePeriodId(id)).toThrow(/not a period id/);
  });
});
