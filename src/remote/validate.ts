// Shapes of the values the remote file, package, repository, git and augeas tasks accept.
// Each returns an error message or undefined (ArgSpec/OptionSpec.validate: exit 2 before
// anything runs). Values are still quoted when they reach a shell; these checks exist so a
// value that could only be a mistake or an attack (a newline in a path, `$(…)` as a package
// name, a git URL that is really an option) never gets that far.

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A remote path: anything printable (it is quoted), but no control characters. */
export const remotePath = (v: string) => {
  if (v === '') return 'must not be empty';
  if (CONTROL.test(v)) return 'must not contain control characters (newlines, tabs, …)';
  return undefined;
};

/** chmod modes: octal (644, 0755, 2775) or symbolic (u+x, go-w, a=rX,u+w). */
export const fileMode = (v: string) =>
  /^[0-7]{3,4}$/.test(v) || /^[ugoa]*[-+=][rwxXst]*(,[ugoa]*[-+=][rwxXst]*)*$/.test(v)
    ? undefined
    : 'not a file mode: octal such as 0644, or symbolic such as u+x,go-w';

/** Octal only: what `install -m` and sftp accept. */
export const octalMode = (v: string) => (/^[0-7]{3,4}$/.test(v) ? undefined : 'not an octal mode such as 0644');

/** A user or group name (POSIX portable, as useradd accepts), or a numeric id. */
export const accountName = (v: string) =>
  /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/.test(v) || /^\d{1,10}$/.test(v)
    ? undefined
    : 'not a user or group name (letters, digits, . _ -, not starting with a digit or -)';

const PACKAGE = /^[A-Za-z0-9_][A-Za-z0-9._+-]*$/;

/**
 * A package as a package manager takes it: a name (letters, digits, . _ + -), or the
 * https?:// URL of an .rpm, which yum and dnf install directly.
 */
export const packageSpec = (v: string) => {
  if (PACKAGE.test(v)) return undefined;
  if (/^https?:\/\//.test(v)) {
    if (/[\s'"`$\\;|&<>(){}]/.test(v) || CONTROL.test(v)) return 'a package URL must not contain spaces, quotes or shell characters';
    try {
      new URL(v);
      return undefined;
    } catch {
      return 'not a valid URL';
    }
  }
  return 'not a package name (letters, digits, . _ + -) or an https:// URL of a package file';
};

/** A yum/dnf repository id, which is also the .repo file name we write. */
export const repoId = (v: string) => (/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(v) ? undefined : 'not a repository id (letters, digits, . _ -)');

/** A yum variable name: the file name under /etc/yum/vars, used as $NAME in repo files. */
export const yumVarName = (v: string) => (/^[A-Za-z0-9_]+$/.test(v) ? undefined : 'not a yum variable name (letters, digits and _)');

/** A one-line value: written as data, but a yum variable file holds exactly one line. */
export const oneLine = (v: string) => (CONTROL.test(v) ? 'must be one line without control characters' : undefined);

/** A git branch, tag or remote name (the portable subset of git-check-ref-format). */
export const gitRef = (v: string) =>
  /^[A-Za-z0-9_][A-Za-z0-9_./+@-]*$/.test(v) && !v.includes('..') && !v.endsWith('.lock') && !v.endsWith('/')
    ? undefined
    : 'not a git branch, tag or remote name';

/**
 * A git URL or path. It never starts with `-` (git would read it as an option such as
 * --upload-pack=…), and the ext:: transport, which runs commands, is refused outright.
 */
export const gitUrl = (v: string) => {
  if (v === '' || v.startsWith('-')) return 'not a git URL';
  if (CONTROL.test(v) || /\s/.test(v)) return 'a git URL must not contain spaces or control characters';
  if (/^ext::/i.test(v)) return 'the ext:: transport runs commands and is not allowed';
  return undefined;
};

/** A tag prefix for `git tag --list PREFIX*`. */
export const tagPrefix = (v: string) => (/^[A-Za-z0-9_][A-Za-z0-9_./+@-]*$/.test(v) ? undefined : 'not a tag prefix (letters, digits, . _ / + @ -)');

/**
 * An augeas path expression, passed to augtool as one word. It starts with `/`; blanks and
 * quotes may appear only inside [predicates], where augtool keeps them; brackets balance.
 */
export const augeasPath = (v: string) => {
  if (!v.startsWith('/')) return 'an augeas path starts with / (for example /files/etc/puppet/puppet.conf/main/server)';
  if (CONTROL.test(v)) return 'must not contain control characters';
  let depth = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') depth++;
    else if (c === ']' && --depth < 0) return 'unbalanced ] in the path';
    else if (depth === 0 && (c === ' ' || c === '"' || c === "'")) return 'blanks and quotes are allowed only inside [predicates]';
  }
  return depth === 0 ? undefined : 'unbalanced [ in the path';
};
