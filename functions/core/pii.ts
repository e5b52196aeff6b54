/**
 * Personal data in free text (个人信息): what an exposure list must never carry. A public list of
 * hazards names places and owning units, never a person or a phone number, so before a list is
 * drafted every text is scrubbed, and an edit that brings personal data back is refused.
 *
 * Found:
 * - mobile numbers: 1[3-9] and nine more digits, written together or with spaces, hyphens, dots or
 *   full-width characters between the digits, with or without +86 / 0086 / (86) in front;
 * - landlines: an area code 0xx or 0xxx (or in brackets) and a 7- or 8-digit number, together or
 *   with a space or hyphen (023-12345678, (023)4567 8901, 02312345678);
 * - identity card numbers: 18 digits (the last may be X) or the old 15, with a plausible birth date;
 * - names: any name given (the hazards' contacts), and the 2–4 characters after a label such as
 *   联系人：, 户主：, 房东：, 负责人：, 法定代表人：.
 *
 * Pure functions of strings.
 */

export type PersonalKind = 'mobile' | 'landline' | 'id-number' | 'name';

export interface Finding {
  kind: PersonalKind;
  /** Offsets in the text as given. */
  start: number;
  end: number;
  text: string;
}

export const personalKindLabel: Record<PersonalKind, string> = {
  mobile: 'a personal phone number (mobile)',
  landline: 'a phone number (landline)',
  'id-number': 'an identity card number',
  name: 'a personal name',
};

/** What a scrubbed item reads as instead. */
export const REDACTED: Record<PersonalKind, string> = {
  mobile: '[电话已隐去]',
  landline: '[电话已隐去]',
  'id-number': '[证件号已隐去]',
  name: '[姓名已隐去]',
};

/**
 * The text with full-width digits, letters, brackets, plus signs, hyphens, dots and spaces as their
 * ASCII forms, one character for one (so offsets stay those of the text given).
 */
export function foldWidth(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code >= 0xff01 && code <= 0xff5e) out += String.fromCodePoint(code - 0xfee0);
    else if (code === 0x3000) out += ' ';
    else if (ch === '－' || ch === '—' || ch === '–' || ch === '‑' || ch === '−') out += '-';
    else if (ch === '（') out += '(';
    else if (ch === '）') out += ')';
    else out += ch;
    // Characters outside the BMP take two code units: keep the offsets by padding.
    if (code > 0xffff) out += ' ';
  }
  return out;
}

const SEP = '[ \\-.\\u00a0]?';
const MOBILE = new RegExp(`(?<![0-9])(?:\\(?(?:\\+|00)?86\\)?${SEP})?1[3-9](?:${SEP}[0-9]){9}(?![0-9])`, 'g');
const LANDLINE = new RegExp(`(?<![0-9])(?:\\(0[1-9][0-9]{1,2}\\)|0[1-9][0-9]{1,2})${SEP}[0-9]{3,4}${SEP}[0-9]{4}(?![0-9])`, 'g');
/** A number of 7 or more digits written after 电话, 手机, tel …: a phone number whatever its shape. */
const LABELLED_PHONE = /(?:电话|手机|座机|联系电话|联系方式|tel|phone)\s*(?:号码)?\s*[:：]?\s*([0-9(][0-9 ()\-.]{5,}[0-9])/gi;
const DATE = '(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])';
const ID18 = new RegExp(`(?<![0-9A-Za-z])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}${DATE}[0-9]{3}[0-9Xx](?![0-9A-Za-z])`, 'g');
const ID15 = new RegExp(`(?<![0-9A-Za-z])[1-9][0-9]{5}[0-9]{2}${DATE}[0-9]{3}(?![0-9A-Za-z])`, 'g');
const LABELLED_NAME = /(?:联系人|联系方式|户主|房东|房主|业主|负责人|经营者|经营户|法定代表人|法人代表|法人|管理人|举报人)\s*[:：]\s*([\u4e00-\u9fa5·]{2,4})/g;

function matches(pattern: RegExp, text: string, kind: PersonalKind, original: string, group = 0): Finding[] {
  const found: Finding[] = [];
  for (const m of text.matchAll(pattern)) {
    const whole = m[0];
    const part = m[group] ?? whole;
    const start = (m.index ?? 0) + (group === 0 ? 0 : whole.lastIndexOf(part));
    found.push({ kind, start, end: start + part.length, text: original.slice(start, start + part.length) });
  }
  return found;
}

/**
 * The personal data found in a text, earliest first, overlaps resolved in favour of the longer
 * finding. `names` are people known to be connected with the text (the hazard's contact).
 */
export function findPersonalData(text: string, names: readonly string[] = []): Finding[] {
  const folded = foldWidth(text);
  const found: Finding[] = [
    ...matches(ID18, folded, 'id-number', text),
    ...matches(ID15, folded, 'id-number', text),
    ...matches(MOBILE, folded, 'mobile', text),
    ...matches(LANDLINE, folded, 'landline', text),
    ...matches(LABELLED_PHONE, folded, 'landline', text, 1).filter((f) => f.text.replace(/[^0-9０-９]/g, '').length >= 7),
    ...matches(LABELLED_NAME, folded, 'name', text, 1),
  ];
  for (const name of new Set(names.map((n) => n.trim()).filter((n) => n.length >= 2))) {
    let from = 0;
    for (let at = text.indexOf(name, from); at >= 0; at = text.indexOf(name, from)) {
      found.push({ kind: 'name', start: at, end: at + name.length, text: name });
      from = at + name.length;
    }
  }
  const rank: Record<PersonalKind, number> = { 'id-number': 0, mobile: 1, landline: 2, name: 3 };
  found.sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start) || rank[a.kind] - rank[b.kind]);
  const kept: Finding[] = [];
  for (const f of found) {
    const last = kept.at(-1);
    if (last && f.start < last.end) {
      if (f.end > last.end) last.end = f.end;
      last.text = text.slice(last.start, last.end);
      continue;
    }
    kept.push({ ...f });
  }
  return kept;
}

/** The text with every finding replaced by what it stands for (`[电话已隐去]` …). */
export function scrubText(text: string, names: readonly string[] = []): { text: string; removed: PersonalKind[] } {
  const findings = findPersonalData(text, names);
  let out = '';
  let at = 0;
  for (const f of findings) {
    out += text.slice(at, f.start) + REDACTED[f.kind];
    at = f.end;
  }
  return { text: out + text.slice(at), removed: findings.map((f) => f.kind) };
}

/** A finding as a message may show it: its first and last characters only (`138****5678`). */
export function masked(text: string): string {
  const chars = [...text];
  if (chars.length <= 4) return `${chars[0] ?? ''}${'*'.repeat(Math.max(chars.length - 1, 0))}`;
  const keep = chars.length >= 11 ? 3 : 1;
  return `${chars.slice(0, keep).join('')}${'*'.repeat(chars.length - keep - (chars.length >= 11 ? 4 : 1))}${chars.slice(chars.length >= 11 ? -4 : -1).join('')}`;
}
