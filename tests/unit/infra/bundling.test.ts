// One real esbuild bundle (local bundling, no Docker) of one handler, to prove the project's
// bundling settings work: ESM output with the createRequire banner, minified, with a source map,
// loadable by Node, and with error class names intact (the state machines catch `InvalidInputError`
// by name; a minifier that renames classes would break that).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { FireplanFunction } from '../../../infra/constructs/fireplan-function.ts';
import { cdkJsonContext } from '../../../infra/fireplan-stack.ts';

describe('FireplanFunction bundling', () => {
  it('bundles a handler into an ESM index.mjs with a source map', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'fireplan-bundle-'));
    const app = new App({ outdir, context: cdkJsonContext(), builtinCloudFormationValidation: false });
    const stack = new Stack(app, 'BundlingTest');
    const fn = new FireplanFunction(stack, 'ResolveDay', { entry: 'functions/handlers/resolve-day.ts' });
    const assembly = app.synth();

    const template = assembly.getStackByName('BundlingTest').template as {
      Resources: Record<string, { Type: string; Properties: { Code: { S3Key: string } }; Metadata?: Record<string, string> }>;
    };
    const [resource] = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(resource?.Metadata?.['fireplan:entry']).toBe('functions/handlers/resolve-day.ts');
    const hash = resource?.Properties.Code.S3Key.replace(/\.zip$/, '');

    const dir = join(outdir, `asset.${hash}`);
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire as __fireplanCreateRequire } from 'node:module';")).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
    expect(bundle).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    expect(fn.function.runtime.name).toBe('nodejs22.x');

    process.env.FOLLOW_UP_SHARDS ??= '16';
    const bundled = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as {
      handler: (event: unknown, context: unknown) => Promise<unknown>;
    };
    await expect(bundled.handler({ notAScheduledTime: true }, {})).rejects.toMatchObject({ name: 'InvalidInputError' });
    rmSync(outdir, { recursive: true, force: true });
  }, 60_000);
});
