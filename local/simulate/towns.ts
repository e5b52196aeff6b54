import { planSchema, type Plan } from '../../functions/core/plan-schema.ts';

/**
 * The plan as each simulated town runs it. The first town is the plan's own; the others are copies
 * with their own ids, names and placeholder addresses, so that nothing is shared between towns
 * but the engine.
 */
export function townPlans(plan: Plan, towns: number): Plan[] {
  if (!Number.isInteger(towns) || towns < 1) throw new Error(`--towns must be a whole number of at least 1, got ${towns}`);
  const plans = [plan];
  for (let n = 2; n <= towns; n += 1) {
    const town = `${plan.town.id}-${String(n).padStart(4, '0')}`;
    plans.push(
      planSchema.parse({
        ...plan,
        id: `${plan.id}-${String(n).padStart(4, '0')}`,
        town: { ...plan.town, id: town, name: `${plan.town.name}（模拟${n}）` },
        units: plan.units.map((u) => ({ ...u, contacts: u.contacts.map((c) => ({ ...c, email: `${u.id}@${town}.example.org`, placeholder: true })) })),
      }),
    );
  }
  return plans;
}
