/**
 * A value the XML renderer understands. Arrays become wrapper elements whose
 * entries are `<member>` (awsQuery) or `<item>` (ec2) children; `undefined`
 * and `null` fields are left out, as AWS leaves out unset members.
 */
export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | { [key: string]: XmlValue };

/** Escape text for an XML element body or attribute value. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => XML_ENTITIES[c] ?? c);
}

const XML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};

/** Render `value` as the children of one element named `name`. */
export function renderElement(name: string, value: XmlValue, listItemName: string): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${renderContent(value, listItemName)}</${name}>`;
}

/** Render the body of an element (no wrapping tag). */
export function renderContent(value: XmlValue, listItemName: string): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => renderElement(listItemName, v, listItemName)).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => renderElement(k, v, listItemName))
      .join('');
  }
  return escapeXml(String(value));
}
