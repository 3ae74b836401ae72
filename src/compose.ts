// The composition root's wiring: what the engine is given to reach AWS and SSH. The
// engine owns only small interfaces (src/engine/runner.ts RunnerServices); the AWS
// clients, the SSH pool and the AWS error words are built here, from the settings, and
// each loads its heavy dependencies (the SDK, ssh2) only when first used.
import { GuardedAwsClients } from './aws/interrupt-guard.js';
import type { Settings } from './config/settings.js';
import type { FailureDescriber } from './engine/error-line.js';
import type { Output } from './engine/output.js';
import type { Prompter } from './engine/prompt.js';
import { Runner, type RunnerServices, type TaskLookup } from './engine/runner.js';

/** AWS SDK errors in plain words (src/aws/errors.ts is loaded only when one occurs). */
export const describeAwsFailure: FailureDescriber = async (err) => {
  const { isAwsError, describeAwsError } = await import('./aws/errors.js');
  if (!isAwsError(err)) return undefined;
  const d = describeAwsError(err);
  const named = err as { name?: string; Code?: string };
  return {
    message: d.message,
    ...(d.hint ? { hint: d.hint } : {}),
    code: named.Code ?? named.name ?? 'aws',
    ...(d.requestId ? { requestId: d.requestId } : {}),
  };
};

export function runnerServices(settings: Settings, out: Output): RunnerServices {
  return {
    aws(closed) {
      const aws = new GuardedAwsClients(settings, out.redactor, closed, out.progress());
      // The SDK's own warnings and debug text reach the user only through the run's output.
      aws.reportTo(out);
      return aws;
    },
    async sshPool(run) {
      const { SshPool } = await import('./ssh/pool.js');
      const flags = settings.flags;
      const cred = settings.awscred();
      const standIn = settings.sandbox?.ssh;
      return new SshPool({
        username: flags.username,
        sshKey: flags.sshKey,
        strictHostKeys: flags.strictHostKeys,
        configRemoteUser: cred?.remoteUser,
        userFor: (host) => run.userFor(host),
        keyPairName: cred?.keyPairName,
        home: settings.home,
        env: settings.env,
        dryRun: flags.dryRun,
        timeScale: settings.timeScale,
        connectTimeoutSeconds: 15,
        signal: run.signal,
        ...(standIn ? { standIn: () => standIn } : {}),
      });
    },
    describeFailure: describeAwsFailure,
  };
}

/** A Runner wired to the real AWS clients and SSH pool. */
export function newRunner(lookup: TaskLookup, settings: Settings, out: Output, prompter?: Prompter): Runner {
  return new Runner(lookup, settings, out, runnerServices(settings, out), prompter);
}
