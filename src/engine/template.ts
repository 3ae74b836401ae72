// Everything written to a host lives as a file in templates/ with named {{placeholders}};
// this is the one function that fills them. A placeholder without a value is an error,
// never an empty string, so a half-rendered config file cannot reach a host.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './package-root.js';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export type TemplateValues = Readonly<Record<string, string | number>>;

/** The placeholder names a template uses, in order of first appearance. */
export function templatePlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Fills {{name}} placeholders in text; throws naming every placeholder left without a value. */
export function fillTemplate(text: string, values: TemplateValues, label = 'template'): string {
  const missing = templatePlaceholders(text).filter((name) => values[name] === undefined);
  if (missing.length) throw new Error(`${label}: no value for ${missing.map((m) => `{{${m}}}`).join(', ')}`);
  return text.replace(PLACEHOLDER, (_m, name: string) => String(values[name]));
}

/** Reads templates/NAME from the package and fills its placeholders. */
export function renderTemplate(name: string, values: TemplateValues = {}): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`bad template name ${JSON.stringify(name)}`);
  const text = readFileSync(join(packageRoot(), 'templates', name), 'utf8');
  return fillTemplate(text, values, `templates/${name}`);
}
