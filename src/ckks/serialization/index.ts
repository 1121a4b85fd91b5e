/** Versioned, validated binary serialisation (see docs/serialization.md). */
export {
  FORMAT_VERSION,
  deserializeCiphertext, deserializeEncapsulationKeys, deserializeGaloisKey, deserializeParameters, deserializePlaintext, deserializePublicKey,
  deserializeRelinearizationKey, deserializeSecretKey,
  serializeCiphertext, serializeEncapsulationKeys, serializeGaloisKey, serializeParameters, serializePlaintext, serializePublicKey,
  serializeRelinearizationKey, serializeSecretKey, type SwitchingKeyReadOptions,
} from './format.js';
export { crc32 } from './crc32.js';
