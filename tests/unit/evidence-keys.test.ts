import { describe, expect, it } from 'vitest';
import { evidenceKey, evidencePrefix, isEvidenceKeyOf, safeFileName } from '../../functions/core/evidence.ts';
import { evidenceItem } from '../../functions/api/routes/instances.ts';

const id = 'qingfeng:c02-monthly-situation-analysis:emergency-office:2022-06';
const random = '0123456789abcdef01234567';

describe('evidence keys', () => {
  it("puts an instance's files under evidence/<town>/<instance id with dots>/", () => {
    expect(evidencePrefix(id)).toBe('evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-06/');
    expect(evidencePrefix('qingfeng:duty:owner:2022-Q3')).toBe('evidence/qingfeng/qingfeng.duty.owner.2022-Q3/');
  });

  it('names a new upload with the random part and the file name, Chinese kept', () => {
    const key = evidenceKey(id, random, '6月 会议纪要.pdf');

    expect(key).toBe(`evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-06/${random}-6月_会议纪要.pdf`);
    expect(isEvidenceKeyOf(id, key)).toBe(true);
    // The route's own check of a key's shape accepts what the presign route gives out.
    expect(evidenceItem.safeParse({ kind: 'minutes', name: '会议纪要.pdf', key, size: 10 }).success).toBe(true);
  });

  it.each([
    ['../../etc/passwd', 'etc_passwd'],
    ['a/b\\c.pdf', 'a_b_c.pdf'],
    ['.hidden', 'hidden'],
    ['x..pdf', 'x.pdf'],
    ['签到表 (1) #2?.xlsx', '签到表_1_2_.xlsx'],
    ['%2e%2e%2f', '2e_2e_2f'],
    ['\u0000\u0007', 'file'],
    ['   ', 'file'],
  ])('makes the file name %j safe: %j', (name, safe) => {
    expect(safeFileName(name)).toBe(safe);
  });

  it('keeps a long name to 120 characters with its extension', () => {
    const safe = safeFileName(`${'很长的文件名'.repeat(40)}.pdf`);

    expect(safe).toHaveLength(120);
    expect(safe.endsWith('.pdf')).toBe(true);
  });

  it('keeps the key within the 400 characters a report may name, however long the ids', () => {
    const longest = ['t'.repeat(64), 'd'.repeat(64), 'o'.repeat(64), '2022-2023'].join(':');

    const key = evidenceKey(longest, random, `${'名'.repeat(200)}.xlsx`);

    expect(key.length).toBeLessThanOrEqual(400);
    expect(key.endsWith('.xlsx')).toBe(true);
    expect(isEvidenceKeyOf(longest, key)).toBe(true);
    expect(evidenceItem.safeParse({ kind: 'ledger', name: 'x.xlsx', key, size: 1 }).success).toBe(true);
  });

  it('refuses a random part that is not hex', () => {
    expect(() => evidenceKey(id, 'not-random', 'a.pdf')).toThrow(/hex/);
  });

  it.each([
    ['another instance of the same unit', `evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-07/${random}-a.pdf`],
    ['another unit', `evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.village-1.2022-06/${random}-a.pdf`],
    ['another town', `evidence/shuangshi/shuangshi.c02-monthly-situation-analysis.emergency-office.2022-06/${random}-a.pdf`],
    ['a climb out of the prefix', `evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-06/../qingfeng.x.y.2022-06/${random}-a.pdf`],
    ['a nested path', `evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-06/${random}-a/b.pdf`],
    ['a name without the random part', 'evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-06/a.pdf'],
    ['a percent-encoded name', `evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-06/${random}-%2e%2e.pdf`],
    ['the prefix alone', 'evidence/qingfeng/qingfeng.c02-monthly-situation-analysis.emergency-office.2022-06/'],
  ])('does not take a key of %s as this instance\'s', (_what, key) => {
    expect(isEvidenceKeyOf(id, key)).toBe(false);
  });

  it('asks for the declared size with a key, and refuses a size without one', () => {
    const withoutSize = evidenceItem.safeParse({ kind: 'minutes', name: 'a.pdf', key: `evidence/qingfeng/x/${random}-a.pdf` });
    const sizeAlone = evidenceItem.safeParse({ kind: 'minutes', name: 'a.pdf', size: 10 });

    expect(withoutSize.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['size', 'give the size declared for the upload of this key']]);
    expect(sizeAlone.error?.issues.map((i) => i.path.join('.'))).toEqual(['size']);
  });
});
