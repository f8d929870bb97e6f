// Entry for `node --import @org/connector-core/testing/network-guard`: installing the guard at import is the
// purpose of this module, so a child process started by a test cannot leave loopback either.
import { installNetworkGuard } from './network-guard.js';

installNetworkGuard((violation) =>
  process.stderr.write(`NETWORK GUARD VIOLATION: connection to ${violation.host}:${violation.port}\n`),
);
