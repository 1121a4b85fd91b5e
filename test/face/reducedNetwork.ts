// The reduced test network lives in src/face/testing/ (the HTTP service's insecure test preset uses it too).
export { reducedNetwork, type ReducedShape } from '../../src/face/testing/reducedNetwork.js';
