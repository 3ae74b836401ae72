// EC2 Query answers as XML. EC2 writes every list as <xSet><item>…</item></xSet> and leaves
// out what has no value; the SDK reads elements by these lower-camel names, so a value here
// is an ordered object of element names (a list of values becomes <item> children).

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';

export type XmlValue = string | number | boolean | Date | undefined | null | XmlValue[] | XmlFields;
export interface XmlFields {
  [element: string]: XmlValue;
}

export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** EC2's timestamps: ISO 8601 in UTC with milliseconds. */
export function timestamp(value: Date | number | string): string {
  return new Date(value).toISOString();
}

function content(value: XmlValue): string {
  if (value instanceof Date) return timestamp(value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined || v === null ? '' : `<item>${content(v)}</item>`)).join('');
  if (value !== null && typeof value === 'object') return fields(value);
  return xmlEscape(String(value));
}

/** The elements of an object in its own order; undefined and null are left out, as EC2 does. */
export function fields(obj: XmlFields): string {
  let out = '';
  for (const [name, value] of Object.entries(obj)) {
    if (value === undefined || value === null) continue;
    const inner = content(value);
    out += inner === '' ? `<${name}/>` : `<${name}>${inner}</${name}>`;
  }
  return out;
}

export function successBody(action: string, requestId: string, body: XmlFields): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}">${fields({ requestId, ...body })}</${action}Response>`;
}

/** EC2's error document: the SDK takes the error's name from Errors/Error/Code. */
export function errorBody(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response>${fields({ Errors: { Error: { Code: code, Message: message } }, RequestID: requestId })}</Response>`;
}
