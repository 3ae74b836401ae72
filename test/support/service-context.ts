// A bare task context around a (mocked) EC2 client, for tests that call services
// directly, e.g. to run a journal entry's undo.
import * as ec2Sdk from '@aws-sdk/client-ec2';
import type { TaskContext } from '../../src/engine/context.js';
import { Journal } from '../../src/engine/journal.js';

export function ec2ServiceContext(): TaskContext {
  const client = new ec2Sdk.EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });
  const quiet = () => undefined;
  return {
    dryRun: false,
    journal: new Journal(),
    aws: { ec2: async () => ({ client, sdk: ec2Sdk }) },
    log: { verbose: quiet, info: quiet, warn: quiet, debug: quiet },
  } as unknown as TaskContext;
}
