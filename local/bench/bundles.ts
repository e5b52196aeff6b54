/**
 * The size of each Lambda function's deployment bundle, built with esbuild the way the CDK's
 * NodejsFunction builds it for this project (infra/constructs/fireplan-function.ts): one ESM file,
 * minified, names kept, for Node.js 22, with the AWS SDK bundled and an external source map
 * without sources. Built in memory: nothing is written.
 */
import { deflateRawSync } from 'node:zlib';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import type { FunctionSpec } from '../runtime/index.ts';

/** The banner of infra/constructs/fireplan-function.ts (ESM_REQUIRE_BANNER): a `require` for the CommonJS code esbuild inlines. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __fireplanCreateRequire } from 'node:module'; const require = __fireplanCreateRequire(import.meta.url);";

export interface BundleSize {
  function: string;
  entry: string;
  /** The minified index.mjs, bytes. */
  bytes: number;
  /** The same, deflated as in the deployment zip, bytes. */
  zippedBytes: number;
  /** index.mjs.map, bytes. */
  sourceMapBytes: number;
}

export async function bundleSizes(functions: readonly FunctionSpec[], repoRoot: string): Promise<BundleSize[]> {
  const sizes: BundleSize[] = [];
  for (const fn of functions) {
    if (!fn.entry) continue;
    const result = await build({
      entryPoints: [resolve(repoRoot, fn.entry)],
      absWorkingDir: repoRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      minify: true,
      keepNames: true,
      sourcemap: true,
      sourcesContent: false,
      outfile: 'index.mjs',
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles.find((f) => f.path.endsWith('index.mjs'));
    const map = result.outputFiles.find((f) => f.path.endsWith('index.mjs.map'));
    if (!code) throw new Error(`esbuild produced no index.mjs for ${fn.entry}`);
    sizes.push({ function: fn.name, entry: fn.entry, bytes: code.contents.byteLength, zippedBytes: deflateRawSync(code.contents, { level: 9 }).byteLength, sourceMapBytes: map?.contents.byteLength ?? 0 });
  }
  return sizes.sort((a, b) => a.function.localeCompare(b.function));
}
