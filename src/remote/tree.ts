// Whole directories to and from a host (remote:file:get/put --recursive), built on the
// pooled connection's single-file transfers: the original's `scp -r`, without scp.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { OriginError } from '../engine/errors.js';
import { cmd } from '../ssh/quote.js';
import type { RemoteHost } from '../ssh/types.js';

interface LocalTree {
  dirs: string[];
  files: string[];
}

/** Relative paths of the directories and regular files below dir (symlinks are not followed). */
function walkLocal(dir: string, prefix = '', tree: LocalTree = { dirs: [], files: [] }): LocalTree {
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      tree.dirs.push(rel);
      walkLocal(dir, rel, tree);
    } else if (entry.isFile()) {
      tree.files.push(rel);
    }
  }
  return tree;
}

/** Copies localDir to remoteDir: every directory in one `mkdir -p`, then each file with its mode. */
export async function uploadTree(host: RemoteHost, localDir: string, remoteDir: string): Promise<number> {
  const { dirs, files } = walkLocal(localDir);
  await host.run(
    cmd(
      'mkdir',
      '-p',
      '--',
      remoteDir,
      dirs.map((d) => posix.join(remoteDir, d)),
    ),
  );
  for (const rel of files) {
    const mode = (statSync(join(localDir, rel)).mode & 0o777).toString(8).padStart(4, '0');
    await host.uploadFile(join(localDir, rel), posix.join(remoteDir, rel), { mode });
  }
  return files.length;
}

/** Copies remoteDir to localDir: one `find` lists the tree, then each file is fetched. */
export async function downloadTree(host: RemoteHost, remoteDir: string, localDir: string): Promise<number> {
  const listing = await host.run(cmd('find', remoteDir, '-mindepth', '1', '(', '-type', 'd', '-o', '-type', 'f', ')', '-printf', '%y %P\\n'), {
    readOnly: true,
  });
  mkdirSync(localDir, { recursive: true });
  let files = 0;
  for (const line of listing.stdout) {
    const kind = line.slice(0, 2);
    const rel = line.slice(2);
    // A name with a newline splits into a line without a kind: refuse rather than guess.
    if ((kind !== 'd ' && kind !== 'f ') || rel === '' || rel.split('/').includes('..')) {
      throw new OriginError(`${host.name}: cannot copy ${remoteDir}: unexpected name in its listing: ${JSON.stringify(line)}`);
    }
    const local = join(localDir, ...rel.split('/'));
    if (kind === 'd ') {
      mkdirSync(local, { recursive: true });
    } else {
      await host.download(posix.join(remoteDir, rel), local);
      files++;
    }
  }
  return files;
}
