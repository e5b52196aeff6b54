import type { Command } from 'commander';
import type { Role } from '../../functions/api/route-table.ts';
import { slug } from '../../functions/core/plan-schema.ts';
import { durationSeconds, loadOrCreateKeys, mintToken, tokenClaims } from '../api/local-auth.ts';
import { EXIT_FAILURE, EXIT_INVALID, EXIT_OK, println, type CliContext } from './io.ts';

/**
 * `fireplan token --role admin|leader|unit [--unit UNIT] [--town TOWN] [--expires 8h]`: a token for
 * the local API, signed with the local key of `<data dir>/local-auth/` (made on first use), carrying
 * the claims a Cognito ID token would (docs/api.md). Prints the token alone, so that
 * `TOKEN=$(npx fireplan token --role admin)` works.
 */

interface TokenOptions {
  role: string;
  unit?: string;
  town: string;
  expires: string;
  dataDir: string;
}

const ROLES: readonly Role[] = ['admin', 'leader', 'unit'];

/** Every problem with the options, each naming its option. */
export function tokenProblems(options: TokenOptions): string[] {
  const problems: string[] = [];
  const role = options.role as Role;
  if (!ROLES.includes(role)) problems.push(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(options.role)}`);
  if (role === 'unit' && options.unit === undefined) problems.push('--unit is required with --role unit (the unit id, e.g. emergency-office)');
  if (role !== 'unit' && ROLES.includes(role) && options.unit !== undefined) problems.push(`--unit is only for --role unit; a ${role} acts for the whole town`);
  if (options.unit !== undefined && !slug.safeParse(options.unit).success) problems.push(`--unit must be a unit id (kebab-case), got ${JSON.stringify(options.unit)}`);
  if (!slug.safeParse(options.town).success) problems.push(`--town must be a town id (kebab-case), got ${JSON.stringify(options.town)}`);
  if (durationSeconds(options.expires) === undefined) problems.push(`--expires must be a duration such as 30m, 8h or 7d (at most 30d), got ${JSON.stringify(options.expires)}`);
  return problems;
}

export function registerTokenCommand(program: Command, context: CliContext): void {
  program
    .command('token')
    .description('mint a token for the local API, signed with the local key (kept under the data dir)')
    .requiredOption('--role <role>', 'admin, leader or unit')
    .option('--unit <unit>', 'the unit id (required for --role unit, refused otherwise)')
    .option('--town <town>', 'the town id', 'qingfeng')
    .option('--expires <duration>', 'how long the token is valid: 30m, 8h, 7d …', '8h')
    .option('--data-dir <dir>', 'where the local key pair is kept (in local-auth/)', '.data')
    .action(async (options: TokenOptions) => {
      const { io } = context;
      const problems = tokenProblems(options);
      if (problems.length > 0) {
        for (const p of problems) println(io.stderr, `fireplan token: ${p}`);
        return context.exit(EXIT_INVALID);
      }
      try {
        const keys = await loadOrCreateKeys(options.dataDir);
        const claims = tokenClaims({ role: options.role as Role, town: options.town, ...(options.unit ? { unit: options.unit } : {}) });
        // A token is a real-world artefact: it is issued now, and expires in real time.
        const token = await mintToken(keys, claims, { now: new Date(), expiresInSeconds: durationSeconds(options.expires) as number });
        println(io.stdout, token);
        context.exit(EXIT_OK);
      } catch (error) {
        println(io.stderr, `fireplan token: ${(error as Error).message}`);
        context.exit(EXIT_FAILURE);
      }
    });
}
