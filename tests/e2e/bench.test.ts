import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `fireplan bench --quick`: the output's shape only. Timings are printed, never asserted: a test
 * does not time things.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'fireplan-bench-test-'));
const doc = join(work, 'bench.md');
/** The bench's own temporary directory goes here (TMPDIR), so that what it leaves behind can be seen. */
const temp = join(work, 'tmp');

const NUMBER = String.raw`-?[\d,]+(?:\.\d+)?`;

/** Every metric of the results table, as the bench prints it. */
const METRICS = [
  'duty instances',
  'days replayed',
  'wall time, whole process (s)',
  'wall time, replay only (s)',
  'CPU time, user + system (s)',
  'peak memory, RSS (MB)',
  'duty instances per second',
  'state transitions per duty instance',
  'Lambda invocations per duty instance',
  'DynamoDB read units per duty instance',
  'DynamoDB write units per duty instance, table',
  'DynamoDB write units per duty instance, with GSIs',
  'DynamoDB requests per duty instance',
  'emails per duty instance',
  'largest execution history (events)',
  'modelled AWS cost per town, replayed window (US$)',
  'modelled AWS cost per town-year, 365 days (US$)',
];

const FUNCTIONS = ['AnnualEvaluation', 'FollowUp', 'ListTowns', 'MonthlyReport', 'OpenPeriod', 'ReportWork', 'ResolveDay'];

const COST_LINES = ['Step Functions (Standard)', 'Lambda requests', 'Lambda duration (arm64)', 'DynamoDB writes', 'DynamoDB reads', 'SES', 'EventBridge Scheduler', 'CloudWatch Logs ingestion'];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What the bench could write in the repository: the results page, and anything new beside it. */
function repositoryState() {
  const page = join(repoRoot, 'docs', 'bench.md');
  return {
    page: existsSync(page) ? `${statSync(page).mtimeMs} ${readFileSync(page, 'utf8').length}` : 'absent',
    docs: readdirSync(join(repoRoot, 'docs')).sort(),
    // Other test files may synthesize cdk.out concurrently; the bench itself never writes it.
    top: readdirSync(repoRoot).filter((name) => name !== 'cdk.out').sort(),
  };
}

let run: { code: number | null; stdout: string; stderr: string };
let before: ReturnType<typeof repositoryState>;

beforeAll(async () => {
  before = repositoryState();
  mkdirSync(temp);
  run = await new Promise((done) => {
    const env = { ...process.env, TMPDIR: temp };
    execFile(process.execPath, ['bin/fireplan.mjs', 'bench', '--quick', '--quiet', '--doc', doc], { cwd: repoRoot, encoding: 'utf8', timeout: 280_000, env }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}, 300_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('fireplan bench --quick', () => {
  it('replays one town and prints every metric with a number', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^fireplan bench: plans\/qingfeng-2022\.yaml, 2022-04-15 → 2022-05-14 \(30 days\), seed 1;/);
    expect(run.stdout).toMatch(/^metric\s+1 town$/m);
    for (const metric of METRICS) expect(run.stdout).toMatch(new RegExp(`^${escape(metric)}\\s+${NUMBER}$`, 'm'));
  });

  it('prints the minified size of every Lambda bundle', () => {
    for (const fn of FUNCTIONS) expect(run.stdout).toMatch(new RegExp(`^${fn}\\s+${NUMBER}\\s+${NUMBER}\\s+${NUMBER}$`, 'm'));
  });

  it('prints the modelled cost per service and whether the cost target is met', () => {
    for (const line of COST_LINES) expect(run.stdout).toMatch(new RegExp(`^${escape(line)} \\(US\\$ per town\\)\\s+${NUMBER}$`, 'm'));
    expect(run.stdout).toMatch(/^under US\$0\.10 per town-year at 1 town: US\$[\d.]+ \(365 days\), (met|not met)$/m);
  });

  it('writes the prices, the assumptions and the results as Markdown where it is told', () => {
    expect(run.stdout).toContain(`wrote ${resolve(doc)}`);
    const page = readFileSync(doc, 'utf8');
    expect(page).toContain('## Results');
    expect(page).toMatch(/us-east-1 list prices, \d{4}/);
    expect(page).toContain('| Step Functions (Standard) | state transition | $0.025 per 1,000 transitions |');
    expect(page).toContain('| DynamoDB on-demand | write request unit | $0.625 per 1,000,000 WRU |');
    expect(page).toMatch(/- run: \d{4}-\d{2}-\d{2}T/);
    for (const metric of METRICS) expect(page).toMatch(new RegExp(`^\\| ${escape(metric)} \\| ${NUMBER} \\|$`, 'm'));
    for (const fn of FUNCTIONS) expect(page).toContain(`| ${fn} |`);
  });

  it('writes nothing outside a temporary directory, and leaves none behind', () => {
    expect(repositoryState()).toEqual(before);
    expect(readdirSync(temp).filter((name) => name.startsWith('fireplan-bench-'))).toEqual([]);
  });
});
