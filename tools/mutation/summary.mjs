// Reads Stryker's JSON reports (--report <file>, repeatable; default reports/mutation/mutation.json), prints one JSON line
//   {"mutation_score":…,"killed":…,"survived":…,"files":[…]}
// and, with --write <file>, writes a Markdown summary holding that line, the per-file table and the surviving
// mutants judged equivalent (tools/mutation/equivalent.json: file, line, column, mutator, replacement, optional end
// "line:column", reason). With --json-survivors <file>, also writes every surviving mutant as JSON.
// Score as Stryker defines it: (killed + timeout) / (killed + timeout + survived + no coverage); mutants left out
// by the ignorer (warm-ups, error messages) or as static are reported as "ignored" and not scored.
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const reportFiles = args.flatMap((a, i) => (a === '--report' && args[i + 1] ? [args[i + 1]] : []));
if (reportFiles.length === 0) reportFiles.push('reports/mutation/mutation.json');
const writeFile = opt('--write');
const runtime = opt('--runtime-s');
const note = opt('--note');

const report = { files: {} };
for (const f of reportFiles) Object.assign(report.files, JSON.parse(fs.readFileSync(f, 'utf8')).files);
const equivalent = JSON.parse(fs.readFileSync(new URL('./equivalent.json', import.meta.url), 'utf8'));
const norm = (f) => path.relative(process.cwd(), path.resolve(f)).split(path.sep).join('/');

const ratio = (d, v) => (v === 0 ? 1 : Math.round((10000 * d) / v) / 100);
const files = [];
const survivors = [];
const total = { killed: 0, timeout: 0, survived: 0, no_coverage: 0, ignored: 0, errors: 0 };
for (const [name, file] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  const c = { killed: 0, timeout: 0, survived: 0, no_coverage: 0, ignored: 0, errors: 0 };
  for (const m of file.mutants) {
    switch (m.status) {
      case 'Killed': c.killed++; break;
      case 'Timeout': c.timeout++; break;
      case 'Survived': c.survived++; break;
      case 'NoCoverage': c.no_coverage++; break;
      case 'Ignored': c.ignored++; break;
      default: c.errors++; // CompileError / RuntimeError: not a valid mutant
    }
    if (m.status === 'Survived' || m.status === 'NoCoverage') {
      const { line, column } = m.location.start;
      const end = `${m.location.end.line}:${m.location.end.column}`;
      // an entry names the mutant by file, start line:column, mutator and replacement (and its end when two share those)
      const eq = equivalent.find((e) => norm(e.file) === norm(name) && e.line === line && e.column === column && e.mutator === m.mutatorName
        && e.replacement === m.replacement && (e.end === undefined || e.end === end));
      survivors.push({ file: norm(name), line, col: column, end, mutator: m.mutatorName, replacement: m.replacement, status: m.status, equivalent: eq?.reason });
    }
  }
  for (const k of Object.keys(total)) total[k] += c[k];
  const detected = c.killed + c.timeout;
  files.push({ file: norm(name), mutation_score: ratio(detected, detected + c.survived + c.no_coverage), ...c });
}
const detected = total.killed + total.timeout;
const valid = detected + total.survived + total.no_coverage;
const equivalentCount = survivors.filter((s) => s.equivalent).length;
const summary = {
  mutation_score: ratio(detected, valid),
  killed: total.killed,
  survived: total.survived,
  timeout: total.timeout,
  no_coverage: total.no_coverage,
  ignored: total.ignored,
  errors: total.errors,
  survived_equivalent: equivalentCount,
  score_without_equivalent: ratio(detected, valid - equivalentCount),
  ...(runtime ? { runtime_s: Number(runtime) } : {}),
  files,
};
const line = JSON.stringify(summary);

if (writeFile) {
  const out = [];
  out.push(`# Mutation testing (${new Date().toISOString().slice(0, 10)})`, '');
  out.push('`npm run test:mutation` (Stryker, vitest runner, perTest coverage, concurrency 1). Summary line:', '');
  out.push(line, '');
  out.push('Score = (killed + timeout) / (killed + timeout + survived + no coverage). Not scored ("ignored"): kernel',
    'warm-up functions (run once at module load on throw-away arrays) and error-message text (the CkksError code',
    'and the decision to throw are mutated), see tools/mutation/ignore-plugin.mjs; mutants reached only at module',
    'load (ignoreStatic).', '');
  out.push('| file | score % | killed | timeout | survived | no coverage | ignored |', '|---|---:|---:|---:|---:|---:|---:|');
  for (const f of files) out.push(`| ${f.file} | ${f.mutation_score} | ${f.killed} | ${f.timeout} | ${f.survived} | ${f.no_coverage} | ${f.ignored} |`);
  out.push(`| **all** | **${summary.mutation_score}** | ${total.killed} | ${total.timeout} | ${total.survived} | ${total.no_coverage} | ${total.ignored} |`, '');
  if (runtime) out.push(`Wall time of the run: ${(Number(runtime) / 60).toFixed(1)} min (one test-runner process, shared 2-core machine).`, '');
  if (note) out.push(note, '');
  out.push('## Surviving mutants judged equivalent', '');
  const eqs = survivors.filter((s) => s.equivalent);
  if (eqs.length === 0) out.push('None.', '');
  for (const s of eqs) out.push(`- ${s.file}:${s.line}:${s.col} ${s.mutator} \`${oneLine(s.replacement)}\` — ${s.equivalent}`);
  out.push('', '## Other survivors', '');
  const rest = survivors.filter((s) => !s.equivalent);
  if (rest.length === 0) out.push('None.');
  for (const s of rest) out.push(`- ${s.file}:${s.line}:${s.col} ${s.mutator} \`${oneLine(s.replacement)}\`${s.status === 'NoCoverage' ? ' (no coverage)' : ''}`);
  fs.mkdirSync(path.dirname(writeFile), { recursive: true });
  fs.writeFileSync(writeFile, out.join('\n') + '\n');
}
const survivorsFile = opt('--json-survivors');
if (survivorsFile) fs.writeFileSync(survivorsFile, JSON.stringify(survivors, null, 1));
if (args.includes('--survivors')) {
  for (const s of survivors) if (!s.equivalent) console.error(`${s.file}:${s.line}:${s.col} ${s.mutator} ${oneLine(s.replacement)}${s.status === 'NoCoverage' ? ' (no coverage)' : ''}`);
}
console.log(line);

function oneLine(s) {
  const t = String(s ?? '').replace(/\s+/g, ' ');
  return t.length > 100 ? `${t.slice(0, 97)}...` : t;
}
