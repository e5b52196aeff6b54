/**
 * Personal data in free text (functions/core/pii.ts): what the exposure lists must never carry,
 * in the shapes people actually write it.
 */
import { describe, expect, it } from 'vitest';
import { findPersonalData, foldWidth, masked, scrubText } from '../../functions/core/pii.ts';

const kinds = (text: string, names: string[] = []) => findPersonalData(text, names).map((f) => [f.kind, f.text]);

describe('phone numbers', () => {
  it.each([
    ['13812345678', '13812345678'],
    ['电话13812345678。', '13812345678'],
    ['138 1234 5678', '138 1234 5678'],
    ['138-1234-5678', '138-1234-5678'],
    ['138.1234.5678', '138.1234.5678'],
    ['+86 138 1234 5678', '+86 138 1234 5678'],
    ['+8613812345678', '+8613812345678'],
    ['0086-13912345678', '0086-13912345678'],
    ['(+86)19912345678', '(+86)19912345678'],
    ['（＋86）１３８１２３４５６７８', '（＋86）１３８１２３４５６７８'],
    ['１３８－１２３４－５６７８', '１３８－１２３４－５６７８'],
  ])('finds the mobile number in %j', (text, found) => {
    expect(kinds(text)).toEqual([['mobile', found]]);
  });

  it.each([
    ['023-12345678', '023-12345678'],
    ['(023)4567 8901', '(023)4567 8901'],
    ['（023）45678901', '（023）45678901'],
    ['02345678901', '02345678901'],
    ['0755-1234567', '0755-1234567'],
  ])('finds the landline in %j', (text, found) => {
    expect(kinds(text)).toEqual([['landline', found]]);
  });

  it('finds a short number when the text says it is a phone number', () => {
    expect(kinds('座机：4987654，白天有人')).toEqual([['landline', '4987654']]);
  });

  it.each([
    '2022-06-30 检查发现',
    '建筑面积1380平方米，共12层，住宿36人',
    '整改期限2022年9月19日',
    '订单号 2022063013812345678',
    '编号 hz-20220620-1a2b3c4d',
    '12312345678', // 123 is no mobile prefix
    '火警电话119，报警110',
  ])('leaves %j alone', (text) => {
    expect(findPersonalData(text)).toEqual([]);
    expect(scrubText(text).text).toBe(text);
  });
});

describe('identity card numbers and names', () => {
  it('finds an 18-digit identity card number, with X, and an old 15-digit one', () => {
    expect(kinds('身份证号50011819900101123X')).toEqual([['id-number', '50011819900101123X']]);
    expect(kinds('身份证 500118900101123')).toEqual([['id-number', '500118900101123']]);
  });

  it('finds a name after a label, and any name it is told of, wherever it stands', () => {
    expect(kinds('房东：李四，电话另告')).toEqual([['name', '李四']]);
    expect(kinds('经营者王小明在店内居住，王小明称将整改', ['王小明'])).toEqual([
      ['name', '王小明'],
      ['name', '王小明'],
    ]);
  });
});

describe('scrubbing', () => {
  it('replaces each finding and nothing else', () => {
    const text = '联系人：张三，手机 138-1234-5678，座机 023-12345678，身份证500118199001011234。张三承诺月底前整改。';

    const scrubbed = scrubText(text, ['张三']);

    expect(scrubbed.text).toBe('联系人：[姓名已隐去]，手机 [电话已隐去]，座机 [电话已隐去]，身份证[证件号已隐去]。[姓名已隐去]承诺月底前整改。');
    expect(scrubbed.removed).toEqual(['name', 'mobile', 'landline', 'id-number', 'name']);
    expect(findPersonalData(scrubbed.text, ['张三'])).toEqual([]);
  });

  it('keeps offsets when it folds full-width characters', () => {
    expect(foldWidth('（＋86）１３８')).toBe('(+86)138');
    expect(foldWidth('（＋86）１３８')).toHaveLength('（＋86）１３８'.length);
  });

  it('shows a finding masked in a message', () => {
    expect(masked('13812345678')).toBe('138****5678');
    expect(masked('张三')).toBe('张*');
  });
});
