// Just enough XML for Route53's request bodies (elements and text, no namespaces or
// mixed content) and for writing its answers. A parser of our own keeps the sandbox free
// of dependencies; what it reads is what the AWS SDK writes.

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescape(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (all, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlError(`unknown entity ${all}`);
    return v;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&${Object.entries(ENTITIES).find(([, v]) => v === c)![0]};`);
}

/** The document's root element; an XmlError says what is malformed. */
export function parseXml(text: string): XmlElement {
  let i = 0;
  const skipMisc = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith('<?', i)) i = end('?>', i) + 2;
      else if (text.startsWith('<!--', i)) i = end('-->', i) + 3;
      else return;
    }
  };
  const end = (token: string, from: number) => {
    const at = text.indexOf(token, from);
    if (at < 0) throw new XmlError(`no closing ${token}`);
    return at;
  };
  const element = (): XmlElement => {
    if (text[i] !== '<') throw new XmlError(`expected an element at offset ${i}`);
    const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(i));
    if (!m) throw new XmlError(`malformed tag at offset ${i}`);
    i += m[0].length;
    const name = m[1]!.replace(/^[\w.-]+:/, '');
    const el: XmlElement = { name, children: [], text: '' };
    if (m[3]) return el;
    for (;;) {
      if (i >= text.length) throw new XmlError(`<${m[1]}> is not closed`);
      if (text.startsWith('</', i)) {
        const close = end('>', i);
        const closing = text.slice(i + 2, close).trim();
        if (closing !== m[1]) throw new XmlError(`</${closing}> closes <${m[1]}>`);
        i = close + 1;
        return el;
      }
      if (text.startsWith('<!--', i)) {
        i = end('-->', i) + 3;
      } else if (text.startsWith('<![CDATA[', i)) {
        const close = end(']]>', i);
        el.text += text.slice(i + 9, close);
        i = close + 3;
      } else if (text[i] === '<') {
        el.children.push(element());
      } else {
        const next = text.indexOf('<', i);
        const stop = next < 0 ? text.length : next;
        el.text += unescape(text.slice(i, stop));
        i = stop;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (i < text.length) throw new XmlError(`text after the root element at offset ${i}`);
  return root;
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

export function children(el: XmlElement | undefined, name: string): XmlElement[] {
  return el?.children.filter((c) => c.name === name) ?? [];
}

export function textOf(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : c.text.trim();
}

/** `<Name>value</Name>`, escaped; nothing when value is undefined. */
export function tag(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}
