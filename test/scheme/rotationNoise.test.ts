// Rotation and conjugation noise against relinearisation noise (issue 10.1), measured against float64.
//
// A Galois key switch and a relinearisation run the same key-switching algorithm, so a rotated or conjugated
// ciphertext must not be noisier than a product (whose error is dominated by the rescale rounding): we require
// err(rotate) ≤ 2·err(mul + relinearise + rescale), both as max over slots of |decrypted − float64|.
//
// The error must also look like noise over the slots: digits of the key-switching decomposition passed on in
// [0, D) instead of centred in (−D/2, D/2] add D/2·(1 + X + … + X^{N−1})·e_j, whose evaluation is large at the
// roots of unity close to +1 and small elsewhere (worst slot 25–84× the typical one, issue 10.1). For
// independent Gaussian slot errors the max over n slots would be about √(2 ln 2n) ≈ 4.3 times the RMS at n = 4096;
// measured after the fix: 3.5–6.5 at N = 2^12..2^15 (somewhat heavier tails than Gaussian), before it: 25–84.
// We require max/RMS < 10.
import { describe, it } from 'vitest';
import { PN13QP200 } from '../../src/ckks/scheme/presets.js';
import { expectKeySwitchNoiseLikeRelinearisation, measureKeySwitchNoise } from './keySwitchNoiseMeasure.js';

describe('rotation and conjugation noise vs mul + relinearise + rescale (float64 reference)', () => {
  it('PN13QP200 (secure N = 2^13, single-prime digits): rotations and conjugation within 2× of a product, noise-like over slots', () => {
    expectKeySwitchNoiseLikeRelinearisation(measureKeySwitchNoise(PN13QP200, 1));
  });

  // Multi-prime digits exercise the centred base conversion (a fast conversion adds u·D_j, 0 ≤ u < |D_j|, which
  // is as biased as an uncentred digit). P is chosen ≥ 4× the largest digit, as in the presets.
  it('small insecure N = 2^12, digits of 3 primes (dnum = 2, |P| = 3): same bounds', () => {
    expectKeySwitchNoiseLikeRelinearisation(measureKeySwitchNoise(
      { logN: 12, logQ: [44, 36, 36, 36, 36, 36], logP: [40, 40, 40], logDefaultScale: 36, dnum: 2, insecure: true }, 2));
  });

  it('small insecure N = 2^12, one digit of all primes (dnum = 1, |P| = 3): same bounds', () => {
    expectKeySwitchNoiseLikeRelinearisation(measureKeySwitchNoise(
      { logN: 12, logQ: [45, 36, 36], logP: [40, 40, 40], logDefaultScale: 36, dnum: 1, insecure: true }, 3));
  });
});
