import { defineConfig } from 'vitest/config';

// test/slow/** holds checks at secure sizes (N = 2^15, 2^16): minutes each, opt-in with `npm run test:slow`
// (CKKS_SLOW=1), never in `npm test` / CI.
const slow = process.env.CKKS_SLOW === '1';

export default defineConfig({
  test: {
    include: slow ? ['test/slow/**/*.test.ts'] : ['test/**/*.test.ts'],
    exclude: slow ? [] : ['test/slow/**', 'node_modules/**'],
    testTimeout: slow ? 3_600_000 : 120_000,
    hookTimeout: slow ? 3_600_000 : 120_000,
    reporters: ['default'],
  },
});
