// Stryker ignorer for `npm run test:mutation` (see stryker.config.mjs). It leaves out code whose mutants say
// nothing about correctness; the mutation summary reports how many mutants were left out ("ignored"):
//  - kernel warm-up functions (`warmUp`, `warmUpKernels`): run once at module load on throw-away arrays to give
//    V8 type feedback; their results are discarded, so every mutant in them is equivalent (or only slower);
//  - the text of error messages: the message argument of `new CkksError(code, message)` and the argument of
//    `new RangeError/TypeError/Error(message)`; the error *code* and the decision to throw stay mutated;
//  - the work estimate passed to the thread pool (`jobFor(ctx, estimate)`): it only decides whether a job is split
//    across threads, and split and unsplit results are bit-identical (test/parallel checks every operation);
//  - labels that only end up in error messages: the `what`/`operation`/`where` argument of the library's check
//    helpers and byte-reader methods (e.g. `r.u8('magic')`, `checkContext(ctx, ct, 'rotate')`), listed below by
//    name and argument position, and the default values of such parameters (`what = 'interval'`).
import { PluginKind, declareValuePlugin } from '@stryker-mutator/api/plugin';

const WARM_UP = new Set(['warmUp', 'warmUpKernels']);
const MESSAGE_ONLY = new Set(['RangeError', 'TypeError', 'Error']);
/** Callee name → index of its message-label parameter. */
const LABEL_ARGUMENT = new Map([
  // serialization/binary.ts (ByteReader) and serialization/format.ts
  ['u8', 0], ['u16', 0], ['u32', 0], ['f64', 0], ['u64', 0], ['bytes', 1], ['wordsBelow', 2], ['readPoly', 2], ['readCount', 1],
  // ring
  ['requireForm', 1], ['assertSame', 1], ['checkBinary', 3], ['checkLimbArrays', 3], ['sameRing', 2],
  // scheme/checks.ts and its callers
  ['assertSameParameters', 1], ['checkContext', 2], ['checkSameLevel', 2], ['checkSameScale', 2], ['checkSameSlots', 2],
  ['checkFitsModulus', 2], ['checkRescaledScale', 2], ['checkCanRescale', 1], ['checkOutput', 3], ['deliver', 3],
  ['prepareOut', 4], ['requireDegreeOne', 1], ['requireExactKey', 2], ['checkGaloisKeyEntry', 2], ['checkExtended', 2],
  // circuits
  ['diagonalParts', 2], ['checkDiagonalMatrix', 1], ['checkInterval', 1], ['checkCoefficients', 1],
]);
const LABEL_PARAMETER = new Set(['what', 'where', 'operation']);

function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') return callee.property.name;
  return undefined;
}

const ignorer = {
  shouldIgnore(path) {
    const node = path.node;
    if (node.type === 'FunctionDeclaration' && node.id && WARM_UP.has(node.id.name)) {
      return 'Kernel warm-up at module load: results are discarded (V8 type feedback only)';
    }
    const parent = path.parentPath?.node;
    if (!parent) return undefined;
    if (parent.type === 'NewExpression' && path.listKey === 'arguments' && parent.callee.type === 'Identifier') {
      const callee = parent.callee.name;
      if (MESSAGE_ONLY.has(callee)) return `Error message text (${callee})`;
      if (callee === 'CkksError' && path.key === 1) return 'Error message text (CkksError message; the code is still mutated)';
    }
    if (parent.type === 'CallExpression' && path.listKey === 'arguments' && path.key === 1 && calleeName(parent.callee) === 'jobFor') {
      return 'Thread-pool work estimate (only decides whether a job is split; results are bit-identical)';
    }
    if (parent.type === 'CallExpression' && path.listKey === 'arguments' && (node.type === 'StringLiteral' || node.type === 'TemplateLiteral')) {
      const name = calleeName(parent.callee);
      if (name !== undefined && LABEL_ARGUMENT.get(name) === path.key) return `Error-message label (argument ${path.key} of ${name})`;
    }
    if (parent.type === 'AssignmentPattern' && path.key === 'right' && parent.left.type === 'Identifier' && LABEL_PARAMETER.has(parent.left.name)
      && (node.type === 'StringLiteral' || node.type === 'TemplateLiteral')) {
      return `Error-message label (default of ${parent.left.name})`;
    }
    return undefined;
  },
};

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, 'ckks-noise', ignorer)];
