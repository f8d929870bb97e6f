import { describe, expect, it } from 'vitest';
import { taskTemplate } from '../testing/task-template.js';
import { secretsNamedByTask } from './task-secrets.js';

const template = (custom: Record<string, unknown>) =>
  taskTemplate({ type: 'snowflake', custom: custom as never });

describe('secretsNamedByTask', () => {
  it('reads each secret from the environment variable flyte-sdk names in custom.secrets', () => {
    const found = secretsNamedByTask(
      template({
        account: 'a',
        secrets: {
          snowflake_private_key: 'SF_GROUP_SNOWFLAKE_PRIVATE_KEY',
          snowflake_private_key_passphrase: 'SF_PASS',
        },
      }),
      { SF_GROUP_SNOWFLAKE_PRIVATE_KEY: 'pem', OTHER: 'x' },
    );
    expect(found.values).toEqual({ snowflake_private_key: 'pem' });
    expect(found.missing).toEqual([{ name: 'snowflake_private_key_passphrase', variable: 'SF_PASS' }]);
  });

  it('finds nothing in a task without custom.secrets, or with a malformed one', () => {
    for (const custom of [
      {},
      { secrets: 'SNOWFLAKE_PRIVATE_KEY' },
      { secrets: ['A'] },
      { secrets: { k: 3 } },
    ]) {
      expect(secretsNamedByTask(template(custom), { SNOWFLAKE_PRIVATE_KEY: 'pem', A: 'a' })).toEqual({
        values: {},
        missing: [],
      });
    }
  });
});
