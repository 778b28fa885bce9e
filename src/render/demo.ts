/** `cdcpipe demo`'s walkthrough on stdout: numbered steps, the commands' own output, and what was checked. */
import type { DemoEvent } from '../services/demo.js';
import type { Output } from './output.js';

/** What to try next, shown after the summary. */
const AGAINST_AWS = [
  'cdcpipe plan --rps 2000 --kb 2',
  'cdcpipe cost --rps 2000 --kb 2 --region eu-west-1',
  'cdcpipe provision --init && cdcpipe provision --dry-run',
  'cdcpipe tail <stream> --from -15m --table "shop.*"',
  'cdcpipe lag <stream> --app <kcl-app> --threshold 1m',
  'cdcpipe doctor --config cdcpipe.yaml',
  'cdcpipe reshard <stream> --to 8 --dry-run',
];

/** A `show` callback for runDemo that prints each event as it comes. */
export function demoPrinter(out: Output): (event: DemoEvent) => void {
  const { bold, dim } = out.color;
  return (e) => {
    switch (e.kind) {
      case 'step':
        out.result(`\n${bold(`${e.n}. ${e.title}`)}`);
        if (e.command) out.result(dim(`   $ cdcpipe ${e.command}`));
        return;
      case 'output':
        out.result(e.text);
        return;
      case 'produced':
        out.result(`   produce wrote ${e.records} records at ${e.recordsPerSecond.toFixed(1)} records/s`);
        return;
      case 'produce-more':
        out.result(dim(`   produce ended before the reshard; writing 200 more into the new shards: cdcpipe produce ${e.stream} --count 200`));
        return;
      case 'tailed':
        for (const [id, n] of Object.entries(e.perShard).sort()) out.result(`   ${id}  ${String(n).padStart(6)} records${e.childShards.includes(id) ? '  (child, read after its parent)' : ''}`);
        out.result(`   ${e.tailed} records read of ${e.produced} produced: ${e.tailed === e.produced ? 'none lost, none repeated' : 'MISMATCH'}`);
        return;
      case 'summary':
        out.result(`\n${bold('Summary')}`);
        out.result(`   ${e.produced} CDC records produced, ${e.tailed} tailed across ${e.shards} shards (${e.childShards} created by the reshard), in ${e.seconds.toFixed(0)} s.`);
        out.result('\nAgainst a real account (your credentials, profile and region as for the AWS CLI):');
        for (const line of AGAINST_AWS) out.result(`   $ ${line}`);
        return;
    }
  };
}
