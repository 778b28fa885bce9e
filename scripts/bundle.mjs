// Bundles the CLI for start-up speed: one ESM entry plus lazily loaded chunks in dist/bundle/.
// Loading ~40 small modules and the CommonJS packages commander and cli-table3 through Node's ESM
// loader cost more than a third of `cdcpipe plan`'s start-up; a bundle is read and compiled once.
// The AWS SDK and the other heavy, lazily imported packages stay external: they load only when a
// command needs them. tsc's dist/ stays for the tests and benchmarks that import single modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  external: ['@aws-sdk/*', '@smithy/*', 'kinesis-local', 'aws-kinesis-agg', 'ora', 'yaml', 'zod', 'dynalite'],
  // Bundled CommonJS packages call require() for Node built-ins.
  banner: { js: "import { createRequire as __cdcpipeRequire } from 'node:module'; const require = __cdcpipeRequire(import.meta.url);" },
  logLevel: 'warning',
});
