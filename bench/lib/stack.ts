// The benchmark runs the same stack as the end-to-end tests.
export {
  reloadCount,
  startStack,
  tail,
  type LogLine,
  type Stack,
} from '../../test/helpers/stack.js';
