// Vitest setup file (vitest.config.ts `setupFiles`): every test fails if anything in its worker tried to leave
// loopback (core's network guard).
import { guardVitestNetwork } from '@org/connector-core/testing';

// google-auth-library must never probe the GCE metadata server from a test.
process.env['METADATA_SERVER_DETECTION'] = 'none';

await guardVitestNetwork();
