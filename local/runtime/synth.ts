/**
 * The template the local runtime executes: `cdk.out/<Stack>.template.json` when it is newer than
 * every source it is made from, else synthesized in this process through the CDK app that
 * `infra/fireplan-stack.ts` exports (`buildApp`), without bundling the functions (the local runtime
 * imports the handler sources directly, so esbuild would be wasted time), and written to cdk.out.
 *
 * Only the template file is written, not a whole cloud assembly: a later `cdk synth` or
 * `cdk deploy` synthesizes (and bundles) the full assembly again.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CfnTemplate } from './template.ts';

/** infra/fireplan-stack.ts's FIREPLAN_STACK_NAME, known here so that a fresh template is found without loading aws-cdk-lib. */
export const DEFAULT_STACK_NAME = 'Fireplan';

export interface SynthOptions {
  repoRoot: string;
  /** @default DEFAULT_STACK_NAME */
  stackName?: string;
  /** @default 'cdk.out' under repoRoot */
  outDir?: string;
  /** Synthesize even when the template on disk is fresh. */
  force?: boolean;
}

export interface SynthResult {
  templatePath: string;
  stackName: string;
  template: CfnTemplate;
  /** False when the template on disk was fresh and reused. */
  synthesized: boolean;
}

/** What the template is made from. Handler bodies are not (the runtime imports them directly), but their files are entries. */
// functions/api holds the route table the stack builds its HTTP API from.
const SOURCES = ['infra', 'workflows', 'functions/handlers', 'functions/api', 'cdk.json'];

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs; // a deleted file changes its directory's mtime
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** The newest modification time among the template's sources. */
export function sourcesMtime(repoRoot: string): number {
  return Math.max(...SOURCES.map((s) => newestMtime(join(repoRoot, s))));
}

interface InfraModule {
  FIREPLAN_STACK_NAME?: string;
  buildApp?: (options: { outdir?: string; bundling?: boolean; checks?: boolean; cloudFormationValidation?: boolean; context?: Record<string, unknown> }) => {
    app: { synth(): { getStackByName(name: string): { template: unknown } } };
  };
}

async function loadInfra(repoRoot: string): Promise<{ stackName: string; buildApp: NonNullable<InfraModule['buildApp']> }> {
  const file = join(repoRoot, 'infra', 'fireplan-stack.ts');
  if (!existsSync(file)) throw new Error(`cannot synthesize: ${file} does not exist`);
  const mod = (await import(pathToFileURL(file).href)) as InfraModule;
  if (typeof mod.buildApp !== 'function' || typeof mod.FIREPLAN_STACK_NAME !== 'string') {
    throw new Error(`cannot synthesize: ${file} must export buildApp() and FIREPLAN_STACK_NAME`);
  }
  return { stackName: mod.FIREPLAN_STACK_NAME, buildApp: mod.buildApp };
}

/** Synthesizes the stack in this process (no bundling, no cdk-nag, no CloudFormation validation) and returns its template. */
export async function synthesize(repoRoot: string): Promise<{ stackName: string; template: CfnTemplate }> {
  const { stackName, buildApp } = await loadInfra(resolve(repoRoot));
  const outdir = mkdtempSync(join(tmpdir(), 'fireplan-synth-'));
  try {
    const { app } = buildApp({
      outdir,
      bundling: false,
      checks: false,
      cloudFormationValidation: false,
      // As the CDK CLI sets it: `aws:cdk:path` metadata gives resources their friendly names.
      context: { 'aws:cdk:enable-path-metadata': true },
    });
    const template = app.synth().getStackByName(stackName).template as CfnTemplate;
    return { stackName, template };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The template to run: reused from `<outDir>/<Stack>.template.json` when it is newer than every
 * file under infra/, workflows/ and functions/handlers/ (and cdk.json), else synthesized and
 * written there.
 */
export async function loadOrSynthesize(options: SynthOptions): Promise<SynthResult> {
  const repoRoot = resolve(options.repoRoot);
  const outDir = resolve(repoRoot, options.outDir ?? 'cdk.out');
  const expected = options.stackName ?? DEFAULT_STACK_NAME;
  const existing = join(outDir, `${expected}.template.json`);
  if (!options.force && existsSync(existing) && statSync(existing).mtimeMs > sourcesMtime(repoRoot)) {
    return { templatePath: existing, stackName: expected, template: JSON.parse(readFileSync(existing, 'utf8')) as CfnTemplate, synthesized: false };
  }
  const { stackName, template } = await synthesize(repoRoot);
  if (stackName !== expected) throw new Error(`infra/fireplan-stack.ts names the stack '${stackName}', not '${expected}'`);
  mkdirSync(outDir, { recursive: true });
  const templatePath = join(outDir, `${stackName}.template.json`);
  writeFileSync(templatePath, `${JSON.stringify(template, null, 1)}\n`);
  return { templatePath, stackName, template, synthesized: true };
}
