// `npm run bench -- <engine|watch|history|api|ui|agent> [--json] [--quick] [--only METRIC]`
// Prints one JSON object per line with --json (for scripts and trend tracking), a table otherwise.
import { parseArgs } from 'node:util';
import type { BenchResult, BenchRunner } from './bench-result.ts';

const BENCHES: Record<string, () => Promise<BenchRunner>> = {
  engine: async () => (await import('./engine-bench.ts')).runEngineBench,
  watch: async () => (await import('./watch-bench.ts')).runWatchBench,
  history: async () => (await import('./history-bench.ts')).runHistoryBench,
  api: async () => (await import('./api-bench.ts')).runApiBench,
  ui: async () => (await import('./ui-bench.ts')).runUiBench,
  agent: async () => (await import('./agent-bench.ts')).runAgentBench,
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});

const names = positionals.length ? positionals : Object.keys(BENCHES);
const unknown = names.filter((name) => !(name in BENCHES));
if (unknown.length) {
  console.error(
    `Unknown benchmark ${unknown.join(', ')}. Choose from: ${Object.keys(BENCHES).join(', ')}.`,
  );
  process.exit(2);
}

for (const name of names) {
  const run = await BENCHES[name]!();
  const log = (line: string) => process.stderr.write(`[${name}] ${line}\n`);
  const results = await run({ quick: values.quick, only: values.only, log });
  print(results, values.json);
}
process.exit(0);

function print(results: BenchResult[], json: boolean): void {
  if (json) {
    for (const result of results) console.log(JSON.stringify(result));
    return;
  }
  for (const r of results) {
    const goal = r.goal ? `  (goal ${r.goal})` : '';
    console.log(`${r.metric.padEnd(32)} ${String(r.value).padStart(12)} ${r.unit}${goal}`);
  }
}
