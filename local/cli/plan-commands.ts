import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { isIsoDate } from '../../functions/core/dates.ts';
import { describe, diffPlans } from '../../functions/core/plan-diff.ts';
import { planCalendar, plannedInstances } from '../../functions/core/schedule.ts';
import { EXIT_INVALID, EXIT_OK, println, type CliContext } from './io.ts';
import { planJsonSchema } from './plan-json-schema.ts';
import { loadPlanFile, reportLoadFailure } from './plan-file.ts';
import { planTable } from './plan-table.ts';
import { previewInstances, previewJson, previewTable, type PreviewFilter } from './plan-preview.ts';
import { planWarnings } from './plan-warnings.ts';

export function registerPlanCommands(program: Command, context: CliContext): void {
  const plan = program.command('plan').description('check, preview, compare and describe plan files');

  plan
    .command('check')
    .description('validate a plan file and summarise what it plans')
    .argument('<file>', 'plan file (YAML)')
    .action(async (file: string) => context.exit(await checkPlan(context, file)));

  plan
    .command('preview')
    .description('list every planned instance with its opening, reminder, due, escalation and missed dates')
    .argument('<file>', 'plan file (YAML)')
    .addOption(new Option('--from <date>', 'only instances still running on or after this date (YYYY-MM-DD)').argParser(dateOption))
    .addOption(new Option('--to <date>', 'only instances opening on or before this date (YYYY-MM-DD)').argParser(dateOption))
    .option('--unit <id>', 'only instances owned by this unit')
    .option('--json', 'print JSON instead of a table')
    .action(async (file: string, options: PreviewFilter & { json?: boolean }) => context.exit(await previewPlan(context, file, options)));

  plan
    .command('diff')
    .description('list what changed from one version of a plan to another')
    .argument('<old>', 'the plan file as it was')
    .argument('<new>', 'the plan file as it is now')
    .action(async (oldFile: string, newFile: string) => context.exit(await diffPlanFiles(context, oldFile, newFile)));

  plan
    .command('table')
    .description('print the plan as a Markdown table: item, duty, owners, cadence, target')
    .argument('<file>', 'plan file (YAML)')
    .action(async (file: string) => context.exit(await printTable(context, file)));

  plan
    .command('schema')
    .description('print the JSON Schema of plan files')
    .option('--out <file>', 'write it to this file instead')
    .action(async (options: { out?: string }) => context.exit(await printSchema(context, options.out)));
}

function dateOption(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError('expected a calendar date as YYYY-MM-DD.');
  return value;
}

async function checkPlan({ io }: CliContext, file: string): Promise<number> {
  const loaded = await loadPlanFile(file);
  if (!loaded.ok) {
    reportLoadFailure(io, loaded);
    return EXIT_INVALID;
  }
  const { plan } = loaded;
  const calendar = planCalendar(plan);
  const instances = plannedInstances(plan, calendar);
  println(
    io.stdout,
    `${file}: ok: plan ${plan.id} (${plan.title.zh}), ${plan.units.length} units, ${plan.duties.length} duties, ` +
      `${instances.length} instances planned from ${plan.effectiveFrom} to ${plan.effectiveTo}`,
  );
  for (const warning of planWarnings(plan, calendar)) println(io.stderr, `${file}: warning: ${warning}`);
  return EXIT_OK;
}

async function previewPlan({ io }: CliContext, file: string, options: PreviewFilter & { json?: boolean }): Promise<number> {
  if (options.from !== undefined && options.to !== undefined && options.from > options.to) {
    println(io.stderr, `fireplan: --from ${options.from} is after --to ${options.to}`);
    return EXIT_INVALID;
  }
  const loaded = await loadPlanFile(file);
  if (!loaded.ok) {
    reportLoadFailure(io, loaded);
    return EXIT_INVALID;
  }
  const { plan } = loaded;
  if (options.unit !== undefined && !plan.units.some((u) => u.id === options.unit)) {
    println(io.stderr, `fireplan: --unit: no unit "${options.unit}" in ${file}; known units: ${plan.units.map((u) => u.id).join(', ')}`);
    return EXIT_INVALID;
  }
  const filter: PreviewFilter = { from: options.from, to: options.to, unit: options.unit };
  const rows = previewInstances(plan, planCalendar(plan), filter);
  if (options.json) println(io.stdout, JSON.stringify(previewJson(plan, filter, rows), null, 2));
  else for (const line of previewTable(plan, filter, rows)) println(io.stdout, line);
  return EXIT_OK;
}

async function diffPlanFiles({ io }: CliContext, oldFile: string, newFile: string): Promise<number> {
  const [before, after] = await Promise.all([loadPlanFile(oldFile), loadPlanFile(newFile)]);
  if (!before.ok || !after.ok) {
    if (!before.ok) reportLoadFailure(io, before);
    if (!after.ok) reportLoadFailure(io, after);
    return EXIT_INVALID;
  }
  const changes = diffPlans(before.plan, after.plan);
  if (changes.length === 0) println(io.stdout, 'no changes');
  for (const change of changes) println(io.stdout, describe(change));
  return EXIT_OK;
}

async function printTable({ io }: CliContext, file: string): Promise<number> {
  const loaded = await loadPlanFile(file);
  if (!loaded.ok) {
    reportLoadFailure(io, loaded);
    return EXIT_INVALID;
  }
  for (const line of planTable(loaded.plan)) println(io.stdout, line);
  return EXIT_OK;
}

async function printSchema({ io }: CliContext, out: string | undefined): Promise<number> {
  const text = `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
  if (out === undefined) {
    io.stdout(text);
    return EXIT_OK;
  }
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text, 'utf8');
  println(io.stdout, `wrote ${out}`);
  return EXIT_OK;
}
