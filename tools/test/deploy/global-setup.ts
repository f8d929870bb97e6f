import { ensureDeployTools } from '../../src/deploy/ensure-tools.ts';

// Installs the tools once, before the test files start in parallel workers; otherwise each worker's beforeAll
// would build its own helm on a cold machine.
export default function setup(): void {
  ensureDeployTools();
}
