import { isSyncConnector } from '../../connector.js';
import { SkipCheck } from '../kit.js';
import type { AcceptanceCheck } from './check.js';

export const idempotentCreateCheck: AcceptanceCheck = {
  id: 'idempotent-create',
  title: 'a repeated CreateTask for the same attempt behaves as `idempotentCreate` declares',
  async run(kit) {
    const connector = kit.connector;
    if (isSyncConnector(connector)) throw new SkipCheck('the connector is synchronous: it creates no jobs');
    const jobs = kit.jobs();
    const declared = connector.idempotentCreate;
    const problems: string[] = [];
    for (const family of kit.families) {
      // Flyte retries a CreateTask whose answer it did not get with the very same request.
      const input = kit.newInput();
      const before = (await jobs.createdJobs()).length;
      const first = await kit.create(family, input);
      const second = await kit.create(family, input);
      const after = (await jobs.createdJobs()).length;
      for (const call of [first, second])
        if (!call.ok) problems.push(`${call.problem} (repeated CreateTask)`);
      if (!first.ok || !second.ok) continue;
      if (declared) {
        if (after - before !== 1)
          problems.push(
            `[${family}] the connector declares idempotentCreate, but two CreateTask calls for the same attempt ` +
              `made the backend create ${after - before} jobs; pass ctx.execution.attemptKey as the vendor's ` +
              'idempotency key or job id, or declare idempotentCreate = false',
          );
        const ids = [kit.jobId(first.value), kit.jobId(second.value)];
        if (ids[0] !== ids[1])
          problems.push(
            `[${family}] the connector declares idempotentCreate, but two CreateTask calls for the same attempt ` +
              `returned different jobs ('${ids[0]}', '${ids[1]}')`,
          );
      }
      await kit.delete(first.value);
      await kit.delete(second.value);
    }
    return problems;
  },
};
