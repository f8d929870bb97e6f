// The one-call usage of the acceptance kit, exactly as a connector package's test suite writes it: one Vitest test
// per check, against the reference connector and its local backend.
import { describeConnectorAcceptance } from '@org/connector-core/testing';
import { referenceHarness } from './fixtures/kit/reference-harness.js';
import { echoHarness } from './fixtures/kit/sync-connector.js';

describeConnectorAcceptance({ name: 'Reference Job Connector acceptance', harness: referenceHarness() });

// Checks that drive jobs show up as skipped for a sync connector.
describeConnectorAcceptance({ name: 'Echo Connector (sync) acceptance', harness: echoHarness() });
