import type { Command } from 'commander';
import { isIsoDate } from '../../functions/core/dates.ts';
import { EXIT_FAILURE, EXIT_INVALID, EXIT_OK, println, type CliContext } from '../cli/io.ts';
import { loadPlanFile, reportLoadFailure } from '../cli/plan-file.ts';
import { runBench } from './bench.ts';

interface BenchCommandOptions {
  plan: string;
  sizes: string;
  seed: string;
  from?: string;
  to?: string;
  doc?: string | false;
  quick?: boolean;
  quiet?: boolean;
  keep?: boolean;
}

/** The short window of `--quick`: one town, the plan's first month. */
const QUICK_DAYS = 30;

export function registerBenchCommand(program: Command, context: CliContext): void {
  program
    .command('bench')
    .description('replay the plan for 1, 20 and 100 towns, each in a fresh process, and report time, memory, AWS operations, bundle sizes and the modelled AWS cost (docs/bench.md)')
    .option('--plan <file>', 'the plan file', 'plans/qingfeng-2022.yaml')
    .option('--sizes <list>', 'numbers of towns, comma-separated', '1,20,100')
    .option('--seed <n>', 'the replay seed', '1')
    .option('--from <date>', 'first day replayed (default: the plan takes effect)')
    .option('--to <date>', 'last day replayed (default: the plan ends)')
    .option('--doc <file>', 'write the results as Markdown here (default: docs/bench.md, none with --quick)')
    .option('--no-doc', 'write no Markdown file')
    .option('--quick', `one town over the plan's first ${QUICK_DAYS} days, to check the output; writes only to a temporary directory`)
    .option('--quiet', 'no progress')
    .option('--keep', 'keep the temporary directory with the replays and their results')
    .action(async (options: BenchCommandOptions) => {
      const { io } = context;
      const loaded = await loadPlanFile(options.plan);
      if (!loaded.ok) {
        reportLoadFailure(io, loaded);
        return context.exit(EXIT_INVALID);
      }
      const plan = loaded.plan;
      const problems: string[] = [];
      const sizes = (options.quick ? '1' : options.sizes).split(',').map((s) => s.trim());
      if (sizes.some((s) => !/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 2000)) problems.push(`--sizes must be whole numbers from 1 to 2000, got ${JSON.stringify(options.sizes)}`);
      if (!/^\d+$/.test(options.seed)) problems.push(`--seed must be a whole number, got ${JSON.stringify(options.seed)}`);
      const from = options.from ?? plan.effectiveFrom;
      let to = options.to ?? plan.effectiveTo;
      if (options.quick && options.to === undefined && isIsoDate(from)) {
        const end = new Date(`${from}T00:00:00Z`);
        end.setUTCDate(end.getUTCDate() + QUICK_DAYS - 1);
        to = end.toISOString().slice(0, 10);
      }
      if (!isIsoDate(from) || from < plan.effectiveFrom) problems.push(`--from must be a date (YYYY-MM-DD) on or after ${plan.effectiveFrom}`);
      if (!isIsoDate(to) || to < from) problems.push('--to must be a date (YYYY-MM-DD) on or after --from');
      if (problems.length > 0) {
        for (const p of problems) println(io.stderr, `fireplan bench: ${p}`);
        return context.exit(EXIT_INVALID);
      }
      const doc = options.doc === false ? undefined : (options.doc ?? (options.quick ? undefined : 'docs/bench.md'));
      try {
        await runBench({ planFile: options.plan, plan, sizes: sizes.map(Number), seed: Number(options.seed), from, to, ...(doc ? { doc } : {}), quiet: options.quiet === true, keep: options.keep === true }, io);
        context.exit(EXIT_OK);
      } catch (error) {
        println(io.stderr, `fireplan bench: ${(error as Error).message}`);
        context.exit(EXIT_FAILURE);
      }
    });
}
