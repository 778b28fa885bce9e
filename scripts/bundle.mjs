// Bundles the CLI for start-up speed: one ESM entry plus lazily loaded chunks in dist/bundle/; a bundle is
// read and compiled once, where many small modules each cost a trip through Node's loader (docs/performance.md).
// The AWS SDK is bundled too, from its ES module builds (mainFields), not as its CommonJS package files.
// Code splitting keeps it in chunks that only the commands calling AWS load; `plan` and `cost` never do
// (test/integration/cli-plan-cost.test.ts). The packages loaded only for tests, the demo or rare paths
// stay external. tsc's dist/ stays for the tests and benchmarks that import single modules.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names are content hashes: clear the old ones so the directory holds one build.
rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // ES module builds first: esbuild gives a dynamically imported CommonJS module only a default export.
  mainFields: ['module', 'main'],
  external: ['kinesis-local', 'aws-kinesis-agg', 'ora', 'yaml', 'zod', 'dynalite', 'pg', 'mysql2', 'prom-client'],
  // Bundled CommonJS packages call require() for Node built-ins.
  banner: { js: "import { createRequire as __cdcpipeRequire } from 'node:module'; const require = __cdcpipeRequire(import.meta.url);" },
  logLevel: 'warning',
});
