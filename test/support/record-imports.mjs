// Loaded with `node --import`: records every module URL the process resolves, so a test
// can prove that `list` and `help` never load the AWS SDK or ssh2.
import { register } from 'node:module';

register('./record-imports-hooks.mjs', import.meta.url, { data: { log: process.env.IMPORT_LOG } });
