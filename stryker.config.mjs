// Mutation testing of the files that decide correctness (issue 11). Not in CI. `npm run test:mutation` runs
// Stryker with this configuration once per group of tools/mutation/groups.mjs (each group's files against the
// tests that exercise them, `--mutate … --testFiles …`), then prints one summary JSON line and writes it under
// bench/results/ (tools/mutation/run.mjs, summary.mjs). `mutate` below lists every file of those groups.
// @ts-check
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  vitest: { configFile: 'tools/mutation/vitest.mutation.config.mjs', related: true },
  coverageAnalysis: 'perTest',
  // The 2-core machine is shared; one test-runner process.
  concurrency: 1,
  // Mutants only reached at module load (warm-ups aside, which are ignored) would otherwise re-run every test;
  // mutants reached both in beforeAll hooks and in tests ("hybrid") run their covering tests, with the mutant
  // active in the hooks too. Purely static mutants are counted separately in the summary ("ignored").
  ignoreStatic: true,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  appendPlugins: ['./tools/mutation/ignore-plugin.mjs'],
  ignorers: ['ckks-noise'],
  mutate: [
    'src/ckks/ring/modularKernels.ts',
    'src/ckks/ring/ntt.ts',
    'src/ckks/ring/baseConversion.ts',
    'src/ckks/ring/rnsPoly.ts',
    'src/ckks/ring/modDown.ts',
    'src/ckks/ring/rescale.ts',
    'src/ckks/scheme/checks.ts',
    'src/ckks/scheme/evaluator.ts',
    'src/ckks/scheme/arithmetic.ts',
    'src/ckks/scheme/keySwitch.ts',
    'src/ckks/scheme/rotations.ts',
    'src/ckks/circuits/linearTransform/*.ts',
    'src/ckks/circuits/polynomial/*.ts',
    'src/ckks/serialization/*.ts',
    '!**/index.ts',
  ],
  // web/ holds a symlink to a directory (web/faces), which Stryker's sandbox copy refuses (EISDIR); no test here needs it
  ignorePatterns: ['dist', 'build', 'models', 'docs', 'examples', 'web', 'out', 'tools/face-data', 'tools/train', 'tools/eval', 'bench/results', 'reports'],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true, reportMutants: false },
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
export default config;
