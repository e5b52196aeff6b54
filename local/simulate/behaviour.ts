import type { WorkCalendar } from '../../functions/core/calendar.ts';
import type { IsoDate } from '../../functions/core/dates.ts';
import type { InstanceRecord } from '../../functions/core/instance.ts';

/**
 * How the simulated units behave, chosen by the seed: some prompt, some late, some never. The
 * same seed gives the same units the same habits and the same report days, whatever order the
 * replay meets the instances in.
 */

export type Habit = 'prompt' | 'late' | 'never';

/** FNV-1a, then mulberry32: a small, well-known generator, deterministic across platforms. */
export function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function random(seed: number, key: string): number {
  let t = (hash(`${seed}:${key}`) + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

export interface HabitMix {
  prompt: number;
  late: number;
  never: number;
}

export const defaultMix: HabitMix = { prompt: 0.6, late: 0.3, never: 0.1 };

export function habitOf(seed: number, town: string, unit: string, mix: HabitMix = defaultMix): Habit {
  const r = random(seed, `habit:${town}:${unit}`);
  if (r < mix.prompt) return 'prompt';
  if (r < mix.prompt + mix.late) return 'late';
  return 'never';
}

/**
 * The day a unit reports an instance done, or null if it never does. Prompt units report between
 * the opening day and the due date, and now and then a little late; late units mostly after the
 * due date, by up to fifteen working days; a unit that never reports lets even a few of its duties
 * through on time, as real laggards do.
 */
export function reportDay(seed: number, habit: Habit, instance: Pick<InstanceRecord, 'id' | 'opensOn' | 'dueOn'>, calendar: WorkCalendar): IsoDate | null {
  const r = random(seed, `report:${instance.id}`);
  const spread = random(seed, `spread:${instance.id}`);
  const window = Math.max(0, calendar.workdaysBetween(instance.opensOn, instance.dueOn));
  const early = () => calendar.addWorkdays(instance.opensOn, Math.floor(spread * (window + 1)));
  const after = (max: number) => calendar.addWorkdays(instance.dueOn, 1 + Math.floor(spread * max));
  switch (habit) {
    case 'prompt':
      return r < 0.9 ? early() : after(4);
    case 'late':
      return r < 0.25 ? early() : after(15);
    case 'never':
      return r < 0.15 ? early() : null;
  }
}
