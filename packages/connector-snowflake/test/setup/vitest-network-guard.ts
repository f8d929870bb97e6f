// Vitest setup file (vitest.config.ts `setupFiles`): every test fails if anything in its worker tried to leave
// loopback (core's network guard; a real Snowflake account included).
import { guardVitestNetwork } from '@org/connector-core/testing';

await guardVitestNetwork();
