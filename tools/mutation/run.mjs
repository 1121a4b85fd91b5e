// `npm run test:mutation`: runs Stryker (stryker.config.mjs) once per group of tools/mutation/groups.mjs, keeps
// each group's JSON report (reports/mutation/<group>.json), then prints the one-line JSON summary over all groups
// (tools/mutation/summary.mjs) and writes bench/results/mutation-<date>.md.
//   npm run test:mutation -- --group scheme [--incremental] [other stryker options]   one group, no results file
//   npm run test:mutation -- --incremental   all groups, reusing reports/stryker-incremental-<group>.json
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { groups } from './groups.mjs';

const argv = process.argv.slice(2);
const gi = argv.indexOf('--group');
const only = gi >= 0 ? argv[gi + 1] : undefined;
const extra = gi >= 0 ? [...argv.slice(0, gi), ...argv.slice(gi + 2)] : argv;
const selected = only === undefined ? groups : groups.filter((g) => g.name === only);
if (selected.length === 0) {
  console.error(`unknown group ${only}; groups: ${groups.map((g) => g.name).join(', ')}`);
  process.exit(2);
}

const started = Date.now();
const reports = [];
for (const g of selected) {
  const t0 = Date.now();
  const args = ['stryker', 'run', 'stryker.config.mjs', '--mutate', g.mutate.join(','), '--testFiles', g.testFiles.join(','),
    '--incrementalFile', `reports/stryker-incremental-${g.name}.json`, ...extra];
  console.error(`\n== mutation group ${g.name}: npx ${args.join(' ')}`);
  const r = spawnSync('npx', args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`stryker exited with status ${r.status} (group ${g.name})`);
    process.exit(r.status ?? 1);
  }
  const report = `reports/mutation/${g.name}.json`;
  fs.copyFileSync('reports/mutation/mutation.json', report);
  reports.push(report);
  console.error(`== group ${g.name}: ${Math.round((Date.now() - t0) / 1000)} s`);
}
const seconds = Math.round((Date.now() - started) / 1000);
const summaryArgs = ['--runtime-s', String(seconds), '--survivors', ...reports.flatMap((f) => ['--report', f])];
if (only === undefined) {
  summaryArgs.push('--write', `bench/results/mutation-${new Date().toISOString().slice(0, 10)}.md`);
  if (extra.length > 0) summaryArgs.push('--note', `Stryker options: ${extra.join(' ')}`);
}
const summary = spawnSync(process.execPath, [fileURLToPath(new URL('./summary.mjs', import.meta.url)), ...summaryArgs], { stdio: 'inherit' });
process.exit(summary.status ?? 1);
