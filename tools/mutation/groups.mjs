// Mutation groups: each group's files are mutated against the tests that exercise them directly. One run over
// everything is not practical: Stryker's instrumentation makes the BigInt kernels 10–50× slower, and the scheme
// and circuit tests at N = 2^10..2^13 then exceed their timeouts in the initial run; and every mutant re-runs the
// setup (key generation) of the test files that cover it. So the kernels are mutated against the ring tests
// (BigInt/schoolbook references at small N), the scheme and circuit files against their own tests with
// uninstrumented kernels, the circuits against tests at N = 2^5..2^6.
export const groups = [
  {
    name: 'ring-kernels',
    mutate: ['src/ckks/ring/modularKernels.ts', 'src/ckks/ring/ntt.ts'],
    testFiles: ['test/ring/modularKernels*.test.ts', 'test/ring/ntt*.test.ts'],
  },
  {
    name: 'ring-rns',
    mutate: ['src/ckks/ring/rnsPoly.ts', 'src/ckks/ring/baseConversion.ts', 'src/ckks/ring/modDown.ts', 'src/ckks/ring/rescale.ts'],
    testFiles: ['test/ring/rnsPoly*.test.ts', 'test/ring/baseConversion*.test.ts', 'test/ring/centeredConversion*.test.ts', 'test/ring/modDown*.test.ts', 'test/ring/rescale*.test.ts'],
  },
  {
    name: 'scheme',
    mutate: ['src/ckks/scheme/checks.ts', 'src/ckks/scheme/evaluator.ts', 'src/ckks/scheme/arithmetic.ts', 'src/ckks/scheme/keySwitch.ts', 'src/ckks/scheme/rotations.ts'],
    // the fast circuit tests exercise double hoisting and rotateSum, the thread-pool tests the split paths
    testFiles: ['test/scheme/**/*.test.ts', 'test/circuits/*.mutation.test.ts', 'test/parallel/**/*.test.ts', 'test/bootstrapping/levelledKeys.test.ts'],
  },
  {
    name: 'circuits',
    mutate: ['src/ckks/circuits/linearTransform/*.ts', 'src/ckks/circuits/polynomial/*.ts', '!src/ckks/circuits/**/index.ts'],
    // float64 tools, and the homomorphic circuits at N = 2^5..2^6 (the N = 2^10..2^13 circuit tests take seconds
    // per mutant once their keys are regenerated; they run in `npm test`)
    testFiles: ['test/circuits/chebyshev.test.ts', 'test/circuits/*.mutation.test.ts'],
  },
  {
    name: 'serialization',
    mutate: ['src/ckks/serialization/*.ts', '!src/ckks/serialization/index.ts'],
    testFiles: ['test/serialization/**/*.test.ts', 'test/vectors/**/*.test.ts'],
  },
];
