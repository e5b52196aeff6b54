import { z } from 'zod';

/**
 * Each module reads the variables it needs once, at load, through a zod schema: a missing or
 * malformed variable stops the Lambda at cold start with its name, not with an undefined deep
 * inside a request. A Lambda only gets the variables of the modules it uses.
 */
export function loadEnv<S extends z.ZodObject>(schema: S, source: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${problems}`);
  }
  return result.data;
}

export const shardsVariable = z.coerce.number().int().min(1).max(256).default(16);
