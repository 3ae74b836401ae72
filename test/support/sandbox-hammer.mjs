// One of several processes working on one sandbox at once (test/unit/sandbox/processes.test.ts).
//   node sandbox-hammer.mjs count BUNDLE DIR TAG N   N read-modify-write rounds through withState
//   node sandbox-hammer.mjs sdk   BUNDLE DIR TAG N   an endpoint of its own, N record CREATEs through the SDK
// BUNDLE is src/sandbox bundled by the test (Node cannot load the TypeScript itself).
import { ChangeResourceRecordSetsCommand, ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { pathToFileURL } from 'node:url';

const [mode, bundle, dir, tag, n] = process.argv.slice(2);
const count = Number(n);
const sandbox = await import(pathToFileURL(bundle).href);

if (mode === 'count') {
  for (let i = 0; i < count; i++) {
    await sandbox.withState(dir, async (state) => {
      // Read, yield, write: without the lock, another process's round in between is lost.
      const seen = state.serial;
      await new Promise((r) => setImmediate(r));
      state.serial = seen + 1;
    });
  }
} else if (mode === 'sdk') {
  const server = await sandbox.startSandbox({ dir, scale: 0 });
  const client = new Route53Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDSANDBOX', secretAccessKey: 'sandbox' },
    maxAttempts: 1,
  });
  const zone = (await client.send(new ListHostedZonesCommand({}))).HostedZones.find((z) => z.Name === 'example.test.');
  for (let i = 0; i < count; i++) {
    await client.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zone.Id,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: { Name: `${tag}-${i}.example.test.`, Type: 'A', TTL: 60, ResourceRecords: [{ Value: `203.0.113.${i % 250}` }] },
            },
          ],
        },
      }),
    );
  }
  client.destroy();
  await server.close();
} else {
  throw new Error(`unknown mode ${mode}`);
}
