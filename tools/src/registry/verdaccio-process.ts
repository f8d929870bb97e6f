// Child-process entry of the local registry: `node verdaccio-process.ts <config file>` starts Verdaccio on an
// ephemeral loopback port and sends `{ url }` to the parent over IPC. A separate process keeps Verdaccio's global
// logger and its `process.exit` on fatal errors away from the test runner.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { runServer } from 'verdaccio';

const configFile = process.argv[2];
if (configFile === undefined || process.send === undefined) {
  process.stderr.write('usage: started by startLocalRegistry() with an IPC channel and a config file\n');
  process.exit(2);
}

const server = (await runServer(configFile)) as Server;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.send?.({ url: `http://127.0.0.1:${port}/` });
});
// The parent going away (a crashed test run) must not leave a registry behind.
process.on('disconnect', () => process.exit(0));
