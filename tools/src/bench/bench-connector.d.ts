// Types of bench-connector.js (plain JavaScript on purpose, see there) for the suite's tests.
import type { ConnectorPlugin } from '@org/connector-core';

declare const plugin: ConnectorPlugin;
export default plugin;
